// The worker's bounded stop, on fake timers with in-memory fakes of its ports: no new batch starts after stop(), the
// batch under way gets until the deadline, HubSpot calls still open then are cut off, and every job not finished
// goes back in line as it was (pending, no attempt counted, nothing failed).
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Cutoff } from '../../receiver/lib/cutoff';
import type { Connection, EventConfig, SyncJob, SyncRecord } from '../../receiver/store/types';
import { jobKey } from '../../receiver/store/types';
import { EventContextCache } from '../../receiver/sync/event-context-cache';
import type { CrmClientLike, PretixClientLike } from '../../receiver/sync/ports';
import { SyncWorker, type WorkerStore } from '../../receiver/sync/worker';
import { objectMappingsSchema } from '../../receiver/domain/mapping-schema';
import { exampleMappingDtos } from '../helpers/mappings';
import { fixtureContext, paidOrder } from './event-context';
import { dueSummaryOf } from '../../receiver/store/due-summary';

const CONNECTION: Connection = {
  id: 'c1',
  portalId: '4242',
  baseUrl: 'https://pretix.example',
  organizer: 'acmecorp',
  apiTokenSealed: 'sealed',
  webhookTokenFingerprint: 'fingerprint',
  webhookTokenSealed: 'sealed',
  createdAt: '2026-01-01T00:00:00Z',
};
const EVENT: EventConfig = { connectionId: 'c1', event: 'democon', enabled: true, mappings: objectMappingsSchema.parse(exampleMappingDtos()), updatedAt: '2026-01-01T00:00:00Z' };

/** The queue as the worker sees it, with the lowdb store's job transitions. */
function memoryStore(codes: string[], now: number) {
  const jobs = new Map<string, SyncJob>();
  const records = new Map<string, SyncRecord>();
  for (const code of codes) {
    const key = jobKey('c1', 'democon', code);
    jobs.set(key, {
      key,
      portalId: '4242',
      connectionId: 'c1',
      event: 'democon',
      code,
      state: 'pending',
      triggers: ['pretix.event.order.placed'],
      firstTriggeredAt: now,
      lastTriggeredAt: now,
      attempts: 0,
      nextAttemptAt: now,
    });
  }
  const store: WorkerStore = {
    getConnection: async (id) => (id === 'c1' ? CONNECTION : undefined),
    getEventConfig: async (connectionId, event) => (connectionId === 'c1' && event === 'democon' ? EVENT : undefined),
    listEventConfigs: async () => [EVENT],
    getMappingSet: async () => undefined,
    getInstallation: async () => undefined,
    saveEventConfig: async () => {},
    async claimDueJobs(at, limit) {
      const due = [...jobs.values()].filter((job) => job.state === 'pending' && job.nextAttemptAt <= at).slice(0, limit);
      due.forEach((job) => Object.assign(job, { state: 'in_flight', inFlightSince: at }));
      return due;
    },
    nextDueAt: async () => Math.min(...[...jobs.values()].filter((job) => job.state === 'pending').map((job) => job.nextAttemptAt)),
    dueSummary: async (at, limit) => dueSummaryOf(jobs.values(), at, limit),
    getJob: async (key) => jobs.get(key),
    async completeJobs(keys) {
      keys.forEach((key) => jobs.delete(key));
    },
    async failJob(key, failure, at) {
      const job = jobs.get(key)!;
      Object.assign(job, { attempts: job.attempts + 1, state: failure.nextAttemptAt === null ? 'failed' : 'pending', lastError: failure.message, lastErrorAt: at });
    },
    async releaseJobs(keys) {
      for (const key of keys) {
        const job = jobs.get(key);
        if (job?.state === 'in_flight') Object.assign(job, { state: 'pending', inFlightSince: undefined });
      }
    },
    getSyncRecords: async (keys) => new Map(keys.flatMap((key) => (records.has(key) ? [[key, records.get(key)!] as const] : []))),
    async putSyncRecords(list) {
      list.forEach((record) => records.set(record.key, record));
    },
  };
  return { store, jobs, records };
}

const pretix: PretixClientLike = {
  getEvent: async () => fixtureContext().event,
  getEventSettings: async () => fixtureContext().settings,
  listItems: async () => fixtureContext().items,
  listQuestions: async () => fixtureContext().questions,
  listCheckinLists: async () => fixtureContext().checkinLists,
  getOrder: async (_event, code) => ({ ...paidOrder(), code, email: `${code.toLowerCase()}@example.com` }),
  // eslint-disable-next-line require-yield -- no list pages: the fetcher falls back to single orders
  async *listOrders() {
    return;
  },
};

/** A HubSpot whose every call takes `latencyMs`, and ends when `cutoff` is cut, as the real clients built with it do. */
function slowCrm(latencyMs: number, cutoff: Cutoff) {
  const calls = { started: 0, answered: 0, cut: 0 };
  const answer = async <T>(value: T): Promise<T> => {
    calls.started += 1;
    try {
      await cutoff.sleep(latencyMs);
    } catch (error) {
      calls.cut += 1;
      throw error;
    }
    calls.answered += 1;
    return value;
  };
  const crm: CrmClientLike = {
    batchRead: (_type, _idProperty, ids) => answer({ found: new Map(), missing: ids }),
    batchUpsert: (_type, inputs) => answer({ results: inputs.map((input) => ({ inputId: input.id, id: `hs-${input.id}`, new: true })), errors: [] }),
    associateDefault: () => answer(undefined),
  };
  return { crm, calls };
}

function workerFor(store: WorkerStore, crm: CrmClientLike, cutoff: Cutoff) {
  return new SyncWorker({
    cutoff,
    store,
    retryPolicy: { maxAttempts: 5, retryBaseMs: 30_000, retryMaxMs: 3_600_000 },
    contexts: new EventContextCache(),
    pretixFor: () => pretix,
    crmFor: async () => crm,
    logger: Fastify({ logger: false }).log,
    batchSize: 100,
  });
}

const codes = Array.from({ length: 250 }, (_, i) => `C${String(i).padStart(4, '0')}`);

describe('SyncWorker.stop(deadline)', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('cuts off HubSpot calls still open at the deadline and puts every unfinished job back without an attempt', async () => {
    const { store, jobs, records } = memoryStore(codes, Date.now());
    const cutoff = new Cutoff();
    const { crm, calls } = slowCrm(5_000, cutoff); // a batch needs several calls: none can finish within the deadline
    const worker = workerFor(store, crm, cutoff);
    worker.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.started).toBe(1);
    // Jobs nobody announced go one whole batch at a time: 100 in flight, the rest waiting.
    expect([...jobs.values()].filter((job) => job.state === 'in_flight')).toHaveLength(100);

    const stoppedAt = { value: 0 };
    const stopping = worker.stop(8_000).then(() => (stoppedAt.value = Date.now()));
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(7_999);
    expect(stoppedAt.value).toBe(0); // still waiting for the call under way
    await vi.advanceTimersByTimeAsync(1);
    await stopping;

    expect(stoppedAt.value - t0).toBe(8_000); // the cut unwinds at once, without waiting for a timer
    expect(calls.cut).toBe(1);
    expect(records.size).toBe(0);
    expect(jobs.size).toBe(codes.length);
    for (const job of jobs.values()) {
      expect(job).toMatchObject({ state: 'pending', attempts: 0 });
      expect(job.lastError).toBeUndefined();
    }
  });

  it('lets the batch under way finish before the deadline and starts no new one', async () => {
    const { store, jobs, records } = memoryStore(codes, Date.now());
    const cutoff = new Cutoff();
    const { crm, calls } = slowCrm(200, cutoff);
    const worker = workerFor(store, crm, cutoff);
    worker.start();
    // Jobs nobody announced go once the worker's grace for them (250 ms) is over.
    await vi.advanceTimersByTimeAsync(300);
    expect(calls.started).toBe(1);

    const t0 = Date.now();
    let stopped = false;
    const stopping = worker.stop(8_000).then(() => (stopped = true));
    for (let waited = 0; !stopped && waited < 8_000; waited += 50) await vi.advanceTimersByTimeAsync(50);
    await stopping;

    expect(Date.now() - t0).toBeLessThan(2_000); // one batch's calls, not the deadline
    expect(calls.cut).toBe(0);
    const callsPerBatch = calls.answered;
    expect(callsPerBatch).toBeGreaterThan(1);
    // The first batch of 100 is synced and done; the other 150 never started and are back in line.
    expect(records.size).toBe(100);
    expect(jobs.size).toBe(150);
    for (const job of jobs.values()) expect(job).toMatchObject({ state: 'pending', attempts: 0 });

    // Started again, the worker takes them up as if nothing had happened.
    worker.start();
    for (let waited = 0; jobs.size > 0 && waited < 10_000; waited += 50) await vi.advanceTimersByTimeAsync(50);
    expect(jobs.size).toBe(0);
    expect(records.size).toBe(codes.length);
    await worker.stop();
  });
});
