// The sync worker: claims due jobs, groups them by connection and event, fetches the orders in as few pretix
// requests as possible, syncs them in batches and records the outcome. One worker per process; the store's
// in-flight marks keep it from taking a job twice, and recovery after a crash makes them pending again. A stop is
// bounded: no new batch starts, the batches under way get until the deadline, and every job not finished by then
// goes back in line as it was.
import type { FastifyBaseLogger } from 'fastify';
import type { PretixOrder } from '../pretix/schemas';
import type { Connection, Store, SyncJob, SyncRecord } from '../store/types';
import { jobKey } from '../store/types';
import { classify, SyncConfigError } from '../domain/errors';
import { Cutoff, settlesWithin } from '../lib/cutoff';
import type { EventContextCache } from './event-context-cache';
import { fetchOrders } from './order-fetcher';
import type { OrderPrefetch } from './order-prefetch';
import type { CrmClientLike, PretixClientLike } from './ports';
import { nextAttemptAt, type RetryPolicy } from './retry-policy';
import { failedRecord } from './outcomes';
import { recordAccess, syncOrderBatch, type OrderOutcome } from './sync-batch';

/** The part of the store the worker uses. */
export type WorkerStore = Pick<
  Store,
  | 'getConnection'
  | 'getEventConfig'
  | 'claimDueJobs'
  | 'nextDueAt'
  | 'queueCounts'
  | 'getJob'
  | 'completeJobs'
  | 'failJob'
  | 'releaseJobs'
  | 'getSyncRecord'
  | 'putSyncRecords'
>;

export interface WorkerDeps {
  store: WorkerStore;
  retryPolicy: RetryPolicy;
  contexts: EventContextCache;
  pretixFor(connection: Connection): PretixClientLike;
  crmFor(portalId: string): Promise<CrmClientLike>;
  /** Orders the reconcile sweep already fetched. */
  prefetch?: OrderPrefetch;
  logger: FastifyBaseLogger;
  now?: () => number;
  /** Orders per HubSpot batch: 100 is HubSpot's batch size for Order-level mappings. */
  batchSize?: number;
  /** Jobs taken per cycle. */
  claimLimit?: number;
  /** After a nudge, wait this long so that a burst of webhooks lands in one batch. */
  lingerMs?: number;
  /** Upper bound for an idle sleep, so retries come due even without a nudge. */
  maxIdleMs?: number;
  /** What the clients behind pretixFor/crmFor were built with: stop() cuts their requests off at its deadline. */
  cutoff?: Cutoff;
}

/** After the deadline's cut, how long the cycle may take to notice before the worker stops waiting for it. */
const CUT_GRACE_MS = 500;

export class SyncWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly now: () => number;
  private readonly cutoff: Cutoff;
  /** Jobs this worker marked in flight and has not yet completed, failed or put back. */
  private readonly claimed = new Set<string>();
  /** The stop gave up waiting for the cycle: whatever it still does must not touch the store any more. */
  private abandoned = false;

  constructor(private readonly deps: WorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.cutoff = deps.cutoff ?? new Cutoff();
  }

  start(): void {
    if (this.running) return;
    // Its clients stay cut off for good: a stop that had to cut is the process's last.
    if (this.cutoff.isCut) throw new Error('the sync worker was cut off at shutdown and cannot start again');
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Takes no new batch; the batches under way get `timeoutMs` to finish, then their HubSpot and pretix requests are
   * cut off. Jobs not finished by then go back in line as they were, without counting an attempt: upserts are
   * idempotent, so a job whose request reached HubSpot but was not answered is simply synced again.
   */
  async stop(timeoutMs = Infinity): Promise<void> {
    this.running = false;
    this.wake?.();
    const loop = this.loop;
    if (loop && !(await settlesWithin(loop, timeoutMs))) {
      this.cutoff.cut();
      // Requests and retry waits end at once; anything slower (a rate-limit slot, a token refresh) is left behind.
      if (!(await settlesWithin(loop, CUT_GRACE_MS))) this.abandoned = true;
    }
    this.loop = null;
    const unfinished = [...this.claimed];
    this.claimed.clear();
    if (unfinished.length > 0) {
      await this.deps.store.releaseJobs(unfinished, this.now());
      this.deps.logger.info({ jobs: unfinished.length }, 'stopped: unfinished jobs are back in line');
    }
  }

  /** A job was queued: look sooner than the idle timer would. */
  notify(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    const { lingerMs = 100, maxIdleMs = 1000 } = this.deps;
    while (this.running) {
      let worked = false;
      try {
        worked = await this.runOnce();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'sync cycle failed');
      }
      if (!this.running) break;
      if (worked) continue;
      const nextDue = this.deps.store.nextDueAt();
      const idle = nextDue === null ? maxIdleMs : Math.min(maxIdleMs, Math.max(0, nextDue - this.now()));
      const nudged = await this.sleep(idle);
      if (nudged && lingerMs > 0) await this.linger(lingerMs);
    }
  }

  /**
   * After a nudge, wait while webhooks keep arriving (a burst), up to a few lingers: fuller batches cost fewer
   * requests on both sides, and a lone webhook still waits only one linger.
   */
  private async linger(lingerMs: number): Promise<void> {
    const maxWaits = 5;
    let before = this.deps.store.queueCounts().pending;
    for (let i = 0; i < maxWaits && this.running; i += 1) {
      await this.sleep(lingerMs, false);
      const now = this.deps.store.queueCounts().pending;
      if (now === before || now >= (this.deps.batchSize ?? 100) * 5) return;
      before = now;
    }
  }

  private sleep(ms: number, wakeable = true): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, ms);
      if (wakeable) {
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve(true);
        };
      }
    });
  }

  /** Processes the jobs due now; true if there were any. */
  async runOnce(): Promise<boolean> {
    const jobs = this.deps.store.claimDueJobs(this.now(), this.deps.claimLimit ?? 2000);
    if (jobs.length === 0) return false;
    for (const job of jobs) this.claimed.add(job.key);
    const groups = new Map<string, SyncJob[]>();
    for (const job of jobs) {
      const key = `${job.connectionId}:${job.event}`;
      const group = groups.get(key);
      if (group) group.push(job);
      else groups.set(key, [job]);
    }
    await Promise.all([...groups.values()].map((group) => this.syncGroup(group)));
    return true;
  }

  private async syncGroup(jobs: SyncJob[]): Promise<void> {
    const { store, logger } = this.deps;
    const first = jobs[0]!;
    const connection = store.getConnection(first.connectionId);
    const eventConfig = store.getEventConfig(first.connectionId, first.event);
    if (!connection || !eventConfig?.enabled) {
      // Removed or disabled since the webhook arrived: nothing is to be synced any more.
      logger.info({ connectionId: first.connectionId, event: first.event, jobs: jobs.length }, 'dropping jobs of a removed or disabled event');
      await this.complete(jobs.map((j) => j.key));
      return;
    }
    try {
      if (eventConfig.mappings.length === 0) {
        throw new SyncConfigError(`No object mappings are configured for event ${first.event}.`);
      }
      const pretix = this.deps.pretixFor(connection);
      const crm = await this.deps.crmFor(connection.portalId);
      const context = await this.deps.contexts.get(`${connection.id}:${first.event}`, pretix, connection.organizer, first.event);
      const orders = new Map<string, PretixOrder | null>();
      const toFetch = jobs.filter((job) => {
        const prefetched = this.deps.prefetch?.take(job);
        if (prefetched) orders.set(job.code, prefetched);
        return !prefetched;
      });
      if (toFetch.length > 0) {
        const fetched = await fetchOrders(pretix, first.event, toFetch, this.now);
        fetched.orders.forEach((order, code) => orders.set(code, order));
        // A burst's list pages also return orders whose webhooks are still on the way: keep them for those jobs.
        for (const { order, readAt } of fetched.others) this.deps.prefetch?.put(jobKey(connection.id, first.event, order.code), order, readAt);
      }

      const gone = jobs.filter((job) => orders.get(job.code) === null);
      if (gone.length > 0) {
        logger.info({ event: first.event, codes: gone.map((j) => j.code) }, 'orders no longer exist in pretix');
        await this.complete(gone.map((j) => j.key));
      }
      const present = jobs.filter((job) => orders.get(job.code));
      const batchSize = this.deps.batchSize ?? 100;
      for (let i = 0; i < present.length; i += batchSize) {
        // Stopping: no new batch. The rest stay claimed, and stop() puts them back in line.
        if (!this.running) break;
        const slice = present.slice(i, i + batchSize);
        const outcomes = await syncOrderBatch({
          orders: slice.map((job) => orders.get(job.code)!),
          mappings: eventConfig.mappings,
          context,
          crm,
          portalId: connection.portalId,
          connectionId: connection.id,
          ...recordAccess(store, connection.id, first.event),
          now: () => new Date(this.now()),
        });
        await this.settle(slice, outcomes);
      }
    } catch (error) {
      // Cut off by the shutdown deadline: not a failure of the jobs, which stop() puts back in line.
      if (this.cutoff.isCut) return;
      // Nothing order-specific went wrong: the whole group shares the failure (pretix down, token revoked…).
      const failure = classify(error);
      logger.warn({ event: first.event, jobs: jobs.length, failureClass: failure.failureClass, error: failure.message }, 'sync of a batch failed');
      // One group commit for all of them rather than one file write each.
      await Promise.all(
        jobs
          .filter((job) => this.claimed.has(job.key) && store.getJob(job.key)?.state === 'in_flight')
          .map((job) => this.fail(job.key, { ...failure, nextAttemptAt: nextAttemptAt(this.deps.retryPolicy, job.attempts, failure, this.now()) })),
      );
    }
  }

  private async complete(keys: string[]): Promise<void> {
    if (this.abandoned) return;
    keys.forEach((key) => this.claimed.delete(key));
    await this.deps.store.completeJobs(keys, this.now());
  }

  private async fail(key: string, failure: Parameters<Store['failJob']>[1]): Promise<void> {
    if (this.abandoned) return;
    this.claimed.delete(key);
    await this.deps.store.failJob(key, failure, this.now());
  }

  private async settle(jobs: SyncJob[], outcomes: OrderOutcome[]): Promise<void> {
    const { store, logger } = this.deps;
    if (this.abandoned) return;
    const byCode = new Map(jobs.map((job) => [job.code, job]));
    const records: SyncRecord[] = [];
    const done: string[] = [];
    const failures: Promise<void>[] = [];
    for (const outcome of outcomes) {
      const job = byCode.get(outcome.code);
      if (!job) continue;
      if (outcome.record) {
        records.push(outcome.record);
        done.push(job.key);
        continue;
      }
      // A request cut off by the shutdown deadline says nothing about the order: stop() puts the job back.
      if (this.cutoff.isCut) continue;
      const failure = outcome.failure;
      const retryAt = nextAttemptAt(this.deps.retryPolicy, job.attempts, failure, this.now());
      logger.warn({ job: job.key, failureClass: failure.failureClass, error: failure.message, retryAt }, 'order sync failed');
      records.push(failedRecord(store.getSyncRecord(job.key), job, failure, new Date(this.now())));
      failures.push(this.fail(job.key, { ...failure, nextAttemptAt: retryAt }));
    }
    await Promise.all(failures);
    // Records before completing jobs: a crash in between re-runs the jobs, which is harmless (upserts).
    await store.putSyncRecords(records);
    await this.complete(done);
  }
}
