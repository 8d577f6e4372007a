// The receiver is killed with SIGKILL in the middle of a burst of webhooks and started again: every order whose
// webhook was acknowledged with 2xx ends up in HubSpot, and none twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTokenFor } from '../../receiver/app';
import { createAdminClient } from '../../receiver/cli/admin-client';
import { ORDER_ACTIONS } from '../../receiver/cli/commands';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { createSecretBox } from '../../receiver/store/secrets';
import { startFakeHubSpot, type FakeHubSpot } from '../fakes/hubspot';
import { startFakePretix, type FakePretix } from '../fakes/pretix';
import { freePort } from '../helpers/free-port';
import { startReceiverProcess, type ReceiverProcess } from '../helpers/receiver-process';
import { defineExampleProperties, EVENT, HUBSPOT_TOKEN, ORGANIZER, PORTAL_ID, PRETIX_TOKEN, SECRET_KEY } from '../helpers/stack';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from './mappings';

describe('SIGKILL in the middle of a burst', () => {
  let pretix: FakePretix;
  let hubspot: FakeHubSpot;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  let receiver: ReceiverProcess;
  let connection: PublicConnection;
  const acknowledged = new Set<string>();

  beforeAll(async () => {
    pretix = await startFakePretix();
    pretix.seedFromFixtures();
    pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
    // A slow HubSpot keeps jobs in flight when the kill lands.
    hubspot = await startFakeHubSpot({ rateLimit: { limit: 110, intervalMs: 10_000 }, latencyMs: 40 });
    hubspot.addStaticToken(HUBSPOT_TOKEN, PORTAL_ID);
    defineExampleProperties(hubspot);
    dir = await tempDir();
    const port = await freePort();
    env = {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_FILE: `${dir.path}/state.json`,
      SECRET_KEY,
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
      HUBSPOT_PORTAL_ID: PORTAL_ID,
      LOG_LEVEL: 'warn',
    };
    receiver = await startReceiverProcess(env);
    const admin = createAdminClient(receiver.url, adminTokenFor(createSecretBox(SECRET_KEY)));
    ({ connection } = await admin.post<{ connection: PublicConnection }>('/connections', {
      portalId: PORTAL_ID,
      baseUrl: pretix.url,
      organizer: ORGANIZER,
      apiToken: PRETIX_TOKEN,
    }));
    await admin.put(`/connections/${connection.id}/events/${EVENT}/mappings`, exampleMappingsBody());
    pretix.addWebhook(ORGANIZER, { target_url: connection.webhookUrl, all_events: true, action_types: ORDER_ACTIONS });
  }, 60_000);

  afterAll(async () => {
    await receiver?.kill();
    await Promise.all([pretix?.close(), hubspot?.close()]);
    await dir?.remove();
  });

  it('syncs every acknowledged order after a restart', async () => {
    const codes = pretix.generateOrders(ORGANIZER, EVENT, 400);
    let notification = 1_000;
    const send = async (code: string) => {
      const body = JSON.stringify({ notification_id: notification++, organizer: ORGANIZER, event: EVENT, code, action: 'pretix.event.order.placed' });
      const response = await fetch(connection.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => null);
      if (response?.ok) acknowledged.add(code);
    };
    // Eight senders in parallel, like a busy pretix; the kill lands while they are still sending.
    let next = 0;
    const senders = Array.from({ length: 8 }, async () => {
      while (next < codes.length) await send(codes[next++]!);
    });
    await waitFor(() => acknowledged.size >= 150, '150 acknowledged', 30_000, 5);
    await receiver.kill('SIGKILL');
    await Promise.all(senders);
    expect(acknowledged.size).toBeGreaterThanOrEqual(150);
    expect(acknowledged.size).toBeLessThan(codes.length); // the kill really interrupted the burst

    receiver = await startReceiverProcess(env);
    await waitFor(() => {
      const synced = new Set(hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id));
      return [...acknowledged].every((code) => synced.has(code));
    }, 'every acknowledged order in HubSpot', 60_000, 100);
    const deals = hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id);
    expect(deals.length).toBe(new Set(deals).size); // no duplicates
  }, 120_000);
});
