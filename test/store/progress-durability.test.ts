// Backfill and sweep progress: shown only once a restart would resume from it, and saved as one journal line
// rather than a rewrite of the whole state file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLowdbStore } from '../../receiver/store/lowdb-store';
import type { BackfillState, Store, SweepState } from '../../receiver/store/types';
import { controlFileHandle, storedConnection } from '../helpers/file-handle-control';
import { tempDir } from '../helpers/temp-dir';

const connection = storedConnection;

const backfill = (nextPage: number): BackfillState => ({
  connectionId: 'c1',
  event: 'democon',
  state: 'running',
  mappingIds: null,
  nextPage,
  total: 10_000,
  processed: (nextPage - 1) * 50,
  synced: 0,
  skipped: 0,
  failed: 0,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  error: null,
});

const sweep = (watermark: string): SweepState => ({
  connectionId: 'c1',
  event: 'democon',
  watermark,
  lastSweepAt: watermark,
  lastFound: 1,
  lastEnqueued: 0,
  lastError: null,
});

const holdDatasyncs = (dir: string) => controlFileHandle(dir, 'datasync');

describe('backfill and sweep progress', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  let store: Store;

  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir.path, 'db.json');
    store = await openLowdbStore(file);
    await store.saveConnection(connection);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    await dir.remove();
  });

  it('a backfill page is visible only once it is on disk', async () => {
    await store.saveBackfill(backfill(3));
    const disk = await holdDatasyncs(dir.path);
    const saved = store.saveBackfill(backfill(4));
    await vi.waitFor(() => expect(disk.started()).toBeGreaterThan(0));
    // Written, not yet durable: the API (which reads the store) still shows the page a restart would resume from.
    expect((await store.getBackfill('c1', 'democon'))?.nextPage).toBe(3);
    expect((await store.listBackfills()).map((b) => b.nextPage)).toEqual([3]);
    disk.release();
    await saved;
    expect((await store.getBackfill('c1', 'democon'))?.nextPage).toBe(4);
    disk.restore();
  });

  it('a sweep state is visible only once it is on disk', async () => {
    const disk = await holdDatasyncs(dir.path);
    const saved = store.saveSweep(sweep('2026-01-02T00:00:00.000Z'));
    await vi.waitFor(() => expect(disk.started()).toBeGreaterThan(0));
    expect(await store.getSweep('c1', 'democon')).toBeUndefined();
    disk.release();
    await saved;
    expect((await store.getSweep('c1', 'democon'))?.watermark).toBe('2026-01-02T00:00:00.000Z');
    disk.restore();
  });

  it('every page saved is readable by a new process without a rewrite of the state file', async () => {
    const before = await readFile(file, 'utf8');
    for (let page = 1; page <= 200; page += 1) await store.saveBackfill(backfill(page));
    await store.saveSweep(sweep('2026-01-03T00:00:00.000Z'));
    // No checkpoint per save: the state file is as it was (the journal holds the progress).
    expect(await readFile(file, 'utf8')).toBe(before);
    // A process started now (as after a SIGKILL) resumes from the last page shown.
    const restarted = await openLowdbStore(file);
    try {
      expect((await restarted.getBackfill('c1', 'democon'))?.nextPage).toBe(200);
      expect((await restarted.getSweep('c1', 'democon'))?.watermark).toBe('2026-01-03T00:00:00.000Z');
    } finally {
      await restarted.close();
    }
  });

  it('progress is folded into the next checkpoint and survives it', async () => {
    await store.saveBackfill(backfill(7));
    await store.saveInstallation({ portalId: '9', status: 'active', accessTokenSealed: null, refreshTokenSealed: null, accessTokenExpiresAt: 0, scopes: [], installedAt: '', updatedAt: '' });
    const onDisk = JSON.parse(await readFile(file, 'utf8')) as { backfills: Record<string, BackfillState> };
    expect(onDisk.backfills['c1:democon']?.nextPage).toBe(7);
    await store.close();
    store = await openLowdbStore(file);
    expect((await store.getBackfill('c1', 'democon'))?.nextPage).toBe(7);
  });

  it("a removed connection's progress does not come back after a restart", async () => {
    await store.saveBackfill(backfill(5));
    await store.saveSweep(sweep('2026-01-04T00:00:00.000Z'));
    const late = store.saveBackfill(backfill(6));
    await store.deleteConnection('c1');
    await late;
    expect(await store.getBackfill('c1', 'democon')).toBeUndefined();
    const restarted = await openLowdbStore(file);
    try {
      expect(await restarted.listBackfills()).toEqual([]);
      expect(await restarted.getSweep('c1', 'democon')).toBeUndefined();
    } finally {
      await restarted.close();
    }
  });
});
