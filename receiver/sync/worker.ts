// The sync worker: waits until a batch is worth its requests (flush-policy.ts), then claims the due jobs, groups them
// by connection and event, fetches the orders in as few pretix requests as possible, syncs them in batches and
// records the outcome. One worker per process; the store's
// in-flight marks keep it from taking a job twice, and recovery after a crash makes them pending again. A stop is
// bounded: no new batch starts, the batches under way get until the deadline, and every job not finished by then
// goes back in line as it was.
import type { FastifyBaseLogger } from 'fastify';
import type { PretixOrder } from '../pretix/schemas';
import type { ClaimOptions, Connection, DueSummary, Store, SyncJob, SyncRecord } from '../store/types';
import { jobKey } from '../store/types';
import { classify, SyncConfigError } from '../domain/errors';
import { Cutoff, settlesWithin } from '../lib/cutoff';
import type { EventContextCache } from './event-context-cache';
import { fetchOrders } from './order-fetcher';
import type { OrderPrefetch } from './order-prefetch';
import type { CrmClientLike, MarketingEventsLike, PretixClientLike } from './ports';
import { marketingStepFor } from './marketing-event-sync';
import { nextAttemptAt, type RetryPolicy } from './retry-policy';
import { failedRecord } from './outcomes';
import { ArrivalTracker, decideFlush, DEFAULT_FLUSH_POLICY, type ArrivalKind, type BudgetUsage, type FlushDecision, type FlushInputs, type FlushPolicyOptions } from './flush-policy';
import { hubspotRequestsPerBatch, recordAccess, syncOrderBatch, type OrderOutcome } from './sync-batch';
import { effectiveMappings } from '../connections/effective-mappings';
import { triggersForceRewrite } from './unchanged-objects';

/** The part of the store the worker uses. */
export type WorkerStore = Pick<
  Store,
  | 'getConnection'
  | 'getEventConfig'
  | 'getMappingSet'
  | 'listEventConfigs'
  | 'claimDueJobs'
  | 'nextDueAt'
  | 'dueSummary'
  | 'getJob'
  | 'completeJobs'
  | 'failJob'
  | 'releaseJobs'
  | 'getSyncRecords'
  | 'putSyncRecords'
  | 'saveEventConfig'
  | 'getInstallation'
>;

export interface WorkerDeps {
  store: WorkerStore;
  retryPolicy: RetryPolicy;
  contexts: EventContextCache;
  pretixFor(connection: Connection): PretixClientLike;
  crmFor(portalId: string): Promise<CrmClientLike>;
  /** The portal's Marketing Events client, for events with "Marketing event in HubSpot" on. */
  marketingFor?(portalId: string): Promise<MarketingEventsLike>;
  /** Orders the reconcile sweep already fetched. */
  prefetch?: OrderPrefetch;
  logger: FastifyBaseLogger;
  now?: () => number;
  /** Orders per HubSpot batch: 100 is HubSpot's batch size for Order-level mappings. */
  batchSize?: number;
  /** Most jobs taken per cycle. A cycle takes whole batches of the waiting orders (at least one batch), so that it
   * never ends in a small remainder batch that costs as many requests as a full one: the rest joins the next batch. */
  claimLimit?: number;
  /** When to send a batch (see flush-policy.ts); unset fields keep the defaults. */
  flushPolicy?: Partial<FlushPolicyOptions>;
  /** The HubSpot budget in use right now (the busiest connected portal's window), for the flush policy. */
  hubspotBudget?: () => BudgetUsage | null | Promise<BudgetUsage | null>;
  /** Upper bound for an idle sleep, so retries come due even without a nudge. */
  maxIdleMs?: number;
  /** How long a job due in the store with no arrival announced for it waits before it goes on its own (default
   * 250 ms): a webhook's job is in the store while its journal line is being written, before the route announces
   * it, and must not go alone at once (a batch for one check-in) but wait for its announcement and the policy. */
  unannouncedGraceMs?: number;
  /** Several instances share the store's queue: the policy decides on what waits in the store (every instance's
   * arrivals), not on the webhooks this process answered, and claims are exclusive (see run()). */
  queueWide?: boolean;
  /** Work outside the cycle (Sync now) that stop() waits for as well, within the same deadline. */
  drainOnStop?: () => Promise<void>;
  /** What the clients behind pretixFor/crmFor were built with: stop() cuts their requests off at its deadline. */
  cutoff?: Cutoff;
}

/** The flush policy's view of what waits (FlushInputs' arrival fields). */
type WaitingArrivals = Pick<FlushInputs, 'backlog' | 'oldestAt' | 'oldestPromptAt' | 'lastArrivalAt' | 'meanGapMs'>;

/** Queue-wide, how long a claim that took nothing waits (or until the next arrival) before deciding again. */
const CONTENDED_CLAIM_PAUSE_MS = 10;

/** After the deadline's cut, how long the cycle may take to notice before the worker stops waiting for it. */
const CUT_GRACE_MS = 500;

/** What tests and benchmarks may tune from outside. */
export type WorkerTuning = Pick<WorkerDeps, 'maxIdleMs' | 'batchSize' | 'flushPolicy'>;

export class SyncWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly claimedRuns = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly arrivals = new ArrivalTracker();
  /** Per connection and event, the newest last_modified a batch saw: where the next batch's orders start in the list. */
  private readonly listResumePoints = new Map<string, number>();
  private lastFlushEndedAt: number | null = null;
  private readonly policy: FlushPolicyOptions;
  private readonly cutoff: Cutoff;
  /** Jobs this worker marked in flight (or was handed) and has not yet completed, failed or put back. */
  private readonly claimed = new Set<string>();
  /** The stop gave up waiting for the cycle: whatever it still does must not touch the store any more. */
  private abandoned = false;

  constructor(private readonly deps: WorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.policy = { ...DEFAULT_FLUSH_POLICY, batchSize: deps.batchSize ?? DEFAULT_FLUSH_POLICY.batchSize, ...deps.flushPolicy };
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
    const startedAt = this.now();
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
    // Sync now runs (interactive clients, never cut): what is left of the deadline. A job still running then stays in
    // flight on disk, and the next start puts it back in line (recoverInFlight).
    const drain = this.deps.drainOnStop?.();
    if (drain) await settlesWithin(drain, Math.max(0, timeoutMs - (this.now() - startedAt)));
  }

  /** Started and not stopping: Sync now runs only then, so nothing new starts during a shutdown. */
  isRunning(): boolean {
    return this.running;
  }

  /** A job was queued: it joins the next batch, and the policy decides again. 'interactive' when a person waits
   * for it ("Sync now", a retry): then the batch goes at once; 'checkin' for a check-in webhook, which may wait
   * longer for company (flush-policy.ts). */
  notify(kind: ArrivalKind = 'background'): void {
    this.arrivals.arrived(this.now(), kind);
    this.wake?.();
  }

  private async run(): Promise<void> {
    const { maxIdleMs = 1000, unannouncedGraceMs = 250, queueWide = false } = this.deps;
    while (this.running) {
      // The store's answers first, then the time and the arrivals in one synchronous step, so that the decision
      // sees one moment (a webhook announced while the store was being read counts in this decision or the next,
      // never half in each).
      const [budget, requestsPerBatch, nextDueInStore, queue] = await Promise.all([
        this.deps.hubspotBudget?.() ?? null,
        this.requestsPerBatch(),
        this.deps.store.nextDueAt(),
        queueWide ? this.deps.store.dueSummary(this.now(), this.claimLimitFor(Infinity)) : null,
      ]);
      const t = this.now();
      const waiting = queue ? this.queueWideArrivals(queue) : this.localArrivals();
      const decision = this.decide(t, waiting, budget, requestsPerBatch);
      // Jobs nobody announced (retries coming due, jobs recovered after a crash) go on their own, once they have been
      // due for the grace: one that is only being announced (its webhook's journal line on its way) waits for that.
      // Queue-wide, every due job is among the arrivals the policy weighs, whoever announced it.
      const nextDue = !queue && this.arrivals.backlog === 0 && nextDueInStore !== null ? nextDueInStore + unannouncedGraceMs : null;
      if (decision.flush || (nextDue !== null && nextDue <= t)) {
        try {
          const limit = this.claimLimitFor(waiting.backlog);
          // Queue-wide, the claim takes nothing if another instance is claiming, or took what this decision was
          // taken on: then it decides again on what is left.
          const claimed = await this.runOnce(t, limit, queue ? { exclusive: true, stillWaitingSince: queue.oldestAt ?? undefined } : undefined);
          if (claimed > 0 || !queue) this.arrivals.claimed(t, claimed < limit ? Infinity : claimed);
          if (claimed > 0) this.lastFlushEndedAt = this.now();
          // The other claim is a statement away from done; rows a transaction holds (a merge) may take longer.
          else if (queue) await this.sleep(CONTENDED_CLAIM_PAUSE_MS);
        } catch (error) {
          this.arrivals.claimed(t, Infinity);
          this.deps.logger.error({ err: error }, 'sync cycle failed');
        }
        continue;
      }
      // Queue-wide, arrivals at other instances wake nobody here: maxIdleMs bounds how late a batch they fill goes.
      const nextInStore = queue ? (queue.due === 0 ? nextDueInStore : null) : nextDue;
      const wakeAt = decision.until ?? (nextInStore === null ? t + maxIdleMs : Math.min(t + maxIdleMs, nextInStore));
      await this.sleep(Math.max(0, wakeAt - t));
    }
  }

  /** What waits, as this process heard of it: every arrival when it is the queue's only worker. */
  private localArrivals(): WaitingArrivals {
    const { arrivals } = this;
    return { backlog: arrivals.backlog, oldestAt: arrivals.oldestAt, oldestPromptAt: arrivals.oldestPromptAt, lastArrivalAt: arrivals.lastArrivalAt, meanGapMs: arrivals.meanGapMs };
  }

  /**
   * What waits in the shared queue. The rate comes from the spacing of the jobs waiting (as many gaps as jobs less
   * one between the oldest and the newest), the instance's own estimate covering only its share of the webhooks.
   */
  private queueWideArrivals(queue: DueSummary): WaitingArrivals {
    const lastArrivalAt = Math.max(queue.newestAt ?? -Infinity, this.arrivals.lastArrivalAt ?? -Infinity);
    const spread = queue.due >= 2 && queue.oldestAt !== null && queue.newestAt !== null ? (queue.newestAt - queue.oldestAt) / (queue.due - 1) : null;
    return {
      backlog: queue.due,
      oldestAt: queue.oldestAt,
      oldestPromptAt: queue.oldestPromptAt,
      lastArrivalAt: Number.isFinite(lastArrivalAt) ? lastArrivalAt : null,
      meanGapMs: spread !== null && spread >= 0 ? spread : this.arrivals.meanGapMs,
    };
  }

  /** Whether to send what is waiting now, from the backlog, the arrival rate and the HubSpot budget. */
  private decide(t: number, waiting: WaitingArrivals, budget: BudgetUsage | null, requestsPerBatch: number): FlushDecision {
    return decideFlush(
      {
        now: t,
        ...waiting,
        lastFlushEndedAt: this.lastFlushEndedAt,
        interactive: this.arrivals.interactive,
        requestsPerBatch,
        budget,
      },
      this.policy,
    );
  }

  /** The costliest enabled event's batch: the policy must not underestimate what a flush spends. */
  private async requestsPerBatch(): Promise<number> {
    let most = 0;
    for (const config of await this.deps.store.listEventConfigs()) {
      // A batch of an event with a marketing event adds its attendance call (one per date and state; usually one).
      if (config.enabled) most = Math.max(most, hubspotRequestsPerBatch(await effectiveMappings(this.deps.store, config)) + (config.marketingEvent?.enabled ? 1 : 0));
    }
    return most;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Syncs jobs the caller has already claimed (Sync now), with this worker's clients, outside the cycle. */
  async syncClaimed(jobs: SyncJob[]): Promise<void> {
    if (jobs.length === 0) return;
    for (const job of jobs) this.claimed.add(job.key);
    const run = this.syncGroup(jobs);
    this.claimedRuns.add(run);
    try {
      await run;
    } finally {
      this.claimedRuns.delete(run);
    }
  }

  /** Resolves when every syncClaimed() running now has finished. */
  async drainClaimed(): Promise<void> {
    await Promise.allSettled([...this.claimedRuns]);
  }

  /** Whole batches of what is waiting, at least one, at most the claim limit. */
  private claimLimitFor(backlog: number): number {
    const { batchSize } = this.policy;
    const most = Math.max(batchSize, this.deps.claimLimit ?? 2000);
    return Math.min(most, Math.max(1, Math.floor(backlog / batchSize)) * batchSize);
  }

  /** Processes up to `limit` jobs due at `at`; how many it took. */
  async runOnce(at = this.now(), limit = this.claimLimitFor(0), claim?: ClaimOptions): Promise<number> {
    const jobs = await this.deps.store.claimDueJobs(at, limit, claim);
    if (jobs.length === 0) return 0;
    for (const job of jobs) this.claimed.add(job.key);
    const groups = new Map<string, SyncJob[]>();
    for (const job of jobs) {
      const key = `${job.connectionId}:${job.event}`;
      const group = groups.get(key);
      if (group) group.push(job);
      else groups.set(key, [job]);
    }
    await Promise.all([...groups.values()].map((group) => this.syncGroup(group)));
    return jobs.length;
  }

  private async syncGroup(jobs: SyncJob[]): Promise<void> {
    const { store, logger } = this.deps;
    const first = jobs[0]!;
    const connection = await store.getConnection(first.connectionId);
    const eventConfig = await store.getEventConfig(first.connectionId, first.event);
    if (!connection || !eventConfig?.enabled) {
      // Removed or disabled since the webhook arrived: nothing is to be synced any more.
      logger.info({ connectionId: first.connectionId, event: first.event, jobs: jobs.length }, 'dropping jobs of a removed or disabled event');
      await this.complete(jobs.map((j) => j.key));
      return;
    }
    try {
      const mappings = await effectiveMappings(store, eventConfig);
      if (mappings.length === 0) {
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
        const eventKey = `${connection.id}:${first.event}`;
        const fetched = await fetchOrders(pretix, first.event, toFetch, this.now, {
          resumeFrom: this.listResumePoints.get(eventKey),
          awaited: async (code) => (await store.getJob(jobKey(connection.id, first.event, code)))?.state === 'pending',
        });
        if (fetched.newestModified !== null) this.listResumePoints.set(eventKey, Math.max(fetched.newestModified, this.listResumePoints.get(eventKey) ?? 0));
        fetched.orders.forEach((order, code) => orders.set(code, order));
        // A burst's list pages also return orders of jobs queued after this claim: keep them for those jobs. Only
        // those: the prefetch serves an order only to a job triggered before it was read.
        for (const { order, readAt } of fetched.others) {
          const key = jobKey(connection.id, first.event, order.code);
          const waiting = await store.getJob(key);
          if (waiting && waiting.state !== 'in_flight' && waiting.lastTriggeredAt <= readAt) this.deps.prefetch?.put(key, order, readAt);
        }
      }

      const gone = jobs.filter((job) => orders.get(job.code) === null);
      if (gone.length > 0) {
        logger.info({ event: first.event, codes: gone.map((j) => j.code) }, 'orders no longer exist in pretix');
        await this.complete(gone.map((j) => j.key));
      }
      const present = jobs.filter((job) => orders.get(job.code));
      const batchSize = this.deps.batchSize ?? 100;
      const marketing = await marketingStepFor({ store, connection, event: first.event, context, pretix, now: this.now }, eventConfig, this.deps.marketingFor);
      for (let i = 0; i < present.length; i += batchSize) {
        // Stopping: no new batch. The rest stay claimed, and stop() puts them back in line.
        if (this.stopRequested()) break;
        const slice = present.slice(i, i + batchSize);
        // A person's "Sync now" or retry writes the whole order; webhooks and the sweep only what changed.
        const forced = new Set(slice.filter((job) => triggersForceRewrite(job.triggers)).map((job) => job.code));
        const outcomes = await syncOrderBatch({
          orders: slice.map((job) => orders.get(job.code)!),
          mappings,
          context,
          crm,
          portalId: connection.portalId,
          connectionId: connection.id,
          ...recordAccess(store, connection.id, first.event),
          now: () => new Date(this.now()),
          force: (code) => forced.has(code),
          marketing,
        });
        await this.settle(slice, outcomes);
      }
    } catch (error) {
      // Cut off by the shutdown deadline: not a failure of the jobs, which stop() puts back in line.
      if (this.cutoff.isCut) return;
      // Nothing order-specific went wrong: the whole group shares the failure (pretix down, token revoked…).
      const failure = classify(error);
      if (failure.internalError) {
        logger.error({ event: first.event, jobs: jobs.length, err: failure.internalError }, 'sync of a batch failed with an internal error');
      } else {
        logger.warn({ event: first.event, jobs: jobs.length, failureClass: failure.failureClass, error: failure.message }, 'sync of a batch failed');
      }
      // One group commit for all of them rather than one file write each.
      const stillOurs = [];
      for (const job of jobs) if (this.claimed.has(job.key) && (await store.getJob(job.key))?.state === 'in_flight') stillOurs.push(job);
      await Promise.all(
        stillOurs
          .map((job) => this.fail(job.key, { ...failure, nextAttemptAt: nextAttemptAt(this.deps.retryPolicy, job.attempts, failure, this.now()) })),
      );
    }
  }

  /** The cycle's loop was started and is being stopped (Sync now's runs, outside any loop, always finish). */
  private stopRequested(): boolean {
    return this.abandoned || (this.loop !== null && !this.running);
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
    // What failed orders keep of their last sync, as stored now: one read for the batch.
    const failedKeys = outcomes.flatMap((outcome) => {
      const job = byCode.get(outcome.code);
      return job && outcome.failure ? [job.key] : [];
    });
    const stored = failedKeys.length > 0 && !this.cutoff.isCut ? await store.getSyncRecords(failedKeys) : new Map<string, SyncRecord>();
    for (const outcome of outcomes) {
      const job = byCode.get(outcome.code);
      if (!job) continue;
      if (outcome.record) {
        records.push(outcome.record);
        done.push(job.key);
        continue;
      }
      // After the shutdown cut a failure is most likely the cut's own, which says nothing about the order: stop() puts
      // the job back, and the next start syncs it again.
      if (this.cutoff.isCut) continue;
      const failure = outcome.failure;
      const retryAt = nextAttemptAt(this.deps.retryPolicy, job.attempts, failure, this.now());
      if (failure.internalError) logger.error({ job: job.key, err: failure.internalError }, 'order sync failed with an internal error');
      else logger.warn({ job: job.key, failureClass: failure.failureClass, error: failure.message, retryAt }, 'order sync failed');
      records.push(failedRecord(stored.get(job.key), job, failure, new Date(this.now())));
      failures.push(this.fail(job.key, { ...failure, nextAttemptAt: retryAt }));
    }
    await Promise.all(failures);
    // Records before completing jobs: a crash in between re-runs the jobs, which is harmless (upserts).
    await store.putSyncRecords(records);
    await this.complete(done);
  }
}
