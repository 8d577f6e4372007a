// A short write to the sync-record log (the disk filling up mid-chunk) fails the put and leaves no half line behind.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordLog } from '../../receiver/store/record-log';
import type { SyncRecord } from '../../receiver/store/types';
import { tempDir } from '../helpers/temp-dir';

const cut = vi.hoisted(() => ({ next: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, buffer: Buffer, ...rest: unknown[]) => {
    if (cut.next && Buffer.isBuffer(buffer)) {
      cut.next = false;
      return fs.writeSync(fd, buffer, 0, Math.floor(buffer.length / 2)); // what a filling disk does
    }
    return (fs.writeSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const record = (code: string): SyncRecord => ({
  key: `c1:democon:${code}`,
  portalId: '1',
  connectionId: 'c1',
  event: 'democon',
  code,
  emails: [],
  status: 'synced',
  syncedAt: '2026-01-01T00:00:00.000Z',
  objects: [],
  associations: [],
  skipped: [],
});

describe('record log short write', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());

  it('fails the put, cuts the file back, and the next put is readable after a reload', async () => {
    const file = join(dir.path, 'records.jsonl');
    const log = await RecordLog.open(file);
    await log.put([record('AAAAA')]);
    cut.next = true;
    await expect(log.put([record('BBBBB')])).rejects.toThrow(/cut short/);
    await log.put([record('CCCCC')]);
    await log.close();
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as SyncRecord).code)).toEqual(['AAAAA', 'CCCCC']);
    const reloaded = await RecordLog.open(file);
    expect(reloaded.get('c1:democon:CCCCC')?.code).toBe('CCCCC');
    await reloaded.close();
  });
});
