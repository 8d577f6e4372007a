// The in-process setup the burst and check-in benchmarks share: the loopback fakes at the real limits (pretix
// 360/min, HubSpot 110/10 s), one receiver on a lowdb file in a temp dir with its worker running, and one connection
// of it to the fake pretix's organizer. Each benchmark then maps its event and sends its own traffic.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminTokenFor, buildApp } from '../receiver/app';
import { createAdminClient, type AdminClient } from '../receiver/cli/admin-client';
import { loadConfig, type Config } from '../receiver/config';
import type { PublicConnection } from '../receiver/connections/connection-service';
import { openLowdbStore } from '../receiver/store/lowdb-store';
import { createSecretBox } from '../receiver/store/secrets';
import type { Store } from '../receiver/store/types';
import { startFakeHubSpot, type FakeHubSpot } from '../test/fakes/hubspot';
import { startFakePretix, type FakePretix } from '../test/fakes/pretix';
import { defineOrderIdProperty } from '../test/helpers/mappings';

export interface SingleReceiverStack {
  pretix: FakePretix;
  hubspot: FakeHubSpot;
  config: Config;
  store: Store;
  /** The receiver's base URL on loopback. */
  url: string;
  admin: AdminClient;
  connection: PublicConnection;
  stop(): Promise<void>;
}

export async function startSingleReceiverStack(options: { portalId: string; pretixToken: string; secretKey: string; tempPrefix: string }): Promise<SingleReceiverStack> {
  const dir = await mkdtemp(join(tmpdir(), options.tempPrefix));
  const pretix = await startFakePretix({ rateLimit: { limit: 360, intervalMs: 60_000 }, maxRecordedRequests: 100 });
  pretix.seedFromFixtures();
  pretix.addToken(options.pretixToken, { organizer: 'acmecorp', permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
  const hubspot = await startFakeHubSpot({ rateLimit: { limit: 110, intervalMs: 10_000 }, recordBodies: false });
  hubspot.addStaticToken('hs-bench', options.portalId);
  defineOrderIdProperty(hubspot, options.portalId);
  const config = loadConfig({
    DATA_FILE: join(dir, 'state.json'),
    SECRET_KEY: options.secretKey,
    LOG_LEVEL: 'silent',
    HUBSPOT_API_URL: hubspot.url,
    HUBSPOT_ACCESS_TOKEN: 'hs-bench',
    HUBSPOT_PORTAL_ID: options.portalId,
  });
  const store = await openLowdbStore(config.dataFile);
  const secrets = createSecretBox(options.secretKey);
  const { server, services } = await buildApp({ config, store, secrets });
  const stop = async () => {
    await server.close();
    await services.worker.stop();
    await store.close();
    await Promise.all([pretix.close(), hubspot.close()]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await server.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
    services.worker.start();
    const admin = createAdminClient(url, adminTokenFor(secrets));
    const { connection } = await admin.post<{ connection: PublicConnection }>('/connections', {
      portalId: options.portalId,
      baseUrl: pretix.url,
      organizer: 'acmecorp',
      apiToken: options.pretixToken,
    });
    return { pretix, hubspot, config, store, url, admin, connection, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
