// What the single-purpose real-pretix suites start before their test: a real pretix, the fake HubSpot with a static
// token, a webhook tap in front of a receiver process (pretix reaches the receiver through it), and one connection
// of that receiver to pretix's organizer through the admin API. One place, so that each suite states only what it
// proves.
import { join } from 'node:path';
import { expect } from 'vitest';
import { adminTokenFor } from '../../receiver/app';
import { createAdminClient, type AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { createSecretBox } from '../../receiver/store/secrets';
import { startFakeHubSpot, type FakeHubSpot } from '../fakes/hubspot';
import { freePort } from '../helpers/free-port';
import { startReceiverProcess, type ReceiverProcess } from '../helpers/receiver-process';
import { tempDir } from '../helpers/temp-dir';
import { pretixCall } from './pretix-api';
import { startRealPretix, type RealPretix } from './pretix-server';
import { startWebhookTap, type WebhookTap } from './webhook-tap';

export type Json = Record<string, unknown>;

export interface RealPretixStack {
  pretix: RealPretix;
  hubspot: FakeHubSpot;
  tap: WebhookTap;
  receiver: ReceiverProcess;
  admin: AdminClient;
  connection: PublicConnection;
  /** A call to pretix's REST API that must answer `status` (201 for POST, 200 otherwise, unless given). */
  px(method: string, path: string, body?: unknown, status?: number): Promise<Json>;
  stop(): Promise<void>;
}

export async function startRealPretixStack(options: {
  portalId: string;
  hubspotToken: string;
  secretKey: string;
  tempPrefix: string;
  /** Before the receiver starts: properties the mappings need, for example. */
  prepareHubSpot?: (hubspot: FakeHubSpot) => void;
}): Promise<RealPretixStack> {
  const started: { stop: () => Promise<unknown> }[] = [];
  try {
    const hubspot = await startFakeHubSpot({ rateLimit: { limit: 110, intervalMs: 10_000 } });
    started.push({ stop: () => hubspot.close() });
    hubspot.addStaticToken(options.hubspotToken, options.portalId);
    options.prepareHubSpot?.(hubspot);
    const pretix = await startRealPretix();
    started.push({ stop: () => pretix.stop() });
    const port = await freePort();
    const tap = await startWebhookTap(`http://127.0.0.1:${port}`);
    started.push({ stop: () => tap.close() });
    const dataDir = await tempDir(options.tempPrefix);
    started.push({ stop: () => dataDir.remove() });
    const receiver = await startReceiverProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: tap.url,
      DATA_FILE: join(dataDir.path, 'state.json'),
      SECRET_KEY: options.secretKey,
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: options.hubspotToken,
      HUBSPOT_PORTAL_ID: options.portalId,
      LOG_LEVEL: 'info',
      RECONCILE_INTERVAL: '24h',
    });
    started.push({ stop: () => receiver.killAll() });
    const admin = createAdminClient(receiver.url, adminTokenFor(createSecretBox(options.secretKey)));
    const { connection } = await admin.post<{ connection: PublicConnection }>('/connections', {
      portalId: options.portalId,
      baseUrl: pretix.baseUrl,
      organizer: pretix.organizer,
      apiToken: pretix.token,
    });
    const px = async (method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200): Promise<Json> => {
      const answer = await pretixCall(pretix.apiUrl, pretix.token, method, path, body);
      expect(answer.status, `${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`).toBe(status);
      return answer.body as Json;
    };
    return { pretix, hubspot, tap, receiver, admin, connection, px, stop: () => stopAll(started) };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Last started, first stopped: the receiver before the tap and pretix it talks to. */
async function stopAll(started: { stop: () => Promise<unknown> }[]): Promise<void> {
  for (const part of started.reverse()) await part.stop();
}
