// `npm run bench -- scale-traffic`: the traffic table's shapes (bench/traffic.ts) sent through the round-robin proxy to
// one and to three receivers on one PostgreSQL, at the real limits, with the traffic table's two mappings. Behind a
// load balancer each instance hears of about a third of the webhooks while the batches form in the shared queue, so
// this is where a worker that batched only what it heard would show: more HubSpot requests per order, and a lag
// that waits for the portal's window to free up.
import type { PlacedOrder } from '../test/fakes/pretix';
import { buyerAndDealMappings } from '../test/helpers/mappings';
import { EVENT, ORGANIZER, PORTAL_ID } from '../test/helpers/stack';
import type { PostgresReceivers } from '../test/helpers/postgres-receivers';
import { REAL_LIMITS } from './backfill';
import { addOrderWebhook, REAL_ENV, withPostgres } from './scale';
import { measuredTraffic, TRAFFIC_PATTERNS, type TrafficPattern, type TrafficResult } from './traffic';

const HUBSPOT_WINDOW_MS = REAL_LIMITS.hubspot.intervalMs;

/** Each placed order's deal creation time in the fake HubSpot, once every order has one and the queue is empty. */
async function waitForDeals(world: PostgresReceivers, placed: PlacedOrder[], timeoutMs: number): Promise<Map<string, number>> {
  const started = Date.now();
  for (;;) {
    const created = new Map<string, number>();
    for (const deal of world.hubspot.objects(PORTAL_ID, 'deals')) created.set(String(deal.properties.pretix_order_id), Date.parse(deal.createdAt));
    if (placed.every((order) => created.has(order.code))) {
      const { queue } = await world.admin.get<{ queue: { pending: number; inFlight: number; failed: number } }>('/status');
      if (queue.failed > 0) throw new Error(`${queue.failed} jobs failed`);
      if (queue.pending + queue.inFlight === 0) return created;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`not synced within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function runScaleTrafficPattern(pattern: TrafficPattern, instances: number): Promise<TrafficResult> {
  return withPostgres(instances, REAL_ENV, REAL_LIMITS.hubspot, async (world) => {
    await world.admin.put(`${world.eventPath}/mappings?enable=true`, buyerAndDealMappings());
    addOrderWebhook(world.pretix, world.connection.webhookUrl);
    // The set-up's requests leave the window before the orders come (as bench/backfill.ts does).
    await new Promise((resolve) => setTimeout(resolve, HUBSPOT_WINDOW_MS + 200));
    world.pretix.resetStats();
    world.hubspot.resetTraffic();
    if (pattern.idleBeforeMs) await new Promise((resolve) => setTimeout(resolve, pattern.idleBeforeMs));
    const placed = await world.pretix.placeOrders(ORGANIZER, EVENT, pattern.orders, pattern.delivery);
    const created = await waitForDeals(world, placed, 180_000);
    const result = measuredTraffic(pattern, placed, created, world.pretix, world.hubspot, { organizer: ORGANIZER, portalId: PORTAL_ID });
    return { ...result, pattern: { ...pattern, name: `${pattern.name}, ${instances} instance${instances === 1 ? '' : 's'}` } };
  });
}

/** Every traffic pattern with one instance, then with three: the rows side by side. */
export async function runScaleTrafficBenchmark(patterns = TRAFFIC_PATTERNS, counts = [1, 3]): Promise<TrafficResult[]> {
  const results: TrafficResult[] = [];
  for (const pattern of patterns) for (const instances of counts) results.push(await runScaleTrafficPattern(pattern, instances));
  return results;
}
