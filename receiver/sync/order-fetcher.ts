// Fetches the orders a batch of jobs refers to. A burst of webhooks for one event is served from the order list
// (50 orders a request, filtered by modified_since) instead of one request per order; stragglers and small
// batches use the order detail endpoint. The webhook body is never trusted: only what pretix returns counts.
import type { PretixOrder } from '../pretix/schemas';
import type { PretixClientLike } from './ports';

export interface FetchOrdersOptions {
  /** From this many wanted orders on, listing pays off over single fetches. */
  listThreshold?: number;
  /** How far before the first trigger an order may have been modified (clock skew between pretix and us). */
  skewMs?: number;
  /** Jobs triggered longer ago than this are fetched one by one: listing from far back would read too much. */
  listWindowMs?: number;
}

export interface WantedOrder {
  code: string;
  firstTriggeredAt: number;
}

export interface FetchedOrders {
  orders: Map<string, PretixOrder | null>;
  /** Orders the list returned that no job asked for yet (their webhooks may be on the way), with when they were read. */
  others: { order: PretixOrder; readAt: number }[];
  requests: number;
}

export async function fetchOrders(
  client: PretixClientLike,
  event: string,
  wanted: WantedOrder[],
  now: () => number,
  options: FetchOrdersOptions = {},
): Promise<FetchedOrders> {
  const { listThreshold = 3, skewMs = 5 * 60_000, listWindowMs = 6 * 3_600_000 } = options;
  const orders = new Map<string, PretixOrder | null>();
  const others: FetchedOrders['others'] = [];
  let requests = 0;
  const recent = wanted.filter((w) => now() - w.firstTriggeredAt <= listWindowMs);

  if (recent.length >= listThreshold) {
    const missing = new Set(recent.map((w) => w.code));
    const since = new Date(Math.min(...recent.map((w) => w.firstTriggeredAt)) - skewMs).toISOString();
    let readAt = now();
    // Newest first: the orders a webhook just announced are the most recently modified ones.
    for await (const page of client.listOrders(event, { modifiedSince: since, ordering: '-last_modified' })) {
      requests += 1;
      for (const order of page.orders) {
        if (missing.delete(order.code)) orders.set(order.code, order);
        else others.push({ order, readAt });
      }
      // Another page is worth it while it costs less than fetching the still missing orders one by one.
      if (missing.size === 0 || requests >= missing.size) break;
      readAt = now();
    }
  }

  for (const { code } of wanted) {
    if (orders.has(code)) continue;
    requests += 1;
    orders.set(code, await client.getOrder(event, code));
  }
  return { orders, others, requests };
}
