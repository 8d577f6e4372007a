// The sync worker's loop with the real lowdb store and in-memory pretix and HubSpot (memory-ports.ts): when it sends
// a batch (flush-policy.ts decides; these tests check that the worker feeds it and obeys it), how much it claims, and
// that work nobody announced still gets done. The policy's own rules are tested in flush-policy.test.ts.
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buyerAndDealMappings } from '../helpers/mappings';
import { objectMappingSchema } from '../../receiver/domain/mapping-schema';
import { openLowdbStore } from '../../receiver/store/lowdb-store';
import type { Connection, JobTrigger, Store } from '../../receiver/store/types';
import { EventContextCache } from '../../receiver/sync/event-context-cache';
import type { BudgetUsage, FlushPolicyOptions } from '../../receiver/sync/flush-policy';
import { OrderPrefetch } from '../../receiver/sync/order-prefetch';
import { SyncWorker } from '../../receiver/sync/worker';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';
import { code, MemoryCrm, MemoryPretix } from './memory-ports';

const CONNECTION: Connection = {
  id: 'c1',
  portalId: '42',
  baseUrl: 'https://pretix.example',
  organizer: 'acmecorp',
  apiTokenSealed: 'sealed',
  webhookTokenFingerprint: 'f',
  webhookTokenSealed: 'sealed',
  createdAt: '2026-03-01T00:00:00Z',
};
// The usual two mappings (buyer → contact, order → deal, associated): 4 requests per batch.
const MAPPINGS = buyerAndDealMappings().map((mapping) => objectMappingSchema.parse(mapping));
/** Short times so the tests run quickly; the rules are the production ones. */
const FAST: Partial<FlushPolicyOptions> = { latencyTargetMs: 400, fillGraceMs: 100, minQuietMs: 60, maxQuietMs: 120, maxWaitMs: 3_000 };

describe('SyncWorker', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  let pretix: MemoryPretix;
  let crm: MemoryCrm;
  let worker: SyncWorker | undefined;
  let budget: BudgetUsage | null;
  let budgetLooks: number;
  /** Workers started before the latest one (several instances on one queue). */
  const others: SyncWorker[] = [];

  beforeEach(async () => {
    dir = await tempDir();
    store = await openLowdbStore(join(dir.path, 'data', 'db.json'));
    await store.saveConnection(CONNECTION);
    await store.saveEventConfig({ connectionId: 'c1', event: 'democon', enabled: true, mappings: MAPPINGS, updatedAt: '2026-03-01T00:00:00Z' });
    pretix = new MemoryPretix();
    crm = new MemoryCrm();
    budget = { used: 0, limit: 110, windowMs: 10_000 };
    budgetLooks = 0;
  });
  afterEach(async () => {
    await Promise.all(others.splice(0).map((other) => other.stop()));
    await worker?.stop();
    worker = undefined;
    await store.close();
    await dir.remove();
  });

  function startWorker(policy: Partial<FlushPolicyOptions> = FAST, unannouncedGraceMs?: number, queueWide = false): SyncWorker {
    if (worker) others.push(worker);
    worker = new SyncWorker({
      queueWide,
      ...(unannouncedGraceMs === undefined ? {} : { unannouncedGraceMs }),
      store,
      retryPolicy: { maxAttempts: 3, retryBaseMs: 50, retryMaxMs: 200 },
      contexts: new EventContextCache(),
      pretixFor: () => pretix,
      crmFor: async () => crm,
      prefetch: new OrderPrefetch(),
      logger: pino({ level: 'silent' }),
      hubspotBudget: () => {
        budgetLooks += 1;
        return budget;
      },
      maxIdleMs: 100,
      flushPolicy: policy,
    });
    worker.start();
    return worker;
  }

  const trigger = (orderCode: string): JobTrigger => ({ portalId: '42', connectionId: 'c1', event: 'democon', code: orderCode, action: 'pretix.event.order.placed' });

  /** An order is written in pretix, then its webhook is queued and the worker nudged, as the webhook route does. */
  async function place(i: number): Promise<void> {
    pretix.add(code(i), Date.now());
    await store.enqueue([trigger(code(i))], Date.now());
    worker?.notify();
  }

  const synced = async () => (await store.listJobs()).length === 0 && crm.objects.size > 0;

  it('a quick run of webhooks lands in one batch: one request per mapping step, not one per order', async () => {
    startWorker();
    // Concurrent deliveries, as pretix's webhook workers send them (their journal writes share a commit).
    await Promise.all(Array.from({ length: 30 }, (_, i) => place(i)));
    await waitFor(synced, 'the 30 orders to sync');
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts', 'upsert deals', 'associate deals>contacts']);
    expect(crm.upsertSizes).toEqual([30, 30]);
  });

  it('a lone order goes once arrivals are quiet, well before the latency target', async () => {
    startWorker({ ...FAST, latencyTargetMs: 5_000, maxWaitMs: 10_000 });
    const started = Date.now();
    await place(0);
    await waitFor(synced, 'the order to sync');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(crm.upsertSizes).toEqual([1, 1]);
  });

  it('takes whole batches of a large backlog, so no small remainder batch pays full price', async () => {
    startWorker();
    // 250 orders queued before the worker hears of them in one go (e.g. a reconcile sweep's finds).
    for (let i = 0; i < 250; i += 1) pretix.add(code(i), Date.now());
    await store.enqueue(Array.from({ length: 250 }, (_, i) => trigger(code(i))), Date.now());
    for (let i = 0; i < 250; i += 1) worker!.notify();
    await waitFor(async () => (await store.listJobs()).length === 0, 'the backlog to sync');
    // Two full batches right away, the last 50 as one batch, never 100 + 100 + 2 + 48.
    expect(crm.upsertSizes.filter((_, i) => i % 2 === 0)).toEqual([100, 100, 50]);
  });

  it('holds a due batch while the background share of the budget is used, and sends it once the window frees', async () => {
    budget = { used: 100, limit: 110, windowMs: 1_000 };
    startWorker();
    await Promise.all(Array.from({ length: 5 }, (_, i) => place(i)));
    // Well past the latency target: the worker looked at the budget several times and sent nothing.
    await waitFor(() => budgetLooks >= 8, 'the worker to look at the budget');
    expect(crm.calls).toEqual([]);
    budget = { used: 10, limit: 110, windowMs: 1_000 };
    await waitFor(synced, 'the orders to sync once the budget is free');
    expect(crm.upsertSizes).toEqual([5, 5]);
  });

  it("sends a person's \"Sync now\" at once, even while the background share of the budget is in use", async () => {
    budget = { used: 100, limit: 110, windowMs: 1_000 };
    startWorker({ ...FAST, latencyTargetMs: 5_000, maxWaitMs: 20_000 });
    await Promise.all(Array.from({ length: 3 }, (_, i) => place(i)));
    await waitFor(() => budgetLooks >= 4, 'the worker to hold the webhooks');
    expect(crm.calls).toEqual([]);
    pretix.add('MANUAL', Date.now());
    await store.enqueue([{ ...trigger('MANUAL'), action: 'manual' }], Date.now());
    const asked = Date.now();
    worker!.notify('interactive');
    await waitFor(async () => (await store.listJobs()).length === 0, 'the manual sync and the held webhooks');
    expect(Date.now() - asked).toBeLessThan(2_000);
    // One batch: the held orders went along with the person's.
    expect(crm.upsertSizes).toEqual([4, 4]);
  });

  it('picks up jobs nobody announced (recovered after a crash, retries coming due)', async () => {
    for (let i = 0; i < 3; i += 1) pretix.add(code(i), Date.now());
    await store.enqueue([0, 1, 2].map((i) => trigger(code(i))), Date.now());
    startWorker(); // no notify
    await waitFor(synced, 'the unannounced jobs to sync');
    expect(crm.upsertSizes).toEqual([3, 3]);
  });

  it('holds a check-in for its own target; an order change arriving meanwhile takes it along at the order\'s pace', async () => {
    startWorker({ ...FAST, checkinLatencyTargetMs: 1_500 });
    pretix.add(code(0), Date.now());
    await store.enqueue([{ ...trigger(code(0)), action: 'pretix.event.checkin' }], Date.now());
    const checkedInAt = Date.now();
    worker!.notify('checkin');
    await waitFor(synced, 'the check-in to sync');
    // Far past the orders' quiet rule and latency target: the check-in waited for company up to its own.
    expect(Date.now() - checkedInAt).toBeGreaterThanOrEqual(1_400);
    expect(crm.upsertSizes).toEqual([1, 1]);

    pretix.add(code(1), Date.now());
    await store.enqueue([{ ...trigger(code(1)), action: 'pretix.event.checkin' }], Date.now());
    worker!.notify('checkin');
    const secondAt = Date.now();
    await place(2);
    await waitFor(synced, 'the order and the check-in to sync');
    // One batch for both, sent on the order's terms (quiet after it, or its 400 ms), long before the check-in's 1.5 s.
    expect(crm.upsertSizes).toEqual([1, 1, 2, 2]);
    expect(Date.now() - secondAt).toBeLessThan(1_400);
  });

  it('a job in the store before its webhook is announced waits for the announcement, not a batch of its own', async () => {
    // A long grace, so that a slow machine cannot make the wait below look like an unannounced job's.
    startWorker({ ...FAST, checkinLatencyTargetMs: 600 }, 5_000);
    pretix.add(code(0), Date.now());
    await store.enqueue([{ ...trigger(code(0)), action: 'pretix.event.checkin' }], Date.now());
    // The worker wakes every 100 ms meanwhile (maxIdleMs) and finds the job due.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(crm.calls).toEqual([]);
    const announcedAt = Date.now();
    worker!.notify('checkin');
    await waitFor(synced, 'the check-in to sync');
    expect(Date.now() - announcedAt).toBeGreaterThanOrEqual(500);
  });

  it('queue-wide, workers that each hear of half the webhooks send the full batch they fill together at once', async () => {
    // Long quiet and latency rules: a worker that counted only the webhooks it heard of (50) would wait 2 s for quiet.
    const slow = { ...FAST, minQuietMs: 2_000, maxQuietMs: 2_000, latencyTargetMs: 5_000, maxWaitMs: 10_000 };
    const first = startWorker(slow, undefined, true);
    const second = startWorker(slow, undefined, true);
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        pretix.add(code(i), Date.now());
        await store.enqueue([trigger(code(i))], Date.now());
        (i % 2 === 0 ? first : second).notify();
      }),
    );
    await waitFor(synced, 'the 100 orders to sync');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(crm.upsertSizes).toEqual([100, 100]);
  });

  it('resumes the order list where the previous batch of the event ended', async () => {
    startWorker();
    await Promise.all(Array.from({ length: 60 }, (_, i) => place(i)));
    await waitFor(synced, 'the first batch');
    pretix.calls.length = 0;
    await Promise.all(Array.from({ length: 10 }, (_, i) => place(60 + i)));
    await waitFor(async () => (await store.listJobs()).length === 0 && crm.objects.size >= 140, 'the second batch');
    // Oldest first from the first batch's newest order: one page holds the ten new ones.
    expect(pretix.calls).toEqual(['list last_modified page 1']);
  });
});
