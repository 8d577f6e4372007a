// Orders the reconcile sweep already holds from the order list, handed to the worker with the jobs it enqueues,
// so that a sweep costs its list pages and nothing more. Only a hint: entries are used while the job has seen no
// other trigger since, expire after a few minutes, and are gone after a restart (the worker then fetches).
import type { PretixOrder } from '../pretix/schemas';
import type { SyncJob } from '../store/types';

interface Entry {
  order: PretixOrder;
  trigger: number;
  storedAt: number;
}

export class OrderPrefetch {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `trigger` is the job's lastTriggeredAt right after the sweep enqueued it. */
  put(jobKey: string, order: PretixOrder, trigger: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(jobKey, { order, trigger, storedAt: this.now() });
  }

  /** The prefetched order if it still describes what the job asks for; removes it either way. */
  take(job: SyncJob): PretixOrder | undefined {
    const entry = this.entries.get(job.key);
    if (!entry) return undefined;
    this.entries.delete(job.key);
    const fresh = this.now() - entry.storedAt <= this.ttlMs;
    const untouched = job.lastTriggeredAt === entry.trigger && job.triggers.every((t) => t === 'reconcile');
    return fresh && untouched ? entry.order : undefined;
  }

  get size(): number {
    return this.entries.size;
  }
}
