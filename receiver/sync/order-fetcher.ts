// Fetches the orders a batch of jobs refers to. A burst of webhooks for one event is served from the order list
// (50 orders a request, filtered by modified_since) instead of one request per order; stragglers and small
// batches use the order detail endpoint. The webhook body is never trusted: only what pretix returns counts.
//
// Where in the list the wanted orders are: pretix sends webhooks in the order it changed the orders, so a batch's
// orders come right after the ones the previous batch of the event synced. With that point known (`resumeFrom`,
// the newest last_modified the previous batch saw), the list is read oldest first from there. Without it (the first
// batch after a start), newest first: the orders a webhook just announced are usually the most recently modified
// ones. When the newest page holds nothing the batch or any waiting job wants, the announcements are running
// behind pretix (a queue backlog): the batch's orders are the older ones, so it reads oldest first instead.
import type { PretixOrder } from '../pretix/schemas';
import type { PretixClientLike } from './ports';

export interface FetchOrdersOptions {
  /** From this many wanted orders on, listing pays off over single fetches. */
  listThreshold?: number;
  /** How far before the first trigger an order may have been modified (clock skew, a delayed webhook queue). */
  skewMs?: number;
  /** Jobs triggered longer ago than this are fetched one by one: listing from far back would read too much. */
  listWindowMs?: number;
  /** The newest last_modified the previous batch of this event saw (ms): the list is read oldest first from there. */
  resumeFrom?: number;
  /** Margin before `resumeFrom` for orders changed at nearly the same time whose webhooks crossed (default 0: such an
   * order is fetched on its own, which costs less than re-reading the orders the margin would cover). */
  resumeSlackMs?: number;
  /** Whether a job other than the wanted ones waits for this order (an order the list returns early is kept for it). */
  awaited?: (code: string) => boolean | Promise<boolean>;
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
  /** The newest last_modified among the orders the list served (the wanted ones, and those kept for waiting jobs),
   * in ms: the next batch's listing resumes from there. */
  newestModified: number | null;
}

export async function fetchOrders(
  client: PretixClientLike,
  event: string,
  wanted: WantedOrder[],
  now: () => number,
  options: FetchOrdersOptions = {},
): Promise<FetchedOrders> {
  const { listThreshold = 3, skewMs = 5 * 60_000, listWindowMs = 6 * 3_600_000, resumeSlackMs = 0 } = options;
  const orders = new Map<string, PretixOrder | null>();
  const others: FetchedOrders['others'] = [];
  let requests = 0;
  let newestModified: number | null = null;
  const recent = wanted.filter((w) => now() - w.firstTriggeredAt <= listWindowMs);

  if (recent.length >= listThreshold) {
    const missing = new Set(recent.map((w) => w.code));
    const earliest = Math.min(...recent.map((w) => w.firstTriggeredAt)) - skewMs;
    /** Reads pages until nothing is missing or another page would cost more than single fetches; false when the
     * first page held nothing anybody waits for (with `stopWhenUseless`). */
    const walk = async (modifiedSince: number, ordering: string, stopWhenUseless: boolean): Promise<boolean> => {
      let first = true;
      for await (const page of client.listOrders(event, { modifiedSince: new Date(modifiedSince).toISOString(), ordering })) {
        const readAt = now();
        requests += 1;
        let useful = 0;
        for (const order of page.orders) {
          let served = false;
          if (missing.delete(order.code)) {
            orders.set(order.code, order);
            served = true;
          } else if (!orders.has(order.code)) {
            others.push({ order, readAt });
            served = (await options.awaited?.(order.code)) ?? false;
          }
          if (!served) continue;
          useful += 1;
          const modified = Date.parse(order.last_modified);
          if (Number.isFinite(modified)) newestModified = Math.max(newestModified ?? modified, modified);
        }
        if (first && stopWhenUseless && useful === 0) return false;
        first = false;
        // Another page is worth it while it costs less than fetching the still missing orders one by one.
        if (missing.size === 0 || requests >= missing.size) break;
      }
      return true;
    };

    if (options.resumeFrom !== undefined) {
      // Nothing useful where the last batch ended (orders changed behind its back): look from the newest end.
      if (!(await walk(Math.max(earliest, options.resumeFrom - resumeSlackMs), 'last_modified', true)) && missing.size > 0) {
        await walk(earliest, '-last_modified', false);
      }
    } else if (!(await walk(earliest, '-last_modified', true)) && missing.size > 0) {
      await walk(earliest, 'last_modified', false);
    }
  }

  for (const { code } of wanted) {
    if (orders.has(code)) continue;
    requests += 1;
    const order = await client.getOrder(event, code);
    orders.set(code, order);
  }
  return { orders, others, requests, newestModified };
}
