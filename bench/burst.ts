// A burst of order webhooks for one event with two mappings (Order → contacts by email; Order → deals by
// pretix_order_id, associated with the contact) against the loopback fakes enforcing pretix Hosted's
// 360 requests/min and HubSpot's 110 requests/10 s. Measures seconds until every order is in HubSpot and the
// requests spent per order on each side.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminTokenFor, buildApp } from '../receiver/app';
import { createAdminClient } from '../receiver/cli/admin-client';
import { ORDER_ACTIONS } from '../receiver/cli/commands';
import { loadConfig } from '../receiver/config';
import type { PublicConnection } from '../receiver/connections/connection-service';
import { openLowdbStore } from '../receiver/store/lowdb-store';
import { createSecretBox } from '../receiver/store/secrets';
import { startFakeHubSpot } from '../test/fakes/hubspot';
import { startFakePretix } from '../test/fakes/pretix';
import { buyerAndDealMappings, defineOrderIdProperty } from '../test/helpers/mappings';

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
  const dir = await mkdtemp(join(tmpdir(), 'bench-burst-'));
  const pretix = await startFakePretix({ rateLimit: { limit: 360, intervalMs: 60_000 }, maxRecordedRequests: 100 });
  pretix.seedFromFixtures();
  pretix.addToken(TOKEN, { organizer: 'acmecorp', permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
  const hubspot = await startFakeHubSpot({ rateLimit: { limit: 110, intervalMs: 10_000 }, recordBodies: false });
  hubspot.addStaticToken('hs-bench', PORTAL);
  defineOrderIdProperty(hubspot, PORTAL);

  const config = loadConfig({
    DATA_FILE: join(dir, 'state.json'),
    SECRET_KEY: 'b'.repeat(40),
    LOG_LEVEL: 'silent',
    HUBSPOT_API_URL: hubspot.url,
    HUBSPOT_ACCESS_TOKEN: 'hs-bench',
    HUBSPOT_PORTAL_ID: PORTAL,
  });
  const store = await openLowdbStore(config.dataFile);
  const secrets = createSecretBox('b'.repeat(40));
  const { server, services } = await buildApp({ config, store, secrets });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  services.worker.start();
  const admin = createAdminClient(url, adminTokenFor(secrets));
  try {
    const { connection } = await admin.post<{ connection: PublicConnection }>('/connections', { portalId: PORTAL, baseUrl: pretix.url, organizer: 'acmecorp', apiToken: TOKEN });
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
    await server.close();
    await services.worker.stop();
    await store.close();
    await Promise.all([pretix.close(), hubspot.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}
