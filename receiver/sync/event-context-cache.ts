// The event data the mapping engine needs (event, settings, products, questions, check-in lists) changes
// rarely; loading it for every batch would cost five pretix requests each time. Cached per event for a while.
import type { PretixClientLike } from './ports';
import type { EventContext } from './event-context';

interface Entry {
  loadedAt: number;
  context: Promise<EventContext>;
}

export class EventContextCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(cacheKey: string, client: PretixClientLike, organizer: string, event: string): Promise<EventContext> {
    const cached = this.entries.get(cacheKey);
    if (cached && this.now() - cached.loadedAt < this.ttlMs) return cached.context;
    const context = loadEventContext(client, organizer, event);
    this.entries.set(cacheKey, { loadedAt: this.now(), context });
    // A failed load must not be served from the cache.
    context.catch(() => {
      if (this.entries.get(cacheKey)?.context === context) this.entries.delete(cacheKey);
    });
    return context;
  }

  invalidate(cacheKey: string): void {
    this.entries.delete(cacheKey);
  }
}

export async function loadEventContext(client: PretixClientLike, organizer: string, event: string): Promise<EventContext> {
  const [eventData, settings, items, questions, checkinLists] = await Promise.all([
    client.getEvent(event),
    client.getEventSettings(event),
    client.listItems(event),
    client.listQuestions(event),
    client.listCheckinLists(event),
  ]);
  return { organizer, event: eventData, settings, items, questions, checkinLists };
}
