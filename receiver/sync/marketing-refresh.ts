// Live marketing-event updates from pretix's event and date notifications (`pretix.event.changed`, `.deleted`,
// `pretix.subevent.*`). The webhook route stores what is due on the event's config (request()) before it answers
// pretix, then kicks this: the refresh runs at once, one at a time per event, and deliveries that arrive meanwhile
// merge into the next run, so a burst of changes costs one HubSpot batch update, not one per delivery. A failed
// refresh stays due and is tried again after a pause; start() picks up what a stopped process left due. The
// reconcile sweep refreshes every event anyway: the safety net for anything this misses.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { classify } from '../domain/errors';
import type { MarketingRefreshDue, Store } from '../store/types';

export interface MarketingRefreshDeps {
  store: Pick<Store, 'getEventConfig' | 'saveEventConfig' | 'listEventConfigs'>;
  /** The marketing-event service's refresh (connections/marketing-event-service.ts). */
  refresh(connectionId: string, event: string, dates: 'all' | number[]): Promise<void>;
  /** Whether pretix no longer has the event (the service's isGone). */
  isGone(connectionId: string, event: string): Promise<boolean>;
  logger: FastifyBaseLogger;
  now?: () => number;
  /** Pause before a failed refresh is tried again (default 30 s, doubling up to 10 min; the sweep comes by anyway). */
  retryMs?: number;
}

/** One refresh covering both: every date wins over some, the dates add up, and any unconditional request makes the
 * refresh unconditional. */
export function mergeDue(current: MarketingRefreshDue | null | undefined, dates: 'all' | number[], requestedAt: string, onlyIfGone = false): MarketingRefreshDue {
  const id = randomUUID();
  const conditional = onlyIfGone && (!current || current.onlyIfGone === true) ? { onlyIfGone: true } : {};
  if (!current) return { requestedAt, id, dates: dates === 'all' ? 'all' : [...new Set(dates)].sort((a, b) => a - b), ...conditional };
  if (current.dates === 'all' || dates === 'all') return { requestedAt, id, dates: 'all', ...conditional };
  return { requestedAt, id, dates: [...new Set([...current.dates, ...dates])].sort((a, b) => a - b), ...conditional };
}

/** A pretix event or date notification, as the webhook route read it. */
export interface EventChange {
  action: string;
  /** null: `pretix.event.deleted` sent through pretix's REST API, which names no event. */
  event: string | null;
  subevent?: number;
}

export type ChangeOutcome = { status: 'queued'; events: string[] } | { status: 'ignored'; reason: string };

const isSubEventAction = (action: string) => action.startsWith('pretix.subevent.');

const keyOf = (connectionId: string, event: string) => `${connectionId}\u0000${event}`;

export class MarketingRefresher {
  private readonly running = new Map<string, Promise<void>>();
  private readonly rerun = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  /** The due field's read-modify-writes of one event, one after another: a request saved between the refresh's read
   * and its clearing would otherwise be wiped out by it. (Across instances the sweep is the net.) */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly deps: MarketingRefreshDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Stores that these dates (or all) need a refresh; false when the event has no settings here. Throws when the
   * store cannot be written (the caller must not acknowledge then). */
  async request(connectionId: string, event: string, dates: 'all' | number[], onlyIfGone = false): Promise<boolean> {
    return this.serialize(connectionId, event, async () => {
      const config = await this.deps.store.getEventConfig(connectionId, event);
      if (!config) return false;
      const at = new Date(this.now()).toISOString();
      await this.deps.store.saveEventConfig({ ...config, marketingRefreshDue: mergeDue(config.marketingRefreshDue, dates, at, onlyIfGone), updatedAt: at });
      return true;
    });
  }

  /** Runs a read-modify-write of the event's config after the others of this process (the refresh's own saves too). */
  serialize<T>(connectionId: string, event: string, work: () => Promise<T>): Promise<T> {
    const key = keyOf(connectionId, event);
    const next = (this.locks.get(key) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }

  /**
   * What a delivery asks for: stored as due (throws when the store cannot be written), to be kicked once pretix has
   * its answer. Events without a marketing event, dates without one yet (a series' dates get theirs on their first
   * order) and events unknown here are ignored.
   */
  async accept(connectionId: string, change: EventChange): Promise<ChangeOutcome> {
    const configs = change.event === null
      ? await this.deps.store.listEventConfigs(connectionId)
      : [await this.deps.store.getEventConfig(connectionId, change.event)].filter((c) => c !== undefined);
    const subevent = change.subevent;
    const dates: 'all' | number[] = isSubEventAction(change.action) && subevent !== undefined ? [subevent] : 'all';
    const targets = configs.filter((c) => {
      if (!c.enabled || !c.marketingEvent?.enabled) return false;
      const stored = Object.values(c.marketingEvents ?? {}).filter((m) => m.state !== 'cancelled');
      return dates === 'all' ? stored.length > 0 : stored.some((m) => m.subeventId === subevent);
    });
    if (targets.length === 0) {
      return { status: 'ignored', reason: dates === 'all' ? 'no marketing event to update for this event' : `date ${subevent} has no marketing event (yet)` };
    }
    // A deletion that names no event (pretix's REST API): each candidate costs one request to find the one gone.
    for (const config of targets) await this.request(connectionId, config.event, dates, change.event === null);
    return { status: 'queued', events: targets.map((c) => c.event) };
  }

  /** Runs the event's due refresh now, or right after the one under way. */
  kick(connectionId: string, event: string): void {
    if (this.stopped) return;
    const key = keyOf(connectionId, event);
    clearTimeout(this.retries.get(key));
    this.retries.delete(key);
    if (this.running.has(key)) {
      this.rerun.add(key);
      return;
    }
    const run = this.run(connectionId, event).finally(() => {
      this.running.delete(key);
      if (this.rerun.delete(key)) this.kick(connectionId, event);
    });
    this.running.set(key, run);
  }

  /** Refreshes what was left due (a restart between the acknowledgement and the refresh). */
  async start(): Promise<void> {
    for (const config of await this.deps.store.listEventConfigs()) {
      if (config.marketingRefreshDue) this.kick(config.connectionId, config.event);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Waits for the refreshes under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private async run(connectionId: string, event: string): Promise<void> {
    const { store, logger } = this.deps;
    try {
      const due = (await store.getEventConfig(connectionId, event))?.marketingRefreshDue;
      if (!due) return;
      if (!due.onlyIfGone || (await this.deps.isGone(connectionId, event))) await this.deps.refresh(connectionId, event, due.dates);
      this.failures.delete(keyOf(connectionId, event));
      await this.serialize(connectionId, event, async () => {
        const fresh = await store.getEventConfig(connectionId, event);
        // A delivery during the refresh asked again (another id): it stays due and the rerun takes it.
        if (fresh?.marketingRefreshDue?.id === due.id) await store.saveEventConfig({ ...fresh, marketingRefreshDue: null });
        else if (fresh?.marketingRefreshDue) this.rerun.add(keyOf(connectionId, event));
      });
    } catch (error) {
      const failure = classify(error);
      if (failure.internalError) logger.error({ event, err: failure.internalError }, 'marketing events not refreshed after a pretix change');
      else logger.warn({ event, error: failure.message }, 'marketing events not refreshed after a pretix change; trying again');
      if (this.stopped) return;
      const key = keyOf(connectionId, event);
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const delay = Math.min((this.deps.retryMs ?? 30_000) * 2 ** (failures - 1), 10 * 60_000);
      const timer = setTimeout(() => {
        this.retries.delete(key);
        this.kick(connectionId, event);
      }, delay);
      timer.unref();
      this.retries.set(key, timer);
    }
  }
}
