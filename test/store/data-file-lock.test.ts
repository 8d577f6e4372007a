// The data file lock: refused while its holder lives, taken over once the holder is gone (SIGKILL leaves the file).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataFileLock, DataFileLockedError, DataFileLockError, lockFileFor } from '../../receiver/store/data-file-lock';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';

function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('data file lock', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let dataFile: string;
  let lockFile: string;
  let child: ChildProcess | null = null;

  beforeEach(async () => {
    dir = await tempDir();
    dataFile = join(dir.path, 'data', 'state.json');
    lockFile = lockFileFor(dataFile);
    await mkdir(join(dir.path, 'data'));
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = null;
    await dir.remove();
  });

  /** Another live process, as a lock holder. */
  async function otherProcess(): Promise<number> {
    child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const pid = child.pid!;
    await waitFor(() => startTimeOf(pid), 'the other process up');
    return pid;
  }
  const holderFile = (pid: number, startTime: string | null) =>
    writeFile(lockFile, JSON.stringify({ pid, startTime, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));

  it('is taken, refused a second time in the same process, and released', async () => {
    const lock = await acquireDataFileLock(dataFile);
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid, startTime: startTimeOf(process.pid) });
    await expect(acquireDataFileLock(dataFile)).rejects.toBeInstanceOf(DataFileLockedError);
    lock.release();
    expect(await readdir(join(dir.path, 'data'))).toEqual([]);
    (await acquireDataFileLock(dataFile)).release();
  });

  it('is refused while another live process holds it, naming the file and that pid, and the lock stays', async () => {
    const pid = await otherProcess();
    await holderFile(pid, startTimeOf(pid));
    const before = await readFile(lockFile, 'utf8');
    const error = await acquireDataFileLock(dataFile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileLockedError);
    expect((error as Error).message).toContain(dataFile);
    expect((error as Error).message).toContain(`pid ${pid}`);
    expect(await readFile(lockFile, 'utf8')).toBe(before);
  });

  it('is taken over from a holder killed with SIGKILL', async () => {
    const pid = await otherProcess();
    await holderFile(pid, startTimeOf(pid));
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGKILL');
    await exited;
    const lock = await acquireDataFileLock(dataFile);
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('is taken over from a holder killed but not yet reaped by its parent (a zombie)', async () => {
    // A parent that never waits for its child: the child, once dead, stays a zombie while the parent sleeps.
    const script = 'import os, sys, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(60)';
    child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const zombie = Number(await waitFor(() => /^\d+\n/.exec(out)?.[0], 'the child pid'));
    await waitFor(() => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.startsWith('Z'), 'the child a zombie');
    expect(() => process.kill(zombie, 0)).not.toThrow(); // what a plain liveness check sees
    await holderFile(zombie, startTimeOf(zombie));
    (await acquireDataFileLock(dataFile)).release();
  });

  it('is taken over when the pid now belongs to a process started at another time (pid reuse)', async () => {
    const pid = await otherProcess();
    await holderFile(pid, String(Number(startTimeOf(pid)) - 1));
    (await acquireDataFileLock(dataFile)).release();
  });

  it('is taken over when it names this very pid from an earlier start (a container restarts its pid 1)', async () => {
    await holderFile(process.pid, '1');
    (await acquireDataFileLock(dataFile)).release();
  });

  it('leaves a stale lock alone while another start holds the takeover guard, and takes it once the guard is gone', async () => {
    // Two starts that both judged a lock stale must not both remove it (the slower would remove the faster one's new
    // lock): only the guard's holder may, so while a live process holds the guard, the stale lock stays as it is.
    await holderFile(2 ** 30, '1');
    const stale = await readFile(lockFile, 'utf8');
    const pid = await otherProcess();
    const guard = `${lockFile}.takeover`;
    await writeFile(guard, JSON.stringify({ pid, startTime: startTimeOf(pid), host: hostname(), since: 'now' }));
    let taken = false;
    const acquiring = acquireDataFileLock(dataFile).then((lock) => ((taken = true), lock));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(taken).toBe(false);
    expect(await readFile(lockFile, 'utf8')).toBe(stale);
    await rm(guard);
    const lock = await acquiring;
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('breaks a takeover guard whose holder died inside it', async () => {
    await holderFile(2 ** 30, '1');
    await writeFile(`${lockFile}.takeover`, JSON.stringify({ pid: 2 ** 30 - 1, startTime: '1', host: hostname(), since: 'long ago' }));
    const lock = await acquireDataFileLock(dataFile);
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(await readdir(join(dir.path, 'data'))).toEqual([]);
  });

  it('refuses a lock file that names no receiver, asking a person to look', async () => {
    await writeFile(lockFile, 'garbage');
    await expect(acquireDataFileLock(dataFile)).rejects.toBeInstanceOf(DataFileLockError);
    expect(await readFile(lockFile, 'utf8')).toBe('garbage');
  });

  it('release leaves a lock that is no longer ours', async () => {
    const lock = await acquireDataFileLock(dataFile);
    const pid = await otherProcess();
    await holderFile(pid, startTimeOf(pid)); // someone replaced our lock by hand
    lock.release();
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid });
  });
});
