// The orders of one event: a compact index for filtering and sorting, full JSON only for orders that were added or
// changed by hand (generated ones are rebuilt on demand, see generate.ts). Filtered and sorted views are cached
// per query until the next change, so paging through 100,000 orders costs one sort, not one per page.
import { type GenBatch, materialize, type OrderStatus } from './generate';
import type { Json } from './types';

interface OrderEntry {
  /** Insertion order; pretix's primary key, the tie-breaker of every ordering. */
  pk: number;
  code: string;
  /** Lower-cased, for the case-insensitive `email` filter. */
  email: string;
  status: string;
  testmode: boolean;
  datetimeMs: number;
  lastModifiedMs: number;
  stored?: Json;
  /** Set for generated, unchanged orders (flat rather than nested: one object less per order). */
  batch?: GenBatch;
  index: number;
  sequence: number;
}

export interface OrderQuery {
  code?: string;
  email?: string;
  status?: string;
  testmode?: boolean;
  modifiedSinceMs?: number;
  /** `datetime`, `code`, `last_modified`, `status`, each optionally with a leading `-`. */
  ordering: string;
}

const SORT_KEYS: Record<string, (e: OrderEntry) => number | string> = {
  datetime: (e) => e.datetimeMs,
  code: (e) => e.code,
  last_modified: (e) => e.lastModifiedMs,
  status: (e) => e.status,
};
export const ORDERING_FIELDS = Object.keys(SORT_KEYS);

const MAX_CACHED_VIEWS = 8;

export class OrderStore {
  private readonly entries: OrderEntry[] = [];
  private readonly byCode = new Map<string, OrderEntry>();
  private readonly views = new Map<string, OrderEntry[]>();

  /** `nextPk`: pretix's primary keys count across all events of an installation; pass one counter per fake so that
   * the organizer-wide list breaks ties like pretix does. */
  constructor(private readonly nextPk: () => number = counter()) {}

  get size(): number {
    return this.entries.length;
  }

  has(code: string): boolean {
    return this.byCode.has(upper(code));
  }

  newestDatetimeMs(): number | null {
    let newest: number | null = null;
    for (const e of this.entries) newest = newest === null ? e.datetimeMs : Math.max(newest, e.datetimeMs);
    return newest;
  }

  addStored(order: Json): void {
    const code = String(order.code);
    if (this.has(code)) throw new Error(`fake pretix: order ${code} exists already`);
    this.insert({ pk: this.nextPk(), code, ...summaryOf(order), stored: order, index: 0, sequence: 0 });
  }

  addGenerated(
    batch: GenBatch,
    index: number,
    sequence: number,
    summary: { code: string; email: string; status: OrderStatus; testmode: boolean; datetimeMs: number; lastModifiedMs: number },
  ): void {
    // Generated codes and emails are already upper/lower case: no copies.
    this.insert({ pk: this.nextPk(), ...summary, batch, index, sequence });
  }

  private insert(entry: OrderEntry): void {
    this.entries.push(entry);
    this.byCode.set(upper(entry.code), entry);
    this.views.clear();
  }

  /** The full order (all positions, canceled ones included). Shared with the store: copy before changing it. */
  get(code: string): Json | undefined {
    const entry = this.byCode.get(upper(code));
    return entry && full(entry);
  }

  /** Replaces an order's JSON (after `mutate`) and sets `last_modified`, as pretix does on every change. */
  replace(code: string, order: Json, lastModifiedMs: number): void {
    const entry = this.byCode.get(upper(code));
    if (!entry) throw new Error(`fake pretix: no order ${code}`);
    const bumped = Math.max(lastModifiedMs, entry.lastModifiedMs + 1);
    order.last_modified = new Date(bumped).toISOString();
    Object.assign(entry, summaryOf(order), { stored: order, batch: undefined });
    this.views.clear();
  }

  page(query: OrderQuery, offset: number, size: number): { count: number; orders: Json[] } {
    const view = this.view(query);
    return { count: view.length, orders: view.slice(offset, offset + size).map(full) };
  }

  /** @internal The filtered, sorted entries, for mergedPage. */
  view(query: OrderQuery): OrderEntry[] {
    const key = JSON.stringify(query);
    const cached = this.views.get(key);
    if (cached) return cached;
    const code = query.code?.toUpperCase();
    const email = query.email?.toLowerCase();
    const status = query.status?.toLowerCase();
    const result = this.entries.filter(
      (e) =>
        (code === undefined || upper(e.code) === code) &&
        (email === undefined || e.email === email) &&
        (status === undefined || e.status === status) &&
        (query.testmode === undefined || e.testmode === query.testmode) &&
        (query.modifiedSinceMs === undefined || e.lastModifiedMs >= query.modifiedSinceMs),
    );
    result.sort(comparator(query.ordering));
    if (this.views.size >= MAX_CACHED_VIEWS) this.views.delete(this.views.keys().next().value!);
    this.views.set(key, result);
    return result;
  }
}

/**
 * The organizer-wide list (`/organizers/{o}/orders/`): one query over the orders of several events, sorted as one
 * list. Each event's view is cached by its store; only the merge is done per request.
 */
export function mergedPage(stores: OrderStore[], query: OrderQuery, offset: number, size: number): { count: number; orders: Json[] } {
  const views = stores.map((store) => store.view(query));
  const count = views.reduce((sum, view) => sum + view.length, 0);
  if (size === 0) return { count, orders: [] };
  const all = views.length === 1 ? views[0]! : views.flat().sort(comparator(query.ordering));
  return { count, orders: all.slice(offset, offset + size).map(full) };
}

function comparator(ordering: string): (a: OrderEntry, b: OrderEntry) => number {
  const descending = ordering.startsWith('-');
  const sortKey = SORT_KEYS[descending ? ordering.slice(1) : ordering] ?? SORT_KEYS.datetime!;
  const sign = descending ? -1 : 1;
  // pretix's TotalOrderingFilter adds the primary key so that pages never overlap or skip on ties.
  return (a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    if (ka < kb) return -sign;
    if (ka > kb) return sign;
    return (a.pk - b.pk) * sign;
  };
}

export function counter(): () => number {
  let next = 1;
  return () => next++;
}

function full(entry: OrderEntry): Json {
  return entry.stored ?? materialize(entry.batch!, entry.index, entry.sequence);
}

const upper = (code: string) => (/[a-z]/.test(code) ? code.toUpperCase() : code);

function summaryOf(order: Json): Pick<OrderEntry, 'email' | 'status' | 'testmode' | 'datetimeMs' | 'lastModifiedMs'> {
  const datetimeMs = Date.parse(String(order.datetime));
  const lastModifiedMs = Date.parse(String(order.last_modified));
  if (Number.isNaN(datetimeMs) || Number.isNaN(lastModifiedMs)) {
    throw new Error(`fake pretix: order ${String(order.code)} needs ISO datetime and last_modified`);
  }
  return {
    email: typeof order.email === 'string' ? order.email.toLowerCase() : '',
    status: String(order.status),
    testmode: order.testmode === true,
    datetimeMs,
    lastModifiedMs,
  };
}
