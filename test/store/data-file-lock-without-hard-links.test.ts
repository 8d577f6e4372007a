// On a file system without hard links (some network and FUSE mounts) the lock falls back to O_EXCL and still excludes.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireDataFileLock, DataFileLockedError, lockFileFor } from '../../receiver/store/data-file-lock';
import { tempDir } from '../helpers/temp-dir';

const links = vi.hoisted(() => ({ tried: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const linkSync = (() => {
    links.tried += 1;
    throw Object.assign(new Error('ENOTSUP: operation not supported, link'), { code: 'ENOTSUP' });
  }) as typeof fs.linkSync;
  return { ...fs, default: { ...fs, linkSync }, linkSync };
});

describe('data file lock without hard links', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'data'));
  });
  afterEach(() => dir.remove());

  it('takes the lock with O_EXCL and releases it', async () => {
    const dataFile = join(dir.path, 'data', 'state.json');
    const lock = await acquireDataFileLock(dataFile);
    expect(JSON.parse(await readFile(lockFileFor(dataFile), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(links.tried).toBeGreaterThan(0); // the link was tried and refused: the lock above came from O_EXCL
    lock.release();
    await expect(readFile(lockFileFor(dataFile))).rejects.toThrow(/ENOENT/);
  });

  it('refuses while a live process holds the lock', async () => {
    const dataFile = join(dir.path, 'data', 'state.json');
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    await writeFile(lockFileFor(dataFile), JSON.stringify({ pid: process.ppid, startTime, host: hostname(), since: 'then' }));
    await expect(acquireDataFileLock(dataFile)).rejects.toBeInstanceOf(DataFileLockedError);
  });
});
