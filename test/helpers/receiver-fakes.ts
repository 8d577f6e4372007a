// What every run of the receiver as a process sets up around it: the fakes of pretix and HubSpot holding the tokens
// the receiver is given, the receiver's environment pointing at them, and a connection to the fake pretix. Used by
// the process stack, the PostgreSQL receivers, and the scenarios and benchmarks that start receivers of their own.
import { adminTokenFor } from '../../receiver/app';
import { createAdminClient, type AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { createSecretBox } from '../../receiver/store/secrets';
import { startFakeHubSpot, type FakeHubSpot, type FakeHubSpotOptions } from '../fakes/hubspot';
import { startFakePretix, type FakePretix, type FakePretixOptions } from '../fakes/pretix';
import { defineExampleProperties, HUBSPOT_TOKEN, ORGANIZER, PORTAL_ID, PRETIX_TOKEN, SECRET_KEY } from './stack';

export interface ReceiverFakes {
  pretix: FakePretix;
  hubspot: FakeHubSpot;
  close(): Promise<void>;
}

/** The fixtures' organizer in a fake pretix that knows PRETIX_TOKEN, and a fake HubSpot (HubSpot's real limit unless
 * told otherwise) that knows HUBSPOT_TOKEN for PORTAL_ID, with the properties the example mappings write. */
export async function startReceiverFakes(options: { pretix?: FakePretixOptions; hubspot?: FakeHubSpotOptions } = {}): Promise<ReceiverFakes> {
  const pretix = await startFakePretix(options.pretix);
  pretix.seedFromFixtures();
  pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
  const hubspot = await startFakeHubSpot({ rateLimit: { limit: 110, intervalMs: 10_000 }, ...options.hubspot });
  hubspot.addStaticToken(HUBSPOT_TOKEN, PORTAL_ID);
  defineExampleProperties(hubspot);
  return {
    pretix,
    hubspot,
    async close() {
      await Promise.all([pretix.close(), hubspot.close()]);
    },
  };
}

/** A receiver's environment against the fake HubSpot: its port, data file and public URL (itself by default). */
export function receiverEnv(hubspot: FakeHubSpot, where: { port: number; dataFile: string; publicUrl?: string }): Record<string, string> {
  return {
    PORT: String(where.port),
    PUBLIC_URL: where.publicUrl ?? `http://127.0.0.1:${where.port}`,
    DATA_FILE: where.dataFile,
    SECRET_KEY,
    HUBSPOT_API_URL: hubspot.url,
    HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
    HUBSPOT_PORTAL_ID: PORTAL_ID,
    LOG_LEVEL: 'warn',
  };
}

/** The admin API of a receiver started with receiverEnv. */
export const adminClientFor = (url: string): AdminClient => createAdminClient(url, adminTokenFor(createSecretBox(SECRET_KEY)));

/** Connects PORTAL_ID to the fake pretix's organizer through `admin`. */
export async function connectFakePretix(admin: AdminClient, pretix: FakePretix): Promise<PublicConnection> {
  const { connection } = await admin.post<{ connection: PublicConnection }>('/connections', { portalId: PORTAL_ID, baseUrl: pretix.url, organizer: ORGANIZER, apiToken: PRETIX_TOKEN });
  return connection;
}
