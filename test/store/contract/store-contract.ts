// One contract for every Store implementation: the queue's rules (dedupe, one pending job per order, claims,
// completion, failure, retry, release, recovery), sync records, privacy purges, configuration and progress.
// Run by lowdb-store.contract.test.ts and postgres-store.contract.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection, JobTrigger, Store, SyncRecord, WebhookSyncedSample } from '../../../receiver/store/types';

export interface StoreUnderTest {
  store: Store;
  /** Another handle on the same data, as a restarted process (or another instance) would open it. */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

export const trigger = (code: string, action = 'pretix.event.order.placed', connectionId = 'c1'): JobTrigger => ({
  portalId: '42',
  connectionId,
  event: 'democon',
  code,
  action,
});

export const key = (code: string, connectionId = 'c1') => `${connectionId}:democon:${code}`;

export const connection = (id: string, portalId = '42'): Connection => ({
  id,
  portalId,
  baseUrl: 'https://pretix.example',
  organizer: `org-${id}`,
  apiTokenSealed: 'sealed-api-token',
  webhookTokenFingerprint: `fp-${id}`,
  webhookTokenSealed: 'sealed-webhook-token',
  createdAt: '2026-01-01T00:00:00.000Z',
});

export const record = (code: string, emails: string[], overrides: Partial<SyncRecord> = {}): SyncRecord => ({
  key: key(code),
  portalId: '42',
  connectionId: 'c1',
  event: 'democon',
  code,
  emails,
  status: 'synced',
  syncedAt: '2026-01-01T00:00:10.000Z',
  objects: [],
  associations: [],
  skipped: [],
  ...overrides,
});

const failure = (nextAttemptAt: number | null, failureClass: 'transient' | 'permanent' | 'config' = 'transient') => ({
  failureClass,
  message: 'HubSpot said no',
  nextAttemptAt,
});

export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('dedupes on the notification id and merges a second notification of the order into its pending job', async () => {
      expect(await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000)).toBe('queued');
      expect(await store.acceptWebhook('c1:1', trigger('AAAAA'), 1001)).toBe('duplicate');
      expect(await store.acceptWebhook('c1:2', trigger('AAAAA', 'pretix.event.order.paid'), 1002)).toBe('merged');
      // The same id on another connection is another notification.
      expect(await store.acceptWebhook('c2:1', trigger('AAAAA', 'pretix.event.order.placed', 'c2'), 1003)).toBe('queued');
      const jobs = await store.listJobs({ connectionId: 'c1' });
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ key: key('AAAAA'), state: 'pending', triggers: ['pretix.event.order.placed', 'pretix.event.order.paid'], webhookAckedAt: 1000 });
      const reopened = await subject.reopen();
      expect(await reopened.acceptWebhook('c1:1', trigger('AAAAA'), 1004)).toBe('duplicate');
      if (reopened !== store) await reopened.close();
    });

    it('takes a delivery in only while the basis it was judged on holds, and stores nothing when it is stale', async () => {
      const basis = { webhookFingerprint: 'fp-c1', organizer: 'org-c1' };
      const enabled = { connectionId: 'c1', event: 'democon', enabled: true, mappings: [], updatedAt: 'z' };
      await store.saveConnection(connection('c1'));
      await store.saveEventConfig(enabled);
      expect(await store.acceptWebhook('c1:1', trigger('AAAAA'), 1000, basis)).toBe('queued');
      // The merge of a second notification into the pending job checks it as well.
      expect(await store.acceptWebhook('c1:2', trigger('AAAAA', 'pretix.event.order.paid'), 1001, basis)).toBe('merged');
      const jobsBefore = await store.listJobs({ connectionId: 'c1' });
      const stale = async (notification: number, code: string, b = basis, t = trigger(code)) => {
        expect(await store.acceptWebhook(`c1:${notification}`, t, 1002, b)).toBe('stale');
        expect(await store.listJobs({ connectionId: 'c1' })).toEqual(jobsBefore);
      };
      await stale(3, 'BBBBB', { ...basis, webhookFingerprint: 'fp-old' }); // the token was replaced
      await stale(4, 'BBBBB', { ...basis, organizer: 'other' });
      await stale(5, 'BBBBB', basis, { ...trigger('BBBBB'), portalId: '99' });
      await stale(6, 'BBBBB', basis, { ...trigger('BBBBB'), event: 'othercon' }); // no configuration
      await store.saveEventConfig({ ...enabled, enabled: false });
      await stale(7, 'BBBBB');
      await stale(8, 'AAAAA'); // an order with a pending job: the merge path
      // Nothing of a stale delivery was kept: the same notification is new once the basis holds again.
      await store.saveEventConfig(enabled);
      expect(await store.acceptWebhook('c1:7', trigger('BBBBB'), 1003, basis)).toBe('queued');
      await store.deleteConnection('c1');
      expect(await store.acceptWebhook('c1:9', trigger('CCCCC'), 1004, basis)).toBe('stale');
      expect(await store.listJobs({ connectionId: 'c1' })).toEqual([]);
    });

    it('claims due jobs oldest first, up to the limit, and not those due later', async () => {
      await store.enqueue([trigger('B')], 2000);
      await store.enqueue([trigger('A')], 1000);
      await store.enqueue([trigger('C')], 3000);
      await store.enqueue([trigger('LATER')], 9000);
      expect(await store.nextDueAt()).toBe(1000);
      const claimed = await store.claimDueJobs(5000, 2);
      expect(claimed.map((j) => j.code)).toEqual(['A', 'B']);
      expect(claimed.every((j) => j.state === 'in_flight' && j.inFlightSince === 5000)).toBe(true);
      expect((await store.claimDueJobs(5000, 10)).map((j) => j.code)).toEqual(['C']);
      expect(await store.claimDueJobs(5000, 10)).toEqual([]);
      expect(await store.queueCounts()).toMatchObject({ pending: 1, inFlight: 3, failed: 0 });
    });

    it('sums up what waits to be claimed, check-ins apart, and claims nothing once what a decision saw is taken', async () => {
      await store.enqueue([trigger('A')], 1000);
      await store.enqueue([trigger('B', 'pretix.event.checkin')], 2000);
      await store.enqueue([trigger('LATER')], 9000);
      expect(await store.dueSummary(500, 10)).toEqual({ due: 0, oldestAt: null, oldestPromptAt: null, newestAt: null });
      expect(await store.dueSummary(5000, 10)).toEqual({ due: 2, oldestAt: 1000, oldestPromptAt: 1000, newestAt: 2000 });
      // Of as many as a claim would take, the longest-waiting first.
      expect(await store.dueSummary(5000, 1)).toEqual({ due: 1, oldestAt: 1000, oldestPromptAt: 1000, newestAt: 1000 });
      // Another instance took A after this one decided on it: the claim takes nothing, not the rest.
      expect(await store.claimDueJobs(5000, 10, { exclusive: true, stillWaitingSince: 500 })).toEqual([]);
      expect((await store.claimDueJobs(5000, 1, { exclusive: true, stillWaitingSince: 1000 })).map((j) => j.code)).toEqual(['A']);
      expect(await store.dueSummary(5000, 10)).toEqual({ due: 1, oldestAt: 2000, oldestPromptAt: null, newestAt: 2000 });
      expect(await store.claimDueJobs(5000, 10, { stillWaitingSince: 1000 })).toEqual([]);
      // An order change merged into the check-in's job makes it prompt (and due from the merge on).
      await store.enqueue([trigger('B', 'pretix.event.order.paid')], 3000);
      expect(await store.dueSummary(5000, 10)).toEqual({ due: 1, oldestAt: 3000, oldestPromptAt: 3000, newestAt: 3000 });
      expect((await store.claimDueJobs(5000, 10, { stillWaitingSince: 3000 })).map((j) => j.code)).toEqual(['B']);
    });

    it('completes a job; a trigger during its sync makes it run once more', async () => {
      await store.enqueue([trigger('A'), trigger('B')], 1000);
      await store.claimDueJobs(1000, 10);
      expect(await store.acceptWebhook('c1:7', trigger('B', 'pretix.event.order.changed'), 1500)).toBe('merged');
      expect(await store.getJob(key('B'))).toMatchObject({ state: 'in_flight', rerun: true, rerunAckedAt: 1500 });
      await store.completeJobs([key('A'), key('B')], 2000);
      expect(await store.getJob(key('A'))).toBeUndefined();
      expect(await store.getJob(key('B'))).toMatchObject({ state: 'pending', rerun: false, attempts: 0, nextAttemptAt: 2000, webhookAckedAt: 1500 });
    });

    it('fails a job into a retry or a stop, retries it by hand, and revives a stopped job on a new trigger', async () => {
      await store.enqueue([trigger('A'), trigger('B')], 1000);
      await store.claimDueJobs(1000, 10);
      await store.failJob(key('A'), failure(4000), 1100);
      await store.failJob(key('B'), failure(null, 'config'), 1100);
      expect(await store.getJob(key('A'))).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: 4000, failureClass: 'transient', lastError: 'HubSpot said no' });
      expect(await store.getJob(key('B'))).toMatchObject({ state: 'failed', attempts: 1 });
      expect(await store.queueCounts()).toMatchObject({ pending: 1, failed: 1, failedByClass: { transient: 0, permanent: 0, config: 1 } });
      expect(await store.retryJob(key('B'), 1200)).toBe(true);
      expect(await store.getJob(key('B'))).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: 1200 });
      expect(await store.retryJob(key('NONE'), 1200)).toBe(false);
      await store.claimDueJobs(1200, 10);
      expect(await store.retryJob(key('B'), 1300)).toBe(false);
      await store.failJob(key('B'), failure(null, 'permanent'), 1300);
      expect(await store.enqueue([trigger('B', 'pretix.event.order.changed')], 1400)).toBe(1);
      expect(await store.getJob(key('B'))).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: 1400 });
    });

    it('releases claimed jobs without counting an attempt, and recovers jobs left in flight', async () => {
      await store.enqueue([trigger('A'), trigger('B'), trigger('C')], 1000);
      await store.claimDueJobs(1000, 10);
      await store.releaseJobs([key('A')], 1100);
      expect(await store.getJob(key('A'))).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: 1000 });
      expect(await store.recoverInFlight(1200)).toBe(2);
      expect(await store.getJob(key('B'))).toMatchObject({ state: 'pending', nextAttemptAt: 1200 });
      expect(await store.queueCounts()).toMatchObject({ pending: 3, inFlight: 0 });
    });

    it('claims for Sync now in the same step as it enqueues, unless the job is in flight already', async () => {
      const claimed = await store.enqueueClaimed({ ...trigger('A'), action: 'manual' }, 1000);
      expect(claimed).toMatchObject({ key: key('A'), state: 'in_flight', triggers: ['manual'] });
      expect(await store.claimDueJobs(1000, 10)).toEqual([]);
      expect(await store.enqueueClaimed({ ...trigger('A'), action: 'manual' }, 1100)).toBeNull();
      expect(await store.getJob(key('A'))).toMatchObject({ rerun: true });
    });

    it('records orders that failed outside the queue as jobs with one attempt', async () => {
      await store.enqueueFailed([{ trigger: { ...trigger('A'), action: 'backfill' }, failure: failure(null, 'permanent') }], 1000);
      expect(await store.getJob(key('A'))).toMatchObject({ state: 'failed', attempts: 1, failureClass: 'permanent', triggers: ['backfill'] });
      expect(await store.listJobs({ state: 'failed', portalId: '42' })).toHaveLength(1);
      expect(await store.listJobs({ portalId: 'other' })).toEqual([]);
      expect(await store.redactJobErrors([key('A')], (m) => m.replace('HubSpot', '[x]'))).toBe(1);
      expect(await store.getJob(key('A'))).toMatchObject({ lastError: '[x] said no' });
    });

    it('keeps sync records, finds them by email within the portal, and purges them', async () => {
      await store.putSyncRecords([record('A', ['ann@example.com']), record('B', ['bob@example.com', 'ann@example.com']), record('C', ['ann@example.com'], { portalId: '99' })]);
      expect(await store.getSyncRecord(key('A'))).toMatchObject({ code: 'A', status: 'synced' });
      expect((await store.findSyncRecordsByEmails('42', ['ANN@example.com'])).map((r) => r.code).sort()).toEqual(['A', 'B']);
      expect((await store.findSyncRecords('42', (r) => r.emails.includes('bob@example.com'))).map((r) => r.code)).toEqual(['B']);
      await store.purgeSyncRecords([key('A')], [record('B', ['bob@example.com'])]);
      expect(await store.getSyncRecord(key('A'))).toBeUndefined();
      expect((await store.findSyncRecordsByEmails('42', ['ann@example.com'])).map((r) => r.code)).toEqual([]);
      expect(await store.getSyncRecord(key('B'))).toMatchObject({ emails: ['bob@example.com'] });
    });

    it('reports the lag of a webhook once its order reached HubSpot', async () => {
      const samples: WebhookSyncedSample[] = [];
      store.onWebhookSynced((sample) => samples.push(sample));
      await store.acceptWebhook('c1:1', trigger('A'), Date.parse('2026-01-01T00:00:08.000Z'));
      await store.claimDueJobs(Date.parse('2026-01-01T00:00:08.000Z'), 10);
      await store.putSyncRecords([record('A', [])]);
      expect(samples).toEqual([{ portalId: '42', lagMs: 2000, at: Date.parse('2026-01-01T00:00:10.000Z') }]);
      await store.putSyncRecords([record('A', [])]);
      expect(samples).toHaveLength(1);
    });

    it('reads the records of many keys at once, only those that exist, and writes a batch with a key given twice as its last record', async () => {
      expect(await store.getSyncRecords([])).toEqual(new Map());
      await store.putSyncRecords([record('A', ['ann@example.com']), record('B', ['bob@example.com']), record('A', ['ann.new@example.com'], { status: 'failed' })]);
      const found = await store.getSyncRecords([key('A'), key('missing'), key('B'), key('A')]);
      expect([...found.keys()].sort()).toEqual([key('A'), key('B')]);
      expect(found.get(key('A'))).toMatchObject({ code: 'A', status: 'failed', emails: ['ann.new@example.com'] });
      expect(found.get(key('B'))).toEqual(record('B', ['bob@example.com']));
      // The email index follows the record written last.
      expect((await store.findSyncRecordsByEmails('42', ['ann@example.com'])).map((r) => r.code)).toEqual([]);
      expect((await store.findSyncRecordsByEmails('42', ['ANN.NEW@example.com'])).map((r) => r.code)).toEqual(['A']);
      await store.putSyncRecords([record('B', ['bob@example.com'], { syncedAt: '2026-01-01T00:00:20.000Z' })]);
      expect((await store.getSyncRecords([key('B')])).get(key('B'))).toMatchObject({ syncedAt: '2026-01-01T00:00:20.000Z' });
    });

    it('reports, from one batch of records, the lag of each in-flight job with a webhook waiting, once', async () => {
      const samples: WebhookSyncedSample[] = [];
      store.onWebhookSynced((sample) => samples.push(sample));
      const at = (s: number) => Date.parse(`2026-01-01T00:00:0${s}.000Z`);
      await store.acceptWebhook('c1:1', trigger('A'), at(7));
      await store.acceptWebhook('c1:2', trigger('B'), at(8));
      await store.enqueue([trigger('C')], at(8));
      await store.claimDueJobs(at(9), 10);
      // D's webhook arrives after the claim: its job is pending, and its lag waits for the sync that covers it.
      await store.acceptWebhook('c1:3', trigger('D'), at(9));
      await store.putSyncRecords([record('D', []), record('C', []), record('B', [], { status: 'failed' }), record('A', [])]);
      expect(samples).toEqual([{ portalId: '42', lagMs: 3000, at: at(0) + 10_000 }]);
      expect((await store.getJob(key('A')))?.webhookAckedAt).toBeUndefined();
      expect((await store.getJob(key('B')))?.webhookAckedAt).toBe(at(8));
      expect(await store.getJob(key('A'))).toMatchObject({ state: 'in_flight' });
      await store.putSyncRecords([record('A', []), record('B', [])]);
      expect(samples.map((s) => s.lagMs)).toEqual([3000, 2000]);
      // The claim survived the bookkeeping: this store still finishes the jobs.
      await store.completeJobs([key('A'), key('B'), key('C')], at(9));
      expect(await store.listJobs()).toEqual([expect.objectContaining({ key: key('D'), state: 'pending' })]);
    });

    it('keeps installations, connections, event configurations and mapping sets; a removal takes what belongs to it', async () => {
      const installation = { portalId: '42', status: 'active' as const, accessTokenSealed: 'sealed-a', refreshTokenSealed: 'sealed-r', accessTokenExpiresAt: 5, scopes: ['crm'], installedAt: 'x', updatedAt: 'y' };
      await store.saveInstallation(installation);
      expect(await store.getInstallation('42')).toEqual(installation);
      expect(await store.listInstallations()).toEqual([installation]);
      await store.saveConnection(connection('c1'));
      await store.saveConnection(connection('c2', '99'));
      expect(await store.getConnection('c1')).toEqual(connection('c1'));
      expect(await store.findConnectionByWebhookFingerprint('fp-c2')).toEqual(connection('c2', '99'));
      expect((await store.listConnections('42')).map((c) => c.id)).toEqual(['c1']);
      expect(await store.listConnections()).toHaveLength(2);
      const config = { connectionId: 'c1', event: 'democon', enabled: true, mappings: [], mappingSetId: 'season', updatedAt: 'z' };
      await store.saveEventConfig(config);
      await store.saveEventConfig({ ...config, connectionId: 'c2' });
      expect(await store.getEventConfig('c1', 'democon')).toEqual(config);
      expect(await store.listEventConfigs('c1')).toEqual([config]);
      expect(await store.listEventConfigs()).toHaveLength(2);
      // A delivery's connection and event in one lookup; asked together (PostgreSQL coalesces them into one query),
      // each answer is its own key's.
      const targets = await Promise.all([
        store.findWebhookTarget('fp-c1', 'democon'),
        store.findWebhookTarget('fp-c2', 'democon'),
        store.findWebhookTarget('fp-c1', 'othercon'),
        store.findWebhookTarget('fp-c1', undefined),
        store.findWebhookTarget('fp-nobody', 'democon'),
      ]);
      expect(targets).toEqual([
        { connection: connection('c1'), eventConfig: config },
        { connection: connection('c2', '99'), eventConfig: { ...config, connectionId: 'c2' } },
        { connection: connection('c1'), eventConfig: undefined },
        { connection: connection('c1'), eventConfig: undefined },
        undefined,
      ]);
      const set = { connectionId: 'c1', id: 'season', name: 'Season', mappings: [], updatedAt: 'z' };
      await store.saveMappingSet(set);
      await store.saveMappingSet({ ...set, name: 'Season 2' });
      expect(await store.listMappingSets('c1')).toEqual([{ ...set, name: 'Season 2' }]);
      await store.saveMappingSet({ ...set, id: 'spare' });
      await store.deleteMappingSet('c1', 'spare');
      expect((await store.listMappingSets('c1')).map((s) => s.id)).toEqual(['season']);
      await store.acceptWebhook('c1:1', trigger('A'), 1000);
      await store.putSyncRecords([record('A', ['ann@example.com'])]);
      await store.saveBackfill({ connectionId: 'c1', event: 'democon', state: 'running', mappingIds: null, nextPage: 3, total: 10, processed: 4, synced: 4, skipped: 0, failed: 0, startedAt: 'a', finishedAt: null, error: null });

      await store.deleteConnection('c1');
      expect(await store.getConnection('c1')).toBeUndefined();
      expect(await store.listEventConfigs('c1')).toEqual([]);
      expect(await store.getMappingSet('c1', 'season')).toBeUndefined();
      expect(await store.listJobs({ connectionId: 'c1' })).toEqual([]);
      expect(await store.getSyncRecord(key('A'))).toBeUndefined();
      expect(await store.getBackfill('c1', 'democon')).toBeUndefined();
      expect(await store.listEventConfigs('c2')).toHaveLength(1);
      // The connection's notification ids went with it: a re-added connection with the same id starts afresh.
      expect(await store.acceptWebhook('c1:1', trigger('A'), 2000)).toBe('queued');
    });

    it('keeps backfill and sweep progress, durable before visible, across a reopen', async () => {
      await store.saveConnection(connection('c1'));
      const backfill = { connectionId: 'c1', event: 'democon', state: 'running' as const, mappingIds: ['1'], nextPage: 2, total: null, processed: 50, synced: 49, skipped: 1, failed: 0, startedAt: 'a', finishedAt: null, error: null };
      await store.saveBackfill(backfill);
      await store.saveBackfill({ ...backfill, nextPage: 3, processed: 100 });
      const sweep = { connectionId: 'c1', event: 'democon', watermark: '2026-01-01T00:00:00Z', lastSweepAt: 'b', lastFound: 3, lastEnqueued: 2, lastError: null };
      await store.saveSweep(sweep);
      expect(await store.getBackfill('c1', 'democon')).toMatchObject({ nextPage: 3, processed: 100 });
      expect(await store.listBackfills()).toHaveLength(1);
      await store.flush();
      const reopened = await subject.reopen();
      expect(await reopened.getBackfill('c1', 'democon')).toMatchObject({ nextPage: 3, processed: 100 });
      expect(await reopened.getSweep('c1', 'democon')).toEqual(sweep);
      if (reopened !== store) await reopened.close();
    });

    it("keeps each synced object's fingerprint across a reopen, and reads records written without one", async () => {
      const contact = { mappingId: '1', positionId: null, objectType: 'contacts' as const, idProperty: 'email', idValue: 'ann@example.com', hubspotId: '7', created: true };
      await store.putSyncRecords([record('A', ['ann@example.com'], { objects: [{ ...contact, fingerprint: 'sha256-of-the-planned-write' }] }), record('B', [], { objects: [contact] })]);
      await store.flush();
      const reopened = await subject.reopen();
      expect((await reopened.getSyncRecord(key('A')))?.objects).toEqual([{ ...contact, fingerprint: 'sha256-of-the-planned-write' }]);
      expect((await reopened.getSyncRecord(key('B')))?.objects).toEqual([contact]);
      if (reopened !== store) await reopened.close();
    });

    it('reports its kind and that it is healthy', async () => {
      expect(store.health()).toMatchObject({ ok: true, kind: name.startsWith('postgres') ? 'postgres' : 'lowdb' });
    });
  });
}
