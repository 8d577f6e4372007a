// The composition root: builds the clients, limiters, token provider, connection service and worker from the
// configuration. Tests build the same graph with loopback URLs; nothing here is a module-level singleton.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import { createConnectionService } from './connections/connection-service';
import { isPrivateHost } from './domain/pretix-url';
import { createPublicOnlyFetch, type ResolveHost } from './pretix/public-address-guard';
import { PretixConnectionError } from './pretix/errors';
import { createCatalogues } from './connections/catalogues';
import { createEventConfigService } from './connections/event-config-service';
import { createEventService } from './connections/event-service';
import { HubSpotClient } from './hubspot/crm-client';
import { createInstallationService } from './hubspot/installations';
import { createOAuthClient } from './hubspot/oauth-client';
import { createOAuthStateStore } from './hubspot/oauth-state';
import { createTokenProvider, type AccessTokenProvider } from './hubspot/tokens';
import { Cutoff } from './lib/cutoff';
import { createRateLimiter } from './lib/rate-limiter';
import { PretixClient } from './pretix/client';
import type { SecretBox } from './store/secrets';
import type { Connection, Store } from './store/types';
import { BackfillRunner } from './sync/backfill';
import { EventContextCache } from './sync/event-context-cache';
import { OrderPrefetch } from './sync/order-prefetch';
import { ReconcileSweeper } from './sync/reconcile';
import { SyncWorker } from './sync/worker';

export interface ServiceOptions {
  config: Config;
  store: Store;
  secrets: SecretBox;
  logger: FastifyBaseLogger;
  fetch?: typeof fetch;
  /** DNS for pretix hosts in production (tests point a public-looking name at an address of their choice). */
  resolvePretixHost?: ResolveHost;
  now?: () => number;
  worker?: { lingerMs?: number; maxIdleMs?: number; batchSize?: number };
  backfill?: { concurrency?: number; batchSize?: number };
}

export function createServices(options: ServiceOptions) {
  const { config, store, secrets, logger } = options;
  const fetchImpl = options.fetch ?? fetch;
  // pretix URLs come from a portal's users: in production their connections may only reach public addresses.
  const pretixFetch = options.fetch ?? (config.env === 'production' ? createPublicOnlyFetch(options.resolvePretixHost) : fetch);
  // Safety margins (≈1–2 % of the window) absorb network delay between our clock and theirs.
  const pretixLimiter = createRateLimiter({ ...config.pretix.rateLimit, safetyMs: 500 });
  const hubspotLimiter = createRateLimiter({ ...config.hubspot.rateLimit, safetyMs: 150 });
  const oauth = config.hubspot.oauth
    ? createOAuthClient({ apiUrl: config.hubspot.apiUrl, ...config.hubspot.oauth, fetch: fetchImpl })
    : undefined;
  const tokens: AccessTokenProvider = createTokenProvider({
    config,
    store,
    secrets,
    oauth,
    now: options.now,
    onEvent: (event) => {
      const fields = { component: 'hubspot-oauth', ...event };
      if (event.type === 'refresh_postponed') logger.warn(fields, 'HubSpot token refresh failed; the current token is still valid and stays in use');
      else logger.info(fields, `HubSpot installation ${event.type}`);
    },
  });
  // Created before the worker exists; the worker is woken through this late-bound hook.
  let wakeWorker = () => {};
  const installations = createInstallationService({ store, secrets, oauth, onQueued: () => wakeWorker(), now: options.now });
  const oauthStates = createOAuthStateStore({ now: options.now });

  const pretixClient = (baseUrl: string, organizer: string, token: string, cutoff?: Cutoff) =>
    new PretixClient({ baseUrl, organizer, token, limiter: pretixLimiter, fetch: cutoff ? cutoff.fetch(pretixFetch) : pretixFetch, sleep: cutoff?.sleep });

  /**
   * pretix clients per connection and HubSpot clients per portal (cheap, but reuse keeps connections open and the
   * limiter key stable; the limiters are shared by all). The interactive API has its own set; the worker, backfills
   * and the sweep each get one built with their own Cutoff, so that a shutdown can cut their requests off without
   * touching a person's.
   */
  const clientsFor = (cutoff?: Cutoff) => {
    const pretixClients = new Map<string, { sealed: string; client: PretixClient }>();
    const pretixFor = (connection: Connection) => {
      const cached = pretixClients.get(connection.id);
      if (cached && cached.sealed === connection.apiTokenSealed) return cached.client;
      const client = pretixClient(connection.baseUrl, connection.organizer, secrets.decrypt(connection.apiTokenSealed), cutoff);
      pretixClients.set(connection.id, { sealed: connection.apiTokenSealed, client });
      return client;
    };
    const crmClients = new Map<string, HubSpotClient>();
    const crmFor = async (portalId: string) => {
      let client = crmClients.get(portalId);
      if (!client) {
        client = new HubSpotClient({
          baseUrl: config.hubspot.apiUrl,
          portalKey: portalId,
          getAccessToken: () => tokens.getAccessToken(portalId),
          onUnauthorized: (token) => tokens.tokenRejected(portalId, token),
          limiter: hubspotLimiter,
          fetch: cutoff ? cutoff.fetch(fetchImpl) : fetchImpl,
          sleep: cutoff?.sleep,
        });
        crmClients.set(portalId, client);
      }
      return client;
    };
    return { pretixFor, crmFor };
  };
  const { pretixFor, crmFor } = clientsFor();
  const background = { worker: new Cutoff(), sweep: new Cutoff(), backfill: new Cutoff() };
  const workerClients = clientsFor(background.worker);
  const sweepClients = clientsFor(background.sweep);
  const backfillClients = clientsFor(background.backfill);

  const connections = createConnectionService({
    store,
    secrets,
    publicUrl: config.publicUrl,
    verifyPretixAccess: async ({ baseUrl, organizer, apiToken }) => {
      if (config.env === 'production' && isPrivateHost(new URL(baseUrl).hostname)) {
        // Checked before any request: nothing is sent to the address.
        throw new PretixConnectionError(`${baseUrl} is a local or private address; in production the receiver only connects to public pretix instances`, 'invalid_base_url');
      }
      await pretixClient(baseUrl, organizer, apiToken).verifyAccess();
    },
  });

  // A person waits for these calls (event list, enable/disable, connection removal): one retry, not a long backoff.
  const interactivePretixFor = (connection: Connection) =>
    new PretixClient({
      baseUrl: connection.baseUrl,
      organizer: connection.organizer,
      token: secrets.decrypt(connection.apiTokenSealed),
      limiter: pretixLimiter,
      fetch: pretixFetch,
      maxRetries: 1,
      timeoutMs: 10_000,
    });
  const events = createEventService({ store, secrets, publicUrl: config.publicUrl, pretixFor: interactivePretixFor });

  const contexts = new EventContextCache();
  const catalogues = createCatalogues({ contexts, pretixFor, crmFor, now: options.now });
  // Mappings are checked and saved here for the settings page and the admin API/CLI alike.
  const eventConfigs = createEventConfigService({ store, catalogues, events, now: options.now });
  const prefetch = new OrderPrefetch();
  const worker = new SyncWorker({
    store,
    retryPolicy: config.sync,
    contexts,
    ...workerClients,
    cutoff: background.worker,
    prefetch,
    logger: logger.child({ component: 'worker' }),
    now: options.now,
    ...options.worker,
  });
  const sweeper = new ReconcileSweeper({
    store,
    pretixFor: sweepClients.pretixFor,
    cutoff: background.sweep,
    prefetch,
    onQueued: () => worker.notify(),
    intervalMs: config.sync.reconcileIntervalMs,
    logger: logger.child({ component: 'reconcile' }),
    now: options.now,
  });
  const backfills = new BackfillRunner({
    store,
    contexts,
    ...backfillClients,
    cutoff: background.backfill,
    retryPolicy: config.sync,
    logger: logger.child({ component: 'backfill' }),
    now: options.now,
    ...options.backfill,
    // After a backfill nothing older than its start needs sweeping.
    onFinished: async (state, firstPageGenerated) => {
      await sweeper.setWatermark(state.connectionId, state.event, firstPageGenerated ?? state.startedAt);
    },
  });

  wakeWorker = () => worker.notify();

  return { tokens, oauth, installations, oauthStates, events, eventConfigs, catalogues, pretixFor, crmFor, connections, contexts, worker, sweeper, backfills, prefetch, pretixLimiter, hubspotLimiter };
}

export type Services = ReturnType<typeof createServices>;
