// The receiver as a real operating-system process (`node --import tsx receiver/main.ts`), for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ReceiverProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs a receiver that is expected to refuse to start: its exit code and output, or a failure if it keeps running. */
export async function runReceiverExpectingExit(env: Record<string, string>, args: string[] = [], timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'receiver/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`receiver did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolveExit(exitCode);
    });
  });
  return { code, output };
}

export async function startReceiverProcess(env: Record<string, string>, args: string[] = []): Promise<ReceiverProcess> {
  // Spawned node directly (not the tsx wrapper) so that SIGKILL hits the process that holds the state.
  const child = spawn(process.execPath, ['--import', 'tsx', 'receiver/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${env.PORT}`;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`receiver exited early:\n${output}`);
    return (await fetch(`${url}/healthz`).catch(() => null))?.ok;
  }, 'receiver process up', 30_000, 50);
  return {
    url,
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
