// Orders already read from the order list, kept for a few minutes so that the job that wants one need not fetch
// it again: orders the reconcile sweep found changed, and orders a burst's list pages returned before their own
// webhook arrived. Only a hint, used when it is at least as new as what the job asks for: read after the job's
// last trigger (pretix sends a webhook after its change is committed), or handed over by the sweep together with
// the job it queued. Gone after a restart; the worker then fetches.
import type { PretixOrder } from '../pretix/schemas';
import type { SyncJob } from '../store/types';

interface Entry {
  order: PretixOrder;
  /** When the request that returned the order was sent. */
  readAt: number;
  /** The sweep's job: its lastTriggeredAt right after the sweep queued it. */
  sweepTrigger?: number;
}

export class OrderPrefetch {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  put(jobKey: string, order: PretixOrder, readAt: number, sweepTrigger?: number): void {
    this.entries.delete(jobKey); // re-insert at the end: eviction goes oldest first
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(jobKey, { order, readAt, sweepTrigger });
  }

  /** The kept order if it is at least as new as what the job asks for; removes it either way. */
  take(job: SyncJob): PretixOrder | undefined {
    const entry = this.entries.get(job.key);
    if (!entry) return undefined;
    this.entries.delete(job.key);
    if (this.now() - entry.readAt > this.ttlMs) return undefined;
    const readAfterTrigger = entry.readAt >= job.lastTriggeredAt;
    const sweepsOwnJob = entry.sweepTrigger === job.lastTriggeredAt && job.triggers.every((t) => t === 'reconcile');
    return readAfterTrigger || sweepsOwnJob ? entry.order : undefined;
  }
}
