// A whole system on loopback for scenario tests: fake pretix, fake HubSpot and a real receiver (in this process,
// over real HTTP), wired the way an organiser would wire them: a connection, a registered webhook, mappings.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { adminTokenFor, buildApp, type App, type AppOptions } from '../../receiver/app';
import type { SharedCoordination } from '../../receiver/lib/shared-coordination';
import type { ResolveHost } from '../../receiver/pretix/public-address-guard';
import { createAdminClient, type AdminClient } from '../../receiver/cli/admin-client';
import { REQUIRED_SCOPES } from '../../receiver/hubspot/scopes';
import { ORDER_ACTIONS } from '../../receiver/pretix/webhook-actions';
import { loadConfig } from '../../receiver/config';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { openLowdbStore } from '../../receiver/store/lowdb-store';
import { openPostgresStore } from '../../receiver/store/postgres/postgres-store';
import { createSecretBox } from '../../receiver/store/secrets';
import type { Store } from '../../receiver/store/types';
import type { WorkerTuning } from '../../receiver/sync/worker';
import { startFakeHubSpot, type FakeHubSpot } from '../fakes/hubspot';
import { startFakePretix, type FakePretix } from '../fakes/pretix';
import { freePort } from './free-port';
import { defineOrderIdProperty } from './mappings';
import { tempDir } from './temp-dir';

export const PORTAL_ID = '4242';
export const PRETIX_TOKEN = 'pretixtoken0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef';
export const HUBSPOT_TOKEN = 'pat-eu1-static-test-token-0000';
export const SECRET_KEY = 'test-secret-key-that-is-long-enough-0123456789';
export const ORGANIZER = 'acmecorp';
export const EVENT = 'democon';

export const OAUTH_CLIENT_ID = 'pretix-hubspot-test-client-0a1b2c3d';
export const OAUTH_CLIENT_SECRET = 'oauth-client-secret-4e5f6a7b8c9d0e1f';

export interface StackOptions {
  /** The sync worker's tuning; the default flush policy otherwise (what production runs). */
  worker?: WorkerTuning;
  hubspotRateLimit?: { limit: number; intervalMs: number };
  pretixRateLimit?: { limit: number; intervalMs: number };
  env?: Record<string, string>;
  /** Single-portal mode with HUBSPOT_ACCESS_TOKEN for PORTAL_ID (default true). */
  staticToken?: boolean;
  /** Registers an OAuth app in the fake HubSpot and configures the receiver for it (HUBSPOT_CLIENT_ID/SECRET,
   * HUBSPOT_APP_URL); the consent page installs into PORTAL_ID. */
  oauth?: boolean | { tokenTtlMs?: number };
  /** The receiver's clock (OAuth state expiry, token refresh, retries); default Date.now. */
  now?: () => number;
  /** Start the sync worker (default true); without it queued jobs stay pending, for tests that look at the queue. */
  startWorker?: boolean;
  /** Card/settings API deadline for pretix and HubSpot calls (default 10 s). */
  apiUpstreamTimeoutMs?: number;
  /** The receiver's DNS for pretix hosts in production (the system's by default). */
  resolvePretixHost?: ResolveHost;
  /** The receiver's fetch for pretix and HubSpot (to inject faults the fakes cannot produce); default fetch. */
  fetch?: typeof fetch;
  /** Leases and rate budgets shared with other instances (default: in-process ones of its own). */
  shared?: SharedCoordination;
  /** The backfill runner's tuning (lease ttl, batch size, concurrency). */
  backfill?: AppOptions['backfill'];
}

export interface ConnectOptions {
  /** 'all_events' (default): a webhook for every event added by hand in pretix, as an organiser without the event
   * service would; 'none': no webhook (the event service registers one when events are enabled). */
  webhook?: 'all_events' | 'none';
}

export interface Stack {
  pretix: FakePretix;
  hubspot: FakeHubSpot;
  receiverUrl: string;
  env: Record<string, string>;
  dataFile: string;
  admin: AdminClient;
  logs: () => string;
  app: App;
  store: Store;
  connect(options?: ConnectOptions): Promise<PublicConnection>;
  close(): Promise<void>;
}

/** HubSpot properties the example mappings write that a fresh portal does not have. */
export function defineExampleProperties(hubspot: FakeHubSpot, portalId = PORTAL_ID): void {
  hubspot.defineProperty(portalId, 'contacts', { name: 'pretix_events', label: 'pretix events', type: 'string', fieldType: 'text', groupName: 'pretix' });
  hubspot.defineProperty(portalId, 'contacts', {
    name: 'tshirt_size',
    label: 'T-shirt size',
    type: 'enumeration',
    fieldType: 'select',
    groupName: 'pretix',
    options: ['small', 'medium', 'large'].map((value, displayOrder) => ({ label: value, value, displayOrder })),
  });
  defineOrderIdProperty(hubspot, portalId);
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const pretix = await startFakePretix({ rateLimit: options.pretixRateLimit ?? null });
  pretix.seedFromFixtures();
  pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
  const oauth = options.oauth === true ? {} : options.oauth || undefined;
  const hubspot = await startFakeHubSpot({
    rateLimit: options.hubspotRateLimit ?? { limit: 110, intervalMs: 10_000 },
    ...(oauth?.tokenTtlMs !== undefined ? { tokenTtlMs: oauth.tokenTtlMs } : {}),
  });
  hubspot.addStaticToken(HUBSPOT_TOKEN, PORTAL_ID);
  defineExampleProperties(hubspot);

  const dir = await tempDir();
  const port = await freePort();
  if (oauth) {
    hubspot.registerApp({
      clientId: OAUTH_CLIENT_ID,
      clientSecret: OAUTH_CLIENT_SECRET,
      redirectUris: [`http://127.0.0.1:${port}/oauth/callback`],
      requiredScopes: [...REQUIRED_SCOPES],
    });
    hubspot.setAuthorizingPortal(PORTAL_ID);
  }
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_FILE: join(dir.path, 'data', 'state.json'),
    SECRET_KEY,
    HUBSPOT_API_URL: hubspot.url,
    ...(options.staticToken === false ? {} : { HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN, HUBSPOT_PORTAL_ID: PORTAL_ID }),
    ...(oauth ? { HUBSPOT_CLIENT_ID: OAUTH_CLIENT_ID, HUBSPOT_CLIENT_SECRET: OAUTH_CLIENT_SECRET, HUBSPOT_APP_URL: hubspot.url } : {}),
    LOG_LEVEL: 'info',
    SYNC_RETRY_BASE: '200ms',
    SYNC_RETRY_MAX: '2s',
    ...options.env,
  };
  const config = loadConfig(env);
  // DATABASE_URL in `env`: the PostgreSQL store, as the receiver's main.ts chooses it.
  const store = config.database
    ? await openPostgresStore(config.database.url, { claimTtlMs: config.database.claimTtlMs })
    : await openLowdbStore(config.dataFile);
  const secrets = createSecretBox(SECRET_KEY);
  let logText = '';
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logText += chunk.toString('utf8');
      callback();
    },
  });
  const app = await buildApp({
    config,
    store,
    secrets,
    logStream,
    now: options.now,
    resolvePretixHost: options.resolvePretixHost,
    fetch: options.fetch,
    shared: options.shared,
    backfill: options.backfill,
    worker: { maxIdleMs: 100, ...options.worker },
    ...(options.apiUpstreamTimeoutMs !== undefined ? { api: { upstreamTimeoutMs: options.apiUpstreamTimeoutMs } } : {}),
  });
  await app.server.listen({ port, host: '127.0.0.1' });
  if (options.startWorker !== false) app.services.worker.start();
  const receiverUrl = `http://127.0.0.1:${port}`;
  const admin = createAdminClient(receiverUrl, adminTokenFor(secrets));

  return {
    pretix,
    hubspot,
    receiverUrl,
    env,
    dataFile: config.dataFile,
    admin,
    app,
    store,
    logs: () => logText,
    async connect(connectOptions: ConnectOptions = {}) {
      const { connection } = await admin.post<{ connection: PublicConnection }>('/connections', {
        portalId: PORTAL_ID,
        baseUrl: pretix.url,
        organizer: ORGANIZER,
        apiToken: PRETIX_TOKEN,
      });
      if ((connectOptions.webhook ?? 'all_events') === 'all_events') {
        pretix.addWebhook(ORGANIZER, { target_url: connection.webhookUrl, all_events: true, limit_events: [], action_types: [...ORDER_ACTIONS] });
      }
      return connection;
    },
    async close() {
      // The same order as the receiver's own shutdown (receiver/main.ts): nothing may write to the store once it is
      // closed and its directory removed (a sweep or backfill still running did, failing a later test with ENOENT).
      await app.server.close();
      await app.services.sweeper.stop();
      await app.services.marketingRefresher.stop();
      await app.services.backfills.stopAll();
      await app.services.worker.stop();
      await store.close();
      await Promise.all([pretix.close(), hubspot.close()]);
      await dir.remove();
    },
  };
}
