// Configuration (installations, connections, event settings) is shown only once the checkpoint that holds it is on
// disk, so nobody is shown a connection or an enabled event that a crash at that moment would take back.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLowdbStore } from '../../receiver/store/lowdb-store';
import type { EventConfig, Store } from '../../receiver/store/types';
import { controlFileHandle, storedConnection } from '../helpers/file-handle-control';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';

const connection = storedConnection;
const eventConfig: EventConfig = { connectionId: 'c1', event: 'democon', enabled: true, mappings: [], updatedAt: '2026-01-01T00:00:00.000Z' };

const controlSyncs = (dir: string) => controlFileHandle(dir, 'sync');

describe('configuration saves', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  let store: Store;

  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir.path, 'state.json');
    store = await openLowdbStore(file);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    await dir.remove();
  });

  it('shows a connection and an event setting only once their checkpoint is on disk', async () => {
    const syncs = await controlSyncs(dir.path);
    const savingConnection = store.saveConnection(connection);
    const savingEvent = store.saveEventConfig(eventConfig);
    await waitFor(() => syncs.started() > 0, 'the checkpoint to reach its fsync');
    expect(await store.getConnection('c1')).toBeUndefined();
    expect(await store.listConnections()).toEqual([]);
    expect(await store.findConnectionByWebhookFingerprint('fp')).toBeUndefined();
    expect(await store.getEventConfig('c1', 'democon')).toBeUndefined();
    syncs.release();
    await Promise.all([savingConnection, savingEvent]);
    expect(await store.getConnection('c1')).toEqual(connection);
    expect(await store.getEventConfig('c1', 'democon')).toEqual(eventConfig);
    syncs.restore();
  });

  it('undoes a save whose checkpoint fails: not shown now, not there after a restart', async () => {
    await store.saveConnection(connection);
    const syncs = await controlSyncs(dir.path);
    syncs.fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', syscall: 'fsync' }));
    const renamed = { ...connection, organizer: 'renamed' };
    await expect(store.saveConnection(renamed)).rejects.toThrow(/EIO/);
    await expect(store.saveEventConfig(eventConfig)).rejects.toThrow(/EIO/);
    expect((await store.getConnection('c1'))?.organizer).toBe('demo');
    expect(await store.getEventConfig('c1', 'democon')).toBeUndefined();
    syncs.restore();
    // The next checkpoint must not carry the refused saves to disk either.
    await store.saveInstallation({
      portalId: '42',
      status: 'active',
      accessTokenSealed: null,
      refreshTokenSealed: null,
      accessTokenExpiresAt: 0,
      scopes: [],
      installedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    await store.close();
    store = await openLowdbStore(file);
    expect((await store.getConnection('c1'))?.organizer).toBe('demo');
    expect(await store.getEventConfig('c1', 'democon')).toBeUndefined();
    expect((await store.getInstallation('42'))?.status).toBe('active');
  });
});
