// A receiver killed with SIGKILL during a backfill continues after the restart from its last finished page:
// every order ends up in HubSpot exactly once, and the pages before the resume point are not read again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTokenFor } from '../../receiver/app';
import { createAdminClient, type AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { createSecretBox } from '../../receiver/store/secrets';
import type { BackfillProgressView } from '../../receiver/sync/backfill';
import { startFakeHubSpot, type FakeHubSpot } from '../fakes/hubspot';
import { startFakePretix, type FakePretix } from '../fakes/pretix';
import { freePort } from '../helpers/free-port';
import { startReceiverProcess, type ReceiverProcess } from '../helpers/receiver-process';
import { defineExampleProperties, EVENT, HUBSPOT_TOKEN, ORGANIZER, PORTAL_ID, PRETIX_TOKEN, SECRET_KEY } from '../helpers/stack';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from './mappings';

describe('backfill across a SIGKILL', () => {
  let pretix: FakePretix;
  let hubspot: FakeHubSpot;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  let receiver: ReceiverProcess;
  let admin: AdminClient;
  let path: string;
  let codes: string[];

  beforeAll(async () => {
    pretix = await startFakePretix();
    pretix.seedFromFixtures();
    pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
    hubspot = await startFakeHubSpot({ rateLimit: { limit: Infinity, intervalMs: 10_000 }, latencyMs: 60, recordBodies: false });
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
    admin = createAdminClient(receiver.url, adminTokenFor(createSecretBox(SECRET_KEY)));
    const { connection } = await admin.post<{ connection: PublicConnection }>('/connections', {
      portalId: PORTAL_ID,
      baseUrl: pretix.url,
      organizer: ORGANIZER,
      apiToken: PRETIX_TOKEN,
    });
    path = `/connections/${connection.id}/events/${EVENT}`;
    await admin.put(`${path}/mappings`, exampleMappingsBody());
    codes = pretix.generateOrders(ORGANIZER, EVENT, 3_000, { secondPositionRate: 0 });
  }, 60_000);

  afterAll(async () => {
    await receiver?.kill();
    await Promise.all([pretix?.close(), hubspot?.close()]);
    await dir?.remove();
  });

  it('resumes from the last finished page without duplicates or gaps', async () => {
    await admin.post(`${path}/backfill`);
    const before = await waitFor(async () => {
      const { backfill } = await admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`);
      return backfill.nextPage >= 8 ? backfill : null;
    }, 'some pages done', 60_000, 20);
    await receiver.kill('SIGKILL');
    expect(before.state).toBe('running');
    const listRequestsBefore = pretix.requests.filter((r) => r.kind === 'orderList').length;

    receiver = await startReceiverProcess(env);
    admin = createAdminClient(receiver.url, adminTokenFor(createSecretBox(SECRET_KEY)));
    const { backfill } = await waitFor(async () => {
      const progress = await admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`);
      return progress.backfill.state === 'done' ? progress : null;
    }, 'backfill done after restart', 90_000, 100);
    expect(receiver.output()).toMatch(/resumed 1 backfill/);

    // The first list request after the restart asked for a page past 1: the last one persisted before the kill
    // (at most the one observed, since the observation can be ahead of the disk by a write or two).
    const afterRestart = pretix.requests.filter((r) => r.kind === 'orderList').slice(listRequestsBefore);
    const firstPage = Number(new URLSearchParams(afterRestart[0]!.query).get('page'));
    expect(firstPage).toBeGreaterThan(1);
    expect(firstPage).toBeLessThanOrEqual(before.nextPage);
    expect(afterRestart.length).toBe(Math.ceil((codes.length + 2) / 50) - firstPage + 1);

    const deals = hubspot.objects(PORTAL_ID, 'deals').map((d) => d.properties.pretix_order_id);
    expect(deals.length).toBe(new Set(deals).size);
    const all = new Set(deals);
    for (const code of [...codes, 'Q7X3M', 'R2D9K']) expect(all.has(code)).toBe(true);
    expect(backfill.total).toBe(codes.length + 2);
  }, 150_000);
});
