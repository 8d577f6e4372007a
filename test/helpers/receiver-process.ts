// The receiver as a real operating-system process, for tests that kill it or signal it: `node --import tsx
// receiver/main.ts` by default, or through the real `npm start` as an operator (or a container) starts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { procStatFields } from '../../receiver/lib/proc-stat';
import { waitFor } from './wait-for';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ReceiverProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves when the spawned process has exited. */
  exited: Promise<void>;
  /** Sends `signal` (SIGKILL by default) to the spawned process only, as a supervisor does, and waits for its exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGKILLs the spawned process and everything it started (npm's shell and node), for cleaning up. */
  killAll(): Promise<void>;
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

export interface ReceiverProcessOptions {
  /** 'node' (default) spawns node itself; 'npm' spawns `npm start`, so `child` is npm's process. */
  via?: 'node' | 'npm';
  /** Arguments for main.ts (e.g. --repair); with npm they follow `--`. */
  args?: string[];
}

export async function startReceiverProcess(env: Record<string, string>, options: ReceiverProcessOptions = {}): Promise<ReceiverProcess> {
  // By default node directly (not the tsx wrapper) so that SIGKILL hits the process that holds the state.
  const args = options.args ?? [];
  const [command, commandArgs] =
    options.via === 'npm'
      ? ['npm', ['start', '--silent', ...(args.length > 0 ? ['--', ...args] : [])]]
      : [process.execPath, ['--import', 'tsx', 'receiver/main.ts', ...args]];
  const child = spawn(command, commandArgs, {
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
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    async killAll() {
      const started = child.pid === undefined ? [] : descendantPids(child.pid);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const pid of started) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await exited;
    },
  };
}

/** Whether a process exists and is not a zombie (an exited orphan that nobody has reaped yet counts as gone). */
export function processAlive(pid: number): boolean {
  const fields = procStatFields(pid);
  return fields !== null && fields[0] !== 'Z';
}

/** Every live descendant of `pid` (children, their children…), read from /proc (Linux). */
export function descendantPids(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // Null: the process ended while we looked.
    const fields = procStatFields(Number(name));
    if (fields) parentOf.set(Number(name), Number(fields[1]));
  }
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found.filter(processAlive);
}
