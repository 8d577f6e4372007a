import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLowdbStore, recordsFileFor } from '../../receiver/store/lowdb-store';
import type { JobTrigger, Store } from '../../receiver/store/types';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';

const trigger = (code: string, action = 'pretix.event.order.placed'): JobTrigger => ({
  portalId: '42',
  connectionId: 'c1',
  event: 'democon',
  code,
  action,
});

describe('lowdb store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  let store: Store;

  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir.path, 'data', 'db.json');
    store = await openLowdbStore(file);
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  it('has the accepted webhook on disk when acceptWebhook resolves, readable by a new process', async () => {
    expect(await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000)).toBe('queued');
    const reopened = await openLowdbStore(file);
    expect(await reopened.getJob('c1:democon:AAAAA')).toMatchObject({ state: 'pending', triggers: ['pretix.event.order.placed'] });
  });

  it('dedupes on notification id and merges triggers for one order into one pending job', async () => {
    expect(await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000)).toBe('queued');
    expect(await store.acceptWebhook('c1:1', trigger('AAAAA'), 1001)).toBe('duplicate');
    expect(await store.acceptWebhook('c1:2', trigger('AAAAA', 'pretix.event.order.paid'), 1002)).toBe('merged');
    expect(await store.listJobs()).toHaveLength(1);
    expect((await store.getJob('c1:democon:AAAAA'))?.triggers).toEqual(['pretix.event.order.placed', 'pretix.event.order.paid']);
  });

  it('answers a duplicate only once the original notification is on disk', async () => {
    // A slow fdatasync, as under I/O load: the original's journal line is written but not yet durable.
    const probe = await open(join(dir.path, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const realDatasync = proto.datasync;
    let started = 0;
    let synced = 0;
    let release!: () => void;
    const diskBusy = new Promise<void>((resolve) => (release = resolve));
    const spy = vi.spyOn(proto, 'datasync').mockImplementation(async function (this: unknown) {
      started += 1;
      await diskBusy; // held until the test lets the disk finish, instead of a fixed delay
      await realDatasync.call(this);
      synced += 1;
    });
    try {
      const original = store.acceptWebhook('c1:1', trigger('AAAAA'), 1000);
      // pretix retries the delivery (its first attempt timed out): the 2xx for it acknowledges the notification.
      const duplicate = store.acceptWebhook('c1:1', trigger('AAAAA'), 1001);
      const early = await Promise.race([
        duplicate.then(() => 'answered'),
        waitFor(() => started > 0, 'the journal line waiting for fdatasync', 15_000, 1).then(() => new Promise((resolve) => setImmediate(() => resolve('waiting')))),
      ]);
      expect(early).toBe('waiting');
      release();
      expect(await duplicate).toBe('duplicate');
      expect(synced).toBeGreaterThanOrEqual(1);
      await original;
    } finally {
      spy.mockRestore();
    }
  });

  it('a notification whose journal write failed is not answered as a duplicate on retry', async () => {
    const probe = await open(join(dir.path, 'probe2'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const spy = vi.spyOn(proto, 'datasync').mockRejectedValueOnce(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    try {
      await expect(store.acceptWebhook('c1:7', trigger('AAAAA'), 1000)).rejects.toThrow(/no space/);
    } finally {
      spy.mockRestore();
    }
    // pretix retries after the 5xx: this time it must be stored, not waved through as already seen.
    expect(await store.acceptWebhook('c1:7', trigger('AAAAA'), 1001)).not.toBe('duplicate');
    const reopened = await openLowdbStore(file);
    expect((await reopened.getJob('c1:democon:AAAAA'))?.state).toBe('pending');
    await reopened.close();
  });

  it('200 concurrent accepts are all on disk once acknowledged (journal replay after a crash)', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => store.acceptWebhook(`c1:${i + 10}`, trigger(`C${i}`), 2000)));
    expect(results.every((r) => r === 'queued')).toBe(true);
    // No close, no checkpoint: a second process opening the files now sees what a restart after SIGKILL sees.
    const reopened = await openLowdbStore(file);
    expect(await reopened.listJobs()).toHaveLength(200);
    expect(await reopened.acceptWebhook('c1:10', trigger('C0'), 3000)).toBe('duplicate');
    await reopened.close();
  });

  it('checkpoints the journal into the state file and removes covered segments', async () => {
    await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000);
    await store.saveInstallation({ portalId: '9', status: 'active', accessTokenSealed: null, refreshTokenSealed: null, accessTokenExpiresAt: 0, scopes: [], installedAt: '', updatedAt: '' });
    const onDisk = JSON.parse(await readFile(file, 'utf8')) as { jobs: Record<string, unknown>; journalSegment: number };
    expect(Object.keys(onDisk.jobs)).toEqual(['c1:democon:AAAAA']);
    const segments = (await readdir(join(dir.path, 'data'))).filter((name) => name.includes('.journal.'));
    expect(segments).toEqual([`db.json.journal.${onDisk.journalSegment}.jsonl`]);
  });

  it('a checkpoint completes while webhooks keep arriving', async () => {
    let stop = false;
    let accepted = 0;
    const intake = async (lane: number) => {
      for (let i = 0; !stop; i += 1) {
        await store.acceptWebhook(`c1:${lane * 1_000_000 + i}`, trigger(`L${lane}N${i}`), 5000);
        accepted += 1;
      }
    };
    const lanes = [1, 2, 3, 4].map((lane) => intake(lane));
    try {
      await waitFor(() => accepted >= 8, 'webhooks arriving', 15_000, 1);
      const atSave = accepted;
      const saved = store.saveInstallation({ portalId: '9', status: 'active', accessTokenSealed: null, refreshTokenSealed: null, accessTokenExpiresAt: 0, scopes: [], installedAt: '', updatedAt: '' });
      // Starvation measured in progress, not time: a checkpoint that waited for the intake to pause would still be
      // waiting after hundreds of further acknowledged webhooks (each group commit acknowledges about one per lane).
      const outcome = await Promise.race([
        saved.then(() => 'saved'),
        waitFor(() => accepted - atSave >= 400, '400 more webhooks', 60_000, 1).then(() => 'starved'),
      ]);
      expect(outcome).toBe('saved');
    } finally {
      stop = true;
      await Promise.all(lanes);
    }
  });

  it('writes the data files with mode 0600', async () => {
    await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000);
    await store.saveInstallation({ portalId: '9', status: 'active', accessTokenSealed: null, refreshTokenSealed: null, accessTokenExpiresAt: 0, scopes: [], installedAt: '', updatedAt: '' });
    for (const name of await readdir(join(dir.path, 'data'))) expect((await stat(join(dir.path, 'data', name))).mode & 0o777).toBe(0o600);
    await store.putSyncRecords([
      { key: 'k', portalId: '42', connectionId: 'c1', event: 'democon', code: 'AAAAA', emails: ['a@example.com'], status: 'synced', syncedAt: '', objects: [], associations: [], skipped: [] },
    ]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(recordsFileFor(file))).mode & 0o777).toBe(0o600);
  });

  it('a trigger during a sync makes the job run again instead of being lost', async () => {
    await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000);
    const [claimed] = await store.claimDueJobs(1000, 10);
    expect(claimed?.state).toBe('in_flight');
    await store.acceptWebhook('c1:2', trigger('AAAAA', 'pretix.event.order.paid'), 1001);
    await store.completeJobs(['c1:democon:AAAAA'], 1002);
    expect(await store.getJob('c1:democon:AAAAA')).toMatchObject({ state: 'pending', rerun: false });
    await store.claimDueJobs(1003, 10);
    await store.completeJobs(['c1:democon:AAAAA'], 1004);
    expect(await store.getJob('c1:democon:AAAAA')).toBeUndefined();
  });

  it('reports each webhook lag once: from the oldest unsynced acknowledgement, a rerun from its own', async () => {
    const samples: { portalId: string; lagMs: number }[] = [];
    store.onWebhookSynced(({ portalId, lagMs }) => samples.push({ portalId, lagMs }));
    const record = (syncedAt: number, status: 'synced' | 'failed' = 'synced') => ({
      key: 'c1:democon:AAAAA', portalId: '42', connectionId: 'c1', event: 'democon', code: 'AAAAA', emails: [], status,
      syncedAt: new Date(syncedAt).toISOString(), objects: [], associations: [], skipped: [],
    });
    await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000);
    await store.enqueue([trigger('AAAAA', 'manual')], 1100); // not a webhook: the lag still counts from 1000
    await store.acceptWebhook('c1:2', trigger('AAAAA', 'pretix.event.order.paid'), 1200);
    // Sync now: merged and claimed in one step; a second click finds it in flight and only asks for a rerun.
    expect((await store.enqueueClaimed(trigger('AAAAA', 'manual'), 1300))?.state).toBe('in_flight');
    expect(await store.enqueueClaimed(trigger('AAAAA', 'manual'), 1300)).toBeNull();
    expect((await store.getJob('c1:democon:AAAAA'))?.rerun).toBe(true);
    await store.acceptWebhook('c1:3', trigger('AAAAA', 'pretix.event.order.modified'), 1400); // during the sync
    await store.putSyncRecords([record(1500)]);
    await store.completeJobs(['c1:democon:AAAAA'], 1500);
    expect(samples).toEqual([{ portalId: '42', lagMs: 500 }]);
    // The rerun measures from the webhook that arrived while the first run was in flight.
    await store.claimDueJobs(1600, 10);
    await store.failJob('c1:democon:AAAAA', { failureClass: 'transient', message: 'HubSpot 502', nextAttemptAt: 1700 }, 1650);
    await store.claimDueJobs(1700, 10);
    await store.putSyncRecords([record(1800, 'failed')]);
    await store.putSyncRecords([record(1900)]);
    await store.completeJobs(['c1:democon:AAAAA'], 1900);
    expect(samples).toEqual([{ portalId: '42', lagMs: 500 }, { portalId: '42', lagMs: 500 }]);
    // A job no webhook asked for (backfill, reconcile, Sync now alone) has no lag to report.
    await store.enqueue([trigger('BBBBB', 'manual')], 2000);
    await store.claimDueJobs(2000, 10);
    await store.putSyncRecords([{ ...record(2100), key: 'c1:democon:BBBBB', code: 'BBBBB' }]);
    expect(samples).toHaveLength(2);
  });

  it('recovers jobs left in flight by a crash', async () => {
    await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000);
    await store.claimDueJobs(1000, 10);
    await store.acceptWebhook('c1:2', trigger('BBBBB'), 1000);
    await store.saveInstallation({ portalId: '9', status: 'active', accessTokenSealed: null, refreshTokenSealed: null, accessTokenExpiresAt: 0, scopes: [], installedAt: '', updatedAt: '' }); // a checkpoint that includes the in-flight mark
    const reopened = await openLowdbStore(file);
    expect((await reopened.getJob('c1:democon:AAAAA'))?.state).toBe('in_flight');
    expect(await reopened.recoverInFlight(5000)).toBe(1);
    expect((await reopened.claimDueJobs(5000, 10)).map((j) => j.code).sort()).toEqual(['AAAAA', 'BBBBB']);
  });

  it('failed jobs wait for a manual retry; a new trigger or retryJob revives them', async () => {
    await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000);
    await store.claimDueJobs(1000, 10);
    await store.failJob('c1:democon:AAAAA', { failureClass: 'config', message: 'bad mapping', nextAttemptAt: null }, 1001);
    expect(await store.claimDueJobs(9_999_999, 10)).toHaveLength(0);
    expect(await store.queueCounts()).toMatchObject({ failed: 1, failedByClass: { config: 1, permanent: 0, transient: 0 } });
    expect(await store.retryJob('c1:democon:AAAAA', 2000)).toBe(true);
    expect(await store.getJob('c1:democon:AAAAA')).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await store.retryJob('nope', 2000)).toBe(false);
  });

  it('finds sync records by any of their emails, only within the portal', async () => {
    await store.putSyncRecords([
      { key: 'a', portalId: '1', connectionId: 'c1', event: 'e', code: 'A', emails: ['x@example.com', 'y@example.com'], status: 'synced', syncedAt: '', objects: [], associations: [], skipped: [] },
      { key: 'b', portalId: '2', connectionId: 'c2', event: 'e', code: 'B', emails: ['x@example.com'], status: 'synced', syncedAt: '', objects: [], associations: [], skipped: [] },
    ]);
    expect((await store.findSyncRecordsByEmails('1', ['X@example.com'])).map((r) => r.key)).toEqual(['a']);
    expect(await store.findSyncRecordsByEmails('2', ['y@example.com'])).toEqual([]);
  });

  it("removing a connection takes its sync records' emails off the disk, not only out of the index", async () => {
    await store.putSyncRecords([
      { key: 'a', portalId: '1', connectionId: 'c1', event: 'e', code: 'A', emails: ['gone@example.com'], status: 'synced', syncedAt: '', objects: [], associations: [], skipped: [] },
      { key: 'b', portalId: '1', connectionId: 'c2', event: 'e', code: 'B', emails: ['kept@example.com'], status: 'synced', syncedAt: '', objects: [], associations: [], skipped: [] },
    ]);
    await store.deleteConnection('c1');
    expect(await store.getSyncRecord('a')).toBeUndefined();
    const onDisk = await readFile(recordsFileFor(file), 'utf8');
    expect(onDisk).not.toContain('gone@example.com');
    expect(onDisk).toContain('kept@example.com');
  });

  it('redacts the last error of the given jobs only, and keeps the change on disk', async () => {
    await store.enqueueFailed(
      ['A', 'B'].map((code) => ({ trigger: trigger(code), failure: { failureClass: 'permanent' as const, message: `refused p@example.com in ${code}`, nextAttemptAt: null } })),
      1,
    );
    const [a, b] = ['A', 'B'].map((code) => `c1:democon:${code}`) as [string, string];
    expect(await store.redactJobErrors([a, 'c1:democon:missing'], (text) => text.replace('p@example.com', '[deleted]'))).toBe(1);
    expect((await store.getJob(a))?.lastError).toBe('refused [deleted] in A');
    expect((await store.getJob(b))?.lastError).toBe('refused p@example.com in B');
    expect(await store.redactJobErrors([a], (text) => text.replace('p@example.com', '[deleted]'))).toBe(0);
    await store.close();
    store = await openLowdbStore(file);
    expect((await store.getJob(a))?.lastError).toBe('refused [deleted] in A');
  });
});
