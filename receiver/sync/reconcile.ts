// The reconcile sweep: pretix sends no webhook for some changes (a refund back to pending, for one) and gives up
// on deliveries after about 59 hours, so every enabled event is listed periodically with modified_since the last
// watermark, and orders whose sync record is older than their last_modified are queued again. For a connection that
// syncs every event, the sweep first lists the organizer's events and enables those not known yet (a safety net for a
// `pretix.event.added` that never arrived), so that they are swept in the same round.
// One sweep per event at a time across receiver instances: a sweep holds the event's lease (lib/leases.ts); the
// periodic round also leaves out events another instance swept within the last half interval.
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Store, SweepState } from '../store/types';
import { jobKey } from '../store/types';
import { classify } from '../domain/errors';
import { PretixForbiddenError, PretixUnknownEventError } from '../pretix/errors';
import { Cutoff, settlesWithin } from '../lib/cutoff';
import type { OrderPrefetch } from './order-prefetch';
import type { PretixClientLike } from './ports';
import type { PretixOrder } from '../pretix/schemas';
import { createMemoryLeases, holdLease, type Leases } from '../lib/leases';

export interface SweepDeps {
  store: Store;
  pretixFor(connection: Connection): PretixClientLike;
  prefetch: OrderPrefetch;
  onQueued(): void;
  intervalMs: number;
  /** The next sweep starts this long before the watermark, tolerating clock skew and in-flight transactions. */
  overlapMs?: number;
  logger: FastifyBaseLogger;
  now?: () => number;
  /** What the client behind pretixFor was built with: stop() cuts its requests off at its deadline. */
  cutoff?: Cutoff;
  /** After each event's sweep: its marketing events' names, dates, completion and cancellation. */
  refreshMarketingEvents?(connectionId: string, event: string): Promise<void>;
  /** Where a sweep takes its per-event lease (default: this process only). */
  leases?: Leases;
  /** How long a sweep's lease lasts unrenewed (default 60 s). */
  leaseTtlMs?: number;
  /** Enables the events of "sync every event" connections that the receiver does not know yet; returns their slugs. */
  discoverEvents?: (connection: Connection) => Promise<string[]>;
}

/** The lease the sweep of one event holds while it runs. */
export const sweepLeaseName = (connectionId: string, event: string) => `sweep:${connectionId}:${event}`;

const olderThan = (recorded: string | undefined, current: string) => !recorded || Date.parse(recorded) < Date.parse(current);

/** After the deadline's cut, how long a sweep may take to notice before the stop stops waiting for it. */
const CUT_GRACE_MS = 500;

export class ReconcileSweeper {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly now: () => number;
  private stopping = false;
  private readonly cutoff: Cutoff;
  private readonly leases: Leases;

  constructor(private readonly deps: SweepDeps) {
    this.now = deps.now ?? Date.now;
    this.cutoff = deps.cutoff ?? new Cutoff();
    this.leases = deps.leases ?? createMemoryLeases();
  }

  start(): void {
    if (this.timer || this.deps.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.sweepAll(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** No further event is swept; the sweep under way gets `timeoutMs`, then its pretix requests are cut off. */
  async stop(timeoutMs = Infinity): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping = true;
    const sweeping = this.sweeping;
    if (!sweeping || (await settlesWithin(sweeping, timeoutMs))) return;
    this.cutoff.cut();
    await settlesWithin(sweeping, CUT_GRACE_MS);
  }

  /** Sweeps every enabled event once; a sweep still running is not started twice. */
  sweepAll(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        await this.discoverAll();
        for (const config of await this.deps.store.listEventConfigs()) {
          if (this.stopping) break;
          if (!config.enabled || !await this.deps.store.getConnection(config.connectionId)) continue;
          // Another instance's round got there first: every instance sweeping every interval would multiply the cost.
          const last = (await this.deps.store.getSweep(config.connectionId, config.event))?.lastSweepAt;
          if (last && this.now() - Date.parse(last) < this.deps.intervalMs / 2) continue;
          await this.sweepEvent(config.connectionId, config.event);
        }
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  private async discoverAll(): Promise<void> {
    const { discoverEvents } = this.deps;
    if (!discoverEvents) return;
    for (const connection of await this.deps.store.listConnections()) {
      if (this.stopping || !connection.syncAllEvents) continue;
      try {
        const found = await discoverEvents(connection);
        if (found.length > 0) this.deps.logger.info({ connectionId: connection.id, events: found }, 'reconcile sweep enabled new pretix events');
      } catch (error) {
        if (this.cutoff.isCut) return;
        // The events known already are swept regardless; the next sweep looks for new ones again.
        this.deps.logger.warn({ connectionId: connection.id, error: classify(error).message }, 'reconcile sweep could not list the organizer\'s events');
      }
    }
  }

  /** Starts the sweep of an event from a known point (after a backfill, nothing older needs looking at). */
  async setWatermark(connectionId: string, event: string, watermark: string): Promise<void> {
    const previous = await this.deps.store.getSweep(connectionId, event);
    if (previous?.watermark && Date.parse(previous.watermark) >= Date.parse(watermark)) return;
    await this.deps.store.saveSweep({ ...emptySweep(connectionId, event), ...previous, watermark });
  }

  /** Sweeps one event; when another instance is sweeping it at this moment, answers with its last saved state. */
  async sweepEvent(connectionId: string, event: string): Promise<SweepState> {
    const lease = await holdLease(this.leases, sweepLeaseName(connectionId, event), {
      ttlMs: this.deps.leaseTtlMs ?? 60_000,
      onError: (error) => this.deps.logger.warn({ event, err: error }, 'sweep lease could not be renewed; trying again'),
    });
    if (!lease) return (await this.deps.store.getSweep(connectionId, event)) ?? emptySweep(connectionId, event);
    try {
      return await this.sweepLeased(connectionId, event);
    } finally {
      await lease.release().catch((error: unknown) => this.deps.logger.warn({ event, err: error }, 'sweep lease could not be released; it runs out by itself'));
    }
  }

  private async sweepLeased(connectionId: string, event: string): Promise<SweepState> {
    const { store, logger } = this.deps;
    const previous = await store.getSweep(connectionId, event) ?? emptySweep(connectionId, event);
    const connection = await store.getConnection(connectionId);
    if (!connection) return previous;
    const overlap = this.deps.overlapMs ?? 60_000;
    const since = previous.watermark
      ? new Date(Date.parse(previous.watermark) - overlap)
      : new Date(this.now() - this.deps.intervalMs - overlap);
    let found = 0;
    let watermark: string | null = null;
    const stale: Parameters<OrderPrefetch['put']>[1][] = [];
    const readAt = this.now();
    try {
      for await (const page of this.deps.pretixFor(connection).listOrders(event, { modifiedSince: since.toISOString(), ordering: 'last_modified' })) {
        // The first page's generation time: everything modified after it is in the next sweep's range.
        watermark ??= page.pageGenerated ?? new Date(this.now()).toISOString();
        const unqueued: PretixOrder[] = [];
        for (const order of page.orders) {
          found += 1;
          // Queued already, or failed and waiting for a person: the sweep must not override either.
          if (!(await store.getJob(jobKey(connectionId, event, order.code)))) unqueued.push(order);
        }
        // The page's records in one read.
        const records = await store.getSyncRecords(unqueued.map((order) => jobKey(connectionId, event, order.code)));
        for (const order of unqueued) {
          if (olderThan(records.get(jobKey(connectionId, event, order.code))?.orderLastModified, order.last_modified)) stale.push(order);
        }
      }
    } catch (error) {
      // Cut off by the shutdown deadline: nothing was learnt, and the next sweep starts from the same watermark.
      if (this.cutoff.isCut) return previous;
      const failure = classify(error);
      const state: SweepState = { ...previous, lastSweepAt: new Date(this.now()).toISOString(), lastError: failure.message };
      await store.saveSweep(state);
      if (failure.internalError) logger.error({ event, err: failure.internalError }, 'reconcile sweep failed with an internal error');
      else logger.warn({ event, error: state.lastError }, 'reconcile sweep failed');
      // pretix answers 403 (or 404) for an event deleted there: its marketing events are cancelled all the same.
      if (error instanceof PretixForbiddenError || error instanceof PretixUnknownEventError) await this.refreshMarketing(connectionId, event);
      return state;
    }
    const at = this.now();
    // Handed over before the jobs exist: the worker may claim them while the enqueue is still being written.
    for (const order of stale) this.deps.prefetch.put(jobKey(connectionId, event, order.code), order, readAt, at);
    await store.enqueue(stale.map((order) => ({ portalId: connection.portalId, connectionId, event, code: order.code, action: 'reconcile' })), at);
    if (stale.length > 0) this.deps.onQueued();
    const state: SweepState = {
      connectionId,
      event,
      watermark: watermark ?? previous.watermark,
      lastSweepAt: new Date(at).toISOString(),
      lastFound: found,
      lastEnqueued: stale.length,
      lastError: null,
    };
    await store.saveSweep(state);
    if (stale.length > 0) logger.info({ event, found, enqueued: stale.length }, 'reconcile sweep queued changed orders');
    await this.refreshMarketing(connectionId, event);
    return state;
  }

  private async refreshMarketing(connectionId: string, event: string): Promise<void> {
    try {
      await this.deps.refreshMarketingEvents?.(connectionId, event);
    } catch (error) {
      // Tried again at the next sweep; the orders' sweep is done either way.
      if (!this.cutoff.isCut) this.deps.logger.warn({ event, error: classify(error).message }, 'marketing events not refreshed');
    }
  }
}

function emptySweep(connectionId: string, event: string): SweepState {
  return { connectionId, event, watermark: null, lastSweepAt: null, lastFound: 0, lastEnqueued: 0, lastError: null };
}
