// Shared by the traffic scenario tests (issue 10): a receiver against the fakes at the real limits (pretix 360/min,
// HubSpot 110/10 s) with the two usual mappings, orders placed the way pretix delivers them (placeOrders), and
// the figures computed from the fakes' own logs: requests each fake received, the most HubSpot requests in any
// 10 s window, 429s, and the lag from pretix's first 2xx for a webhook to the deal's creation time in HubSpot.
import type { PlacedOrder, PlaceOrdersOptions } from '../fakes/pretix';
import { buyerAndDealMappings } from '../helpers/mappings';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

export const HUBSPOT_WINDOW_MS = 10_000;

export interface TrafficFigures {
  orders: number;
  hubspotPerOrder: number;
  pretixPerOrder: number;
  hubspotPeakPerWindow: number;
  hubspot429: number;
  pretix429: number;
  lagMs: { p50: number; p95: number; max: number };
  /** From the first order placed to the last deal created. */
  allSyncedMs: number;
}

export async function startTrafficStack(): Promise<Stack> {
  const stack = await startStack({ pretixRateLimit: { limit: 360, intervalMs: 60_000 } });
  // One webhook, the one enabling the event registers in pretix (as for an organizer), so each order is one delivery.
  const connection = await stack.connect({ webhook: 'none' });
  await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, buyerAndDealMappings());
  if (stack.pretix.webhooks(ORGANIZER).filter((w) => w.enabled).length !== 1) throw new Error('expected the one registered webhook');
  stack.pretix.resetStats();
  stack.hubspot.resetTraffic();
  return stack;
}

const nearestRank = (sorted: number[], p: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;

/** Places the orders, waits until every one is a deal in HubSpot and the queue is empty, and measures. */
export async function placeAndMeasure(stack: Stack, count: number, delivery: PlaceOrdersOptions, timeoutMs = 60_000): Promise<TrafficFigures> {
  const placed: PlacedOrder[] = await stack.pretix.placeOrders(ORGANIZER, EVENT, count, delivery);
  const created = await waitFor(async () => {
    if ((await stack.store.queueCounts()).failed > 0) throw new Error(`a job failed: ${JSON.stringify((await stack.store.listJobs({ state: 'failed' }))[0])}`);
    const byCode = new Map(stack.hubspot.objects(PORTAL_ID, 'deals').map((d) => [String(d.properties.pretix_order_id), Date.parse(d.createdAt)]));
    return placed.every((p) => byCode.has(p.code)) && (await stack.store.listJobs()).length === 0 ? byCode : null;
  }, `all ${count} orders as deals in HubSpot`, timeoutMs);
  const lags = placed.map((p) => {
    if (p.firstAckAt === null) throw new Error(`the webhook for ${p.code} was never answered with 2xx`);
    return created.get(p.code)! - p.firstAckAt;
  });
  const sorted = [...lags].sort((a, b) => a - b);
  const stats = stack.pretix.stats(ORGANIZER);
  return {
    orders: count,
    hubspotPerOrder: stack.hubspot.requestCount({ portalId: PORTAL_ID }) / count,
    pretixPerOrder: stats.total / count,
    hubspotPeakPerWindow: stack.hubspot.maxRequestsInAnyWindow(PORTAL_ID, HUBSPOT_WINDOW_MS),
    hubspot429: stack.hubspot.rateLimitedCount(PORTAL_ID),
    pretix429: stats.throttled,
    lagMs: { p50: nearestRank(sorted, 50), p95: nearestRank(sorted, 95), max: sorted[sorted.length - 1]! },
    allSyncedMs: Math.max(...placed.map((p) => created.get(p.code)!)) - Math.min(...placed.map((p) => p.placedAt)),
  };
}
