// "Sync all existing orders" of an event. Pages of the order list (oldest first, 50 a page) stream straight into
// batch syncs of 100 orders, several batches in flight so that both rate limits stay busy, while memory holds only
// the batches in flight. Progress is persisted per completed page: after a restart the backfill resumes at the
// first page not completely synced; re-syncing part of a page is harmless because every write is an upsert.
// One run per event wherever it was started: a run holds the event's lease (lib/leases.ts) and renews it; when its
// instance dies, the lease runs out and another instance's watch (watchForOrphans) resumes it from the saved page.
import type { FastifyBaseLogger } from 'fastify';
import type { PretixOrder } from '../pretix/schemas';
import type { BackfillState, Connection, Store } from '../store/types';
import { classify, SyncConfigError } from '../domain/errors';
import { Cutoff, settlesWithin } from '../lib/cutoff';
import type { EventContextCache } from './event-context-cache';
import type { ObjectMapping } from '../domain/mapping-schema';
import { recordOutcomes } from './outcomes';
import type { CrmClientLike, MarketingEventsLike, PretixClientLike } from './ports';
import { marketingStepFor } from './marketing-event-sync';
import { nextAttemptAt, type RetryPolicy } from './retry-policy';
import { recordAccess, syncOrderBatch } from './sync-batch';
import { effectiveMappings } from '../connections/effective-mappings';
import { createMemoryLeases, holdLease, type HeldLease, type Leases } from '../lib/leases';

export class BackfillConflictError extends Error {}

/** After the deadline's cut, how long the runs may take to notice before the stop stops waiting for them. */
const CUT_GRACE_MS = 500;

export interface BackfillDeps {
  store: Store;
  contexts: EventContextCache;
  pretixFor(connection: Connection): PretixClientLike;
  crmFor(portalId: string): Promise<CrmClientLike>;
  /** The portal's Marketing Events client: a backfill registers existing attendees and marks check-ins attended. */
  marketingFor?(portalId: string): Promise<MarketingEventsLike>;
  retryPolicy: RetryPolicy;
  logger: FastifyBaseLogger;
  now?: () => number;
  /** Orders per HubSpot batch. */
  batchSize?: number;
  /** Batches in flight at once: enough to keep HubSpot's window full while each batch waits on its requests. */
  concurrency?: number;
  /** What the clients behind pretixFor/crmFor were built with: stopAll() cuts their requests off at its deadline. */
  cutoff?: Cutoff;
  /** Called after each completed page, e.g. to let the sweep know its starting point. */
  onFinished?(state: BackfillState, firstPageGenerated: string | null): Promise<void> | void;
  /** Where runs take their per-event lease (default: this process only). */
  leases?: Leases;
  /** How long a run's lease lasts unrenewed: how soon another instance takes over after this one dies (default 30 s). */
  leaseTtlMs?: number;
}

/** The lease a backfill of one event holds while it runs. */
export const backfillLeaseName = (connectionId: string, event: string) => `backfill:${connectionId}:${event}`;

interface Running {
  canceled: boolean;
  /** Its lease was lost (another instance may have taken the backfill over): save nothing more. */
  leaseLost: boolean;
  lease: HeldLease;
  done: Promise<void>;
  runStartedAt: number;
  processedAtRunStart: number;
}

export interface BackfillProgressView extends BackfillState {
  ratePerSecond: number | null;
  etaSeconds: number | null;
}

/** Mappings to run: the chosen ones plus those they associate with (their HubSpot ids are needed). */
export function mappingsForRun(all: ObjectMapping[], only: string[] | null): ObjectMapping[] {
  if (!only) return all;
  const wanted = new Set(only);
  for (let changed = true; changed; ) {
    changed = false;
    for (const mapping of all) {
      if (!wanted.has(String(mapping.id))) continue;
      for (const association of mapping.association_mappings) {
        const via = String(association.via_mapping_id);
        if (!wanted.has(via)) {
          wanted.add(via);
          changed = true;
        }
      }
    }
  }
  return all.filter((mapping) => wanted.has(String(mapping.id)));
}

export class BackfillRunner {
  private readonly running = new Map<string, Running>();
  private readonly now: () => number;
  private readonly cutoff: Cutoff;
  private readonly leases: Leases;
  private readonly leaseTtlMs: number;
  private watch: NodeJS.Timeout | null = null;

  constructor(private readonly deps: BackfillDeps) {
    this.now = deps.now ?? Date.now;
    this.cutoff = deps.cutoff ?? new Cutoff();
    this.leases = deps.leases ?? createMemoryLeases();
    this.leaseTtlMs = deps.leaseTtlMs ?? 30_000;
  }

  private takeLease(connectionId: string, event: string): Promise<HeldLease | null> {
    const name = backfillLeaseName(connectionId, event);
    return holdLease(this.leases, name, {
      ttlMs: this.leaseTtlMs,
      onLost: () => {
        const run = this.running.get(this.key(connectionId, event));
        if (run) {
          run.leaseLost = true;
          run.canceled = true;
        }
        this.deps.logger.warn({ event }, 'backfill lease lost (another instance may continue it): stopping here');
      },
      onError: (error) => this.deps.logger.warn({ event, err: error }, 'backfill lease could not be renewed; trying again'),
    });
  }

  private key(connectionId: string, event: string) {
    return `${connectionId}:${event}`;
  }

  /** Running until its final state is saved (its promise may still be finishing its bookkeeping after that). */
  async isRunning(connectionId: string, event: string): Promise<boolean> {
    return this.running.has(this.key(connectionId, event)) && (await this.deps.store.getBackfill(connectionId, event))?.state === 'running';
  }

  /** Starts a backfill; refuses a second one for the same event while one runs. */
  async start(connectionId: string, event: string, mappingIds: string[] | null = null): Promise<BackfillState> {
    const { store } = this.deps;
    if (await this.isRunning(connectionId, event)) {
      throw new BackfillConflictError(`A backfill of ${event} is already running; wait for it or cancel it first.`);
    }
    const connection = await store.getConnection(connectionId);
    const config = await store.getEventConfig(connectionId, event);
    if (!connection) throw new SyncConfigError(`No connection ${connectionId}.`);
    if (!config?.enabled) throw new SyncConfigError(`Event ${event} is not enabled for sync.`);
    if ((await effectiveMappings(store, config)).length === 0) throw new SyncConfigError(`Event ${event} has no object mappings yet.`);
    const lease = await this.takeLease(connectionId, event);
    if (!lease) throw new BackfillConflictError(`A backfill of ${event} is already running on another receiver instance; wait for it or cancel it first.`);
    const state: BackfillState = {
      connectionId,
      event,
      state: 'running',
      mappingIds,
      nextPage: 1,
      total: null,
      processed: 0,
      synced: 0,
      skipped: 0,
      failed: 0,
      startedAt: new Date(this.now()).toISOString(),
      finishedAt: null,
      error: null,
    };
    try {
      await store.saveBackfill(state);
    } catch (error) {
      await lease.release();
      throw error;
    }
    this.launch(state, lease);
    return state;
  }

  /**
   * Continues every backfill a stop interrupted, or whose instance died (its lease ran out): those whose lease this
   * instance gets. How many it resumed.
   */
  async resumeAll(): Promise<number> {
    if (this.stopping) return 0;
    const interrupted = (await this.deps.store.listBackfills()).filter((b) => b.state === 'running' && !this.running.has(this.key(b.connectionId, b.event)));
    let resumed = 0;
    for (const state of interrupted) {
      const lease = await this.takeLease(state.connectionId, state.event);
      if (!lease) continue;
      // Read again under the lease: the instance that held it may have finished it meanwhile.
      const current = await this.deps.store.getBackfill(state.connectionId, state.event);
      if (current?.state !== 'running' || this.stopping || this.running.has(this.key(state.connectionId, state.event))) {
        await lease.release();
        continue;
      }
      this.launch(current, lease);
      resumed += 1;
    }
    return resumed;
  }

  /** Looks every `intervalMs` for backfills left running by an instance that died, and continues them here. */
  watchForOrphans(intervalMs = this.leaseTtlMs): void {
    if (this.watch) return;
    this.watch = setInterval(() => {
      this.resumeAll().then(
        (resumed) => {
          if (resumed > 0) this.deps.logger.info({ resumed }, 'continued backfill(s) whose receiver instance stopped');
        },
        (error: unknown) => this.deps.logger.warn({ err: error }, 'looking for backfills to continue failed'),
      );
    }, intervalMs);
    this.watch.unref();
  }

  async cancel(connectionId: string, event: string): Promise<BackfillState | undefined> {
    const running = this.running.get(this.key(connectionId, event));
    if (!running || !(await this.isRunning(connectionId, event))) return undefined;
    running.canceled = true;
    await running.done;
    return await this.deps.store.getBackfill(connectionId, event);
  }

  /**
   * Stops every run without marking it: they resume on the next start. No new page or batch starts; the batches
   * under way get `timeoutMs`, then their requests are cut off and their pages stay unfinished, to be synced again.
   */
  async stopAll(timeoutMs = Infinity): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    const runs = [...this.running.values()];
    runs.forEach((run) => (run.canceled = true));
    this.stopping = true;
    const done = Promise.all(runs.map((run) => run.done));
    if (await settlesWithin(done, timeoutMs)) return;
    this.cutoff.cut();
    await settlesWithin(done, CUT_GRACE_MS);
  }

  private stopping = false;

  async progress(connectionId: string, event: string): Promise<BackfillProgressView | undefined> {
    const state = await this.deps.store.getBackfill(connectionId, event);
    if (!state) return undefined;
    const run = this.running.get(this.key(connectionId, event));
    let ratePerSecond: number | null = null;
    let etaSeconds: number | null = null;
    // Rate and ETA only while running (the run's bookkeeping may outlive its final state by a moment).
    if (run && state.state === 'running') {
      const seconds = (this.now() - run.runStartedAt) / 1000;
      const done = state.processed - run.processedAtRunStart;
      if (seconds > 0 && done > 0) {
        ratePerSecond = done / seconds;
        if (state.total !== null) etaSeconds = Math.max(0, (state.total - state.processed) / ratePerSecond);
      }
    }
    return { ...state, ratePerSecond, etaSeconds };
  }

  private launch(state: BackfillState, lease: HeldLease): void {
    const run: Running = { canceled: false, leaseLost: false, lease, done: Promise.resolve(), runStartedAt: this.now(), processedAtRunStart: state.processed };
    this.running.set(this.key(state.connectionId, state.event), run);
    run.done = this.execute(state, run)
      .catch(async (error: unknown) => {
        // Cut off by the shutdown deadline: it stays "running" and resumes on the next start (or on another instance).
        if (this.cutoff.isCut || run.leaseLost) return;
        const failure = classify(error);
        if (failure.internalError) this.deps.logger.error({ event: state.event, err: failure.internalError }, 'backfill failed with an internal error');
        else this.deps.logger.warn({ event: state.event, error: failure.message }, 'backfill failed');
        // The run saved its progress as it went; keep it rather than the state it started from.
        const progress = (await this.deps.store.getBackfill(state.connectionId, state.event)) ?? state;
        await this.deps.store.saveBackfill({ ...progress, state: 'failed', error: failure.message, finishedAt: new Date(this.now()).toISOString() });
      })
      .finally(async () => {
        const key = this.key(state.connectionId, state.event);
        // A newer run of the same event (started here once this one's final state was saved) holds the same lease.
        if (this.running.get(key) === run) {
          this.running.delete(key);
          await run.lease.release().catch((error: unknown) => this.deps.logger.warn({ event: state.event, err: error }, 'backfill lease could not be released; it runs out by itself'));
        } else run.lease.abandon();
      });
  }

  private async execute(initial: BackfillState, run: Running): Promise<void> {
    const { store, logger } = this.deps;
    const state = { ...initial };
    const connection = await store.getConnection(state.connectionId);
    const config = await store.getEventConfig(state.connectionId, state.event);
    if (!connection || !config) throw new SyncConfigError('The connection or event was removed.');
    const pretix = this.deps.pretixFor(connection);
    const crm = await this.deps.crmFor(connection.portalId);
    const context = await this.deps.contexts.get(`${connection.id}:${state.event}`, pretix, connection.organizer, state.event);
    const mappings = mappingsForRun(await effectiveMappings(store, config), state.mappingIds);
    const onlyMappings = state.mappingIds ? new Set(mappings.map((m) => String(m.id))) : null;
    const batchSize = this.deps.batchSize ?? 100;
    const marketing = await marketingStepFor({ store, connection, event: state.event, context, pretix, now: this.now }, config, this.deps.marketingFor);
    const concurrency = this.deps.concurrency ?? 12;

    // Pages finish out of order (batches run concurrently); the resume point only moves over a finished prefix.
    const unfinished = new Map<number, number>(); // page → batches of it still running
    let firstPageGenerated: string | null = null;
    const inFlight = new Set<Promise<void>>();
    let buffer: { order: PretixOrder; page: number }[] = [];
    let lastPageSeen = state.nextPage - 1;
    let failure: unknown = null;

    const advance = async () => {
      // After a shutdown cut nothing more is saved: the pages of the batches cut short are synced again. Neither
      // after a lost lease: the instance that took over saves from here.
      if (this.cutoff.isCut || run.leaseLost) return;
      let next = state.nextPage;
      // A page is finished when no batch of it is running and none of its orders still waits in the buffer.
      while (next <= lastPageSeen && !unfinished.get(next) && !buffer.some((item) => item.page === next)) {
        unfinished.delete(next);
        next += 1;
      }
      if (next !== state.nextPage) {
        state.nextPage = next;
        await store.saveBackfill({ ...state });
      }
    };

    const dispatch = (items: { order: PretixOrder; page: number }[]) => {
      const pages = [...new Set(items.map((i) => i.page))];
      pages.forEach((page) => unfinished.set(page, (unfinished.get(page) ?? 0) + 1));
      const task = (async () => {
        const outcomes = await syncOrderBatch({
          orders: items.map((i) => i.order),
          mappings,
          context,
          crm,
          portalId: connection.portalId,
          connectionId: connection.id,
          ...recordAccess(store, connection.id, state.event),
          now: () => new Date(this.now()),
          // A backfill (and a mapping edit's re-sync) writes what pretix holds, whatever the records say.
          force: () => true,
          marketing,
        });
        // Its requests were cut off: these outcomes say nothing about the orders, and the page stays unfinished.
        if (this.cutoff.isCut) return;
        const counts = await recordOutcomes({
          store,
          portalId: connection.portalId,
          connectionId: connection.id,
          event: state.event,
          outcomes,
          onlyMappings,
          now: new Date(this.now()),
          trigger: 'backfill',
          retryAt: (f) => nextAttemptAt(this.deps.retryPolicy, 0, f, this.now()),
        });
        state.processed += items.length;
        state.synced += counts.synced;
        state.skipped += counts.skipped;
        state.failed += counts.failed;
        pages.forEach((page) => unfinished.set(page, (unfinished.get(page) ?? 1) - 1));
        await advance();
      })().catch((error: unknown) => {
        failure ??= error;
      });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    };

    try {
      for await (const page of pretix.listOrders(state.event, { ordering: 'datetime', startPage: state.nextPage })) {
        if (run.canceled || failure) break;
        firstPageGenerated ??= page.pageGenerated;
        if (state.total === null || state.total !== page.count) state.total = page.count;
        lastPageSeen = page.page;
        unfinished.set(page.page, unfinished.get(page.page) ?? 0);
        buffer.push(...page.orders.map((order) => ({ order, page: page.page })));
        while (buffer.length >= batchSize) {
          dispatch(buffer.slice(0, batchSize));
          buffer = buffer.slice(batchSize);
          // Back-pressure: fetch the next page only when a batch slot is free, so memory stays flat.
          while (inFlight.size >= concurrency) await Promise.race(inFlight);
        }
        if (page.orders.length === 0) await advance();
      }
    } catch (error) {
      // pretix failed mid-listing: batches already in flight still finish (and record their progress) below.
      failure ??= error;
    }
    if (!run.canceled && !failure && buffer.length > 0) {
      dispatch(buffer);
      buffer = [];
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    await advance();

    if (run.canceled) {
      // A shutdown: stays "running" and resumes on the next start; a lost lease: another instance continues it.
      if (this.stopping || run.leaseLost) return;
      await store.saveBackfill({ ...state, state: 'canceled', finishedAt: new Date(this.now()).toISOString() });
      logger.info({ event: state.event, processed: state.processed }, 'backfill canceled');
      return;
    }
    const finished: BackfillState = { ...state, state: 'done', finishedAt: new Date(this.now()).toISOString() };
    await store.saveBackfill(finished);
    logger.info({ event: state.event, processed: state.processed, synced: state.synced, failed: state.failed }, 'backfill done');
    await this.deps.onFinished?.(finished, firstPageGenerated);
  }
}
