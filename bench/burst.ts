// A burst of order webhooks for one event with two mappings (Order → contacts by email; Order → deals by
// pretix_order_id, associated with the contact) against the loopback fakes enforcing pretix Hosted's
// 360 requests/min and HubSpot's 110 requests/10 s. Measures seconds until every order is in HubSpot and the
// requests spent per order on each side.
import { ORDER_ACTIONS } from '../receiver/cli/commands';
import { buyerAndDealMappings } from '../test/helpers/mappings';
import { startSingleReceiverStack } from './single-receiver-stack';

export interface BurstResult {
  orders: number;
  seconds: number;
  hubspotRequestsPerOrder: number;
  pretixRequestsPerOrder: number;
  hubspot429: number;
  pretix429: number;
  hubspotMaxInWindow: number;
  pretixMaxInWindow: number;
}

const PORTAL = '777';
const TOKEN = 'p'.repeat(64);

export async function runBurstBenchmark(orders = 1000): Promise<BurstResult> {
  const stack = await startSingleReceiverStack({ portalId: PORTAL, pretixToken: TOKEN, secretKey: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', tempPrefix: 'bench-burst-' });
  const { pretix, hubspot, config, store, url, admin, connection } = stack;
  try {
    await admin.put(`/connections/${connection.id}/events/democon/mappings?enable=true`, buyerAndDealMappings());
    const webhookUrl = connection.webhookUrl.replace(config.publicUrl, url);
    pretix.addWebhook('acmecorp', { target_url: webhookUrl, all_events: true, limit_events: [], action_types: ORDER_ACTIONS });
    // Orders placed just now, as the webhooks say: their last_modified is what the order list's modified_since sees.
    // (placed and pending payment, so last_modified is their creation time).
    const codes = pretix.generateOrders('acmecorp', 'democon', orders, { startDate: new Date(Date.now() - 30_000), spacingMs: 20, status: 'n' });
    pretix.resetStats();
    hubspot.resetTraffic();

    const started = performance.now();
    let next = 0;
    let notification = 0;
    // Sixteen concurrent deliveries, like pretix's webhook workers under load.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < codes.length) {
          const code = codes[next++]!;
          notification += 1;
          const response = await fetch(webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ notification_id: notification, organizer: 'acmecorp', event: 'democon', code, action: 'pretix.event.order.placed' }),
          });
          if (!response.ok) throw new Error(`webhook answered ${response.status}`);
        }
      }),
    );
    const wanted = new Set(codes);
    for (;;) {
      const deals = hubspot.objects(PORTAL, 'deals');
      if (deals.filter((d) => wanted.has(String(d.properties.pretix_order_id))).length === wanted.size && (await store.listJobs()).length === 0) break;
      if ((await store.queueCounts()).failed > 0) throw new Error(`sync failed: ${JSON.stringify((await store.listJobs({ state: 'failed' }))[0])}`);
      if (performance.now() - started > 180_000) throw new Error('burst not synced within 180 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const pretixStats = pretix.stats('acmecorp');
    return {
      orders,
      seconds,
      hubspotRequestsPerOrder: hubspot.requestCount({ portalId: PORTAL }) / orders,
      pretixRequestsPerOrder: pretixStats.total / orders,
      hubspot429: hubspot.rateLimitedCount(PORTAL),
      pretix429: pretixStats.throttled,
      hubspotMaxInWindow: hubspot.maxRequestsInAnyWindow(PORTAL),
      pretixMaxInWindow: pretix.maxRequestsInAnyWindow('acmecorp'),
    };
  } finally {
    await stack.stop();
  }
}
