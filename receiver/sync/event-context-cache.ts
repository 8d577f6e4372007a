// The event data the mapping engine needs (event, settings, products, questions, check-in lists) changes
// rarely; loading it for every batch would cost five pretix requests each time. Cached per event for a while, in this
// process and, with several instances on PostgreSQL, in the cache they share (lib/shared-cache.ts): an instance that
// starts, or that has not yet synced an event, takes what another fetched rather than fetching it again.
import { z } from 'zod';
import type { SharedCache } from '../lib/shared-cache';
import { checkinListSchema, eventSchema, eventSettingsSchema, itemSchema, questionSchema } from '../pretix/schemas';
import type { PretixClientLike } from './ports';
import type { EventContext } from './event-context';

interface Entry {
  loadedAt: number;
  context: Promise<EventContext>;
}

/** What another instance stored, checked before use: a value of an older shape counts as none. */
const storedContextSchema = z.looseObject({
  organizer: z.string(),
  event: eventSchema,
  settings: eventSettingsSchema,
  items: z.array(itemSchema),
  questions: z.array(questionSchema),
  checkinLists: z.array(checkinListSchema),
});

export interface EventContextCacheOptions {
  ttlMs?: number;
  now?: () => number;
  /** Shared with the other instances. */
  shared?: SharedCache;
  /** The shared cache failed to answer or to store: the data is fetched from pretix (or kept) here alone. */
  onSharedError?: (error: unknown) => void;
}

export class EventContextCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: EventContextCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  get(cacheKey: string, client: PretixClientLike, organizer: string, event: string): Promise<EventContext> {
    const cached = this.entries.get(cacheKey);
    if (cached && this.now() - cached.loadedAt < this.ttlMs) return cached.context;
    // In the map before anything is awaited: callers asking meanwhile share this one load.
    const entry: Entry = { loadedAt: this.now(), context: Promise.resolve(undefined as never) };
    entry.context = this.load(cacheKey, client, organizer, event, entry);
    this.entries.set(cacheKey, entry);
    // A failed load must not be served from the cache.
    entry.context.catch(() => {
      if (this.entries.get(cacheKey) === entry) this.entries.delete(cacheKey);
    });
    return entry.context;
  }

  /** Forgets the event's data here and in the shared cache, so that the next get fetches it from pretix. */
  async invalidate(cacheKey: string): Promise<void> {
    this.entries.delete(cacheKey);
    await this.options.shared?.remove(sharedKey(cacheKey)).catch((error: unknown) => this.options.onSharedError?.(error));
  }

  private async load(cacheKey: string, client: PretixClientLike, organizer: string, event: string, entry: Entry): Promise<EventContext> {
    const shared = this.options.shared;
    const onSharedError = (error: unknown) => this.options.onSharedError?.(error);
    if (shared) {
      const stored = await shared.read(sharedKey(cacheKey)).catch((error: unknown) => (onSharedError(error), null));
      const parsed = stored && stored.ageMs < this.ttlMs ? storedContextSchema.safeParse(stored.value) : null;
      if (stored && parsed?.success) {
        // As old here as it is there: it expires for every instance at the same moment.
        entry.loadedAt = this.now() - stored.ageMs;
        return parsed.data as EventContext;
      }
    }
    const context = await loadEventContext(client, organizer, event);
    await shared?.write(sharedKey(cacheKey), context).catch(onSharedError);
    return context;
  }
}

const sharedKey = (cacheKey: string) => `event-context:${cacheKey}`;

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
