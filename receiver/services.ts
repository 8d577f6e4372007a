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
import { createMappingSetService } from './connections/mapping-set-service';
import { createEventService } from './connections/event-service';
import { HubSpotClient } from './hubspot/crm-client';
import { MarketingEventsClient } from './hubspot/marketing-events-client';
import { createMarketingEventService } from './connections/marketing-event-service';
import { MarketingRefresher } from './sync/marketing-refresh';
import { createInstallationService } from './hubspot/installations';
import { createOAuthClient } from './hubspot/oauth-client';
import { createOAuthStateStore, createSharedOAuthStateStore } from './hubspot/oauth-state';
import { createPostgresOAuthStates } from './store/postgres/oauth-states';
import { isPostgresStore } from './store/postgres/postgres-store';
import { createTokenProvider, type AccessTokenProvider } from './hubspot/tokens';
import { Cutoff } from './lib/cutoff';
import { interactiveRule } from './lib/interactive-rule';
import { createRateLimiter, type Priority, type RateLimiter } from './lib/rate-limiter';
import type { BudgetWindow } from './lib/shared-budget';
import type { SharedCoordination } from './lib/shared-coordination';
import { createSharedRateLimiter } from './lib/shared-rate-limiter';
import { createRetryLog } from './lib/retry-log';
import { PretixClient } from './pretix/client';
import type { SecretBox } from './store/secrets';
import type { Connection, JobTrigger, Store } from './store/types';
import { BackfillRunner } from './sync/backfill';
import { EventContextCache } from './sync/event-context-cache';
import { OrderPrefetch } from './sync/order-prefetch';
import { ReconcileSweeper } from './sync/reconcile';
import { SyncHealth } from './sync/sync-health';
import { SyncWorker, type WorkerTuning } from './sync/worker';

export interface ServiceOptions {
  config: Config;
  store: Store;
  secrets: SecretBox;
  logger: FastifyBaseLogger;
  fetch?: typeof fetch;
  /** DNS for pretix hosts in production (tests point a public-looking name at an address of their choice). */
  resolvePretixHost?: ResolveHost;
  now?: () => number;
  worker?: WorkerTuning;
  backfill?: { concurrency?: number; batchSize?: number; leaseTtlMs?: number };
  /**
   * Several instances on one database (DATABASE_URL): rate budgets every instance draws from, and leases for what
   * runs once at a time (a backfill or sweep per event, a token refresh per portal). Without it, both are in-process.
   */
  shared?: SharedCoordination;
}

export type { SharedCoordination };

/** The longest a request may hold a slot unanswered before the shared budget presumes its instance dead: above
 * every client's per-attempt timeout (20 s). */
const SHARED_SLOT_HOLD_MS = 30_000;

export function createServices(options: ServiceOptions) {
  const { config, store, secrets, logger } = options;
  const fetchImpl = options.fetch ?? fetch;
  // pretix URLs come from a portal's users: in production their connections may only reach public addresses.
  const pretixFetch = options.fetch ?? (config.env === 'production' ? createPublicOnlyFetch(options.resolvePretixHost) : fetch);
  // Safety margins (≈1–2 % of the window) absorb network delay between our clock and theirs.
  // One window per pretix organizer and one per HubSpot portal, shared by every client below (they all use the same
  // keys), with a reserve for interactive calls: see interactiveRule().
  const limiterFor = (service: 'hubspot' | 'pretix', rate: { limit: number; intervalMs: number }, safetyMs: number): RateLimiter => {
    const { reserve, graceMs } = interactiveRule(service, rate.limit);
    if (!options.shared) return createRateLimiter({ ...rate, reserve, graceMs, safetyMs });
    const window: BudgetWindow = { limit: rate.limit, reserve, graceMs, windowMs: rate.intervalMs + safetyMs, holdMs: SHARED_SLOT_HOLD_MS };
    return createSharedRateLimiter({ budget: options.shared.budgetFor(service, window), intervalMs: rate.intervalMs, onBudgetError: options.shared.onBudgetError });
  };
  const pretixLimiter = limiterFor('pretix', config.pretix.rateLimit, 500);
  const hubspotLimiter = limiterFor('hubspot', config.hubspot.rateLimit, 150);
  const leases = options.shared?.leases;
  const oauth = config.hubspot.oauth
    ? createOAuthClient({ apiUrl: config.hubspot.apiUrl, ...config.hubspot.oauth, fetch: fetchImpl })
    : undefined;
  const tokens: AccessTokenProvider = createTokenProvider({
    config,
    store,
    secrets,
    oauth,
    now: options.now,
    leases,
    onEvent: (event) => {
      const fields = { component: 'hubspot-oauth', ...event };
      if (event.type === 'refresh_postponed') logger.warn(fields, 'HubSpot token refresh failed; the current token is still valid and stays in use');
      else logger.info(fields, `HubSpot installation ${event.type}`);
    },
  });
  // Created before the worker exists; the worker is woken through this late-bound hook.
  let wakeWorker = () => {};
  const installations = createInstallationService({ store, secrets, oauth, onQueued: () => wakeWorker(), now: options.now });
  // One process keeps OAuth states in memory; instances on PostgreSQL share them, so the callback may reach any.
  const oauthStates = isPostgresStore(store)
    ? createSharedOAuthStateStore(createPostgresOAuthStates(store.pool), { now: options.now })
    : createOAuthStateStore({ now: options.now });

  // One warn line per retried pretix or HubSpot request, at most a few per service per 10 s.
  const onRetry = createRetryLog(logger);

  // Background work (the worker, backfills, the sweep) each gets its own clients, built with its own Cutoff, so that
  // a shutdown can cut their requests and retry waits off at the deadline without touching a person's.
  const background = { worker: new Cutoff(), sweep: new Cutoff(), backfill: new Cutoff() };

  // Clients are cheap, but one per connection keeps connection reuse and makes the limiter key stable.
  const pretixClientsFor = (priority: Priority, tuning: { maxRetries?: number; timeoutMs?: number }, cutoff?: Cutoff) => {
    const clients = new Map<string, { sealed: string; client: PretixClient }>();
    return (connection: Connection) => {
      const cached = clients.get(connection.id);
      if (cached && cached.sealed === connection.apiTokenSealed) return cached.client;
      const client = new PretixClient({
        baseUrl: connection.baseUrl,
        organizer: connection.organizer,
        token: secrets.decrypt(connection.apiTokenSealed),
        limiter: pretixLimiter,
        priority,
        fetch: cutoff ? cutoff.fetch(pretixFetch) : pretixFetch,
        sleep: cutoff?.sleep,
        onRetry,
        ...tuning,
      });
      clients.set(connection.id, { sealed: connection.apiTokenSealed, client });
      return client;
    };
  };

  const crmClientsFor = (priority: Priority, tuning: { maxRetries?: number; timeoutMs?: number }, cutoff?: Cutoff) => {
    const clients = new Map<string, HubSpotClient>();
    return async (portalId: string) => {
      let client = clients.get(portalId);
      if (!client) {
        client = new HubSpotClient({
          baseUrl: config.hubspot.apiUrl,
          portalKey: portalId,
          getAccessToken: () => tokens.getAccessToken(portalId),
          onUnauthorized: (token) => tokens.tokenRejected(portalId, token),
          limiter: hubspotLimiter,
          priority,
          fetch: cutoff ? cutoff.fetch(fetchImpl) : fetchImpl,
          sleep: cutoff?.sleep,
          onRetry,
          ...tuning,
        });
        clients.set(portalId, client);
      }
      return client;
    };
  };
  const pretixFor = pretixClientsFor('background', {});
  const crmFor = crmClientsFor('background', {});
  // Marketing Events go through the same CRM client (transport, token, limiter key) as the portal's other calls.
  const marketingOf = (crm: (portalId: string) => Promise<HubSpotClient>) => async (portalId: string) => new MarketingEventsClient(await crm(portalId));
  const workerCrm = crmClientsFor('background', {}, background.worker);
  const backfillCrm = crmClientsFor('background', {}, background.backfill);
  const workerClients = { pretixFor: pretixClientsFor('background', {}, background.worker), crmFor: workerCrm, marketingFor: marketingOf(workerCrm) };
  const backfillClients = { pretixFor: pretixClientsFor('background', {}, background.backfill), crmFor: backfillCrm, marketingFor: marketingOf(backfillCrm) };
  // A person waits for these (card, settings page, Sync now): the portal's reserve, one retry, a 10 s deadline.
  const interactiveCrmFor = crmClientsFor('interactive', { maxRetries: 1, timeoutMs: 10_000 });

  const connections = createConnectionService({
    store,
    secrets,
    publicUrl: config.publicUrl,
    verifyPretixAccess: async ({ baseUrl, organizer, apiToken }) => {
      if (config.env === 'production' && isPrivateHost(new URL(baseUrl).hostname)) {
        // Checked before any request: nothing is sent to the address.
        throw new PretixConnectionError(`${baseUrl} is a local or private address; in production the receiver only connects to public pretix instances`, 'invalid_base_url');
      }
      await new PretixClient({ baseUrl, organizer, token: apiToken, limiter: pretixLimiter, priority: 'interactive', fetch: pretixFetch, onRetry }).verifyAccess();
    },
  });

  // A person waits for these calls (card, event list, enable/disable, connection removal, Sync now): the
  // organizer's reserve, one retry, not a long backoff.
  const interactivePretixFor = pretixClientsFor('interactive', { maxRetries: 1, timeoutMs: 10_000 });
  const events = createEventService({ store, secrets, publicUrl: config.publicUrl, pretixFor: interactivePretixFor });

  // With several instances, an event's data fetched by one is taken by the others from PostgreSQL.
  const contexts = new EventContextCache({
    shared: options.shared?.cache,
    onSharedError: (error) => logger.warn({ err: error }, 'the shared cache of event data failed; fetched from pretix here instead'),
  });
  // Source fields and HubSpot properties are read while a person waits (settings page, CLI): interactive clients.
  const catalogues = createCatalogues({ contexts, pretixFor: interactivePretixFor, crmFor: interactiveCrmFor, now: options.now });
  // Mappings are checked and saved here for the settings page and the admin API/CLI alike.
  const eventConfigs = createEventConfigService({ store, catalogues, events, now: options.now });
  const prefetch = new OrderPrefetch();
  // The worker's stop() waits for Sync now runs too; late-bound because they are created after it.
  let drainSyncNow = async () => {};
  const worker = new SyncWorker({
    drainOnStop: () => drainSyncNow(),
    store,
    retryPolicy: config.sync,
    contexts,
    ...workerClients,
    cutoff: background.worker,
    prefetch,
    hubspotBudget: async () => {
      // The busiest portal decides: one process serves them all from one queue.
      let used = 0;
      for (const portalId of new Set((await store.listConnections()).map((c) => c.portalId))) used = Math.max(used, hubspotLimiter.inWindow(portalId));
      return { used, limit: hubspotLimiter.limit, windowMs: hubspotLimiter.intervalMs };
    },
    logger: logger.child({ component: 'worker' }),
    now: options.now,
    // Several instances on one queue: each hears only of the webhooks it answered.
    queueWide: options.shared !== undefined,
    ...options.worker,
  });
  // "Sync now": the same batch sync as the worker's, outside its cycle and with the interactive clients, so a person
  // waits neither for a long worker cycle nor behind a backfill's share of the budget. Never started: it only runs
  // jobs handed to it.
  const manualSync = new SyncWorker({
    store,
    retryPolicy: config.sync,
    contexts,
    pretixFor: interactivePretixFor,
    crmFor: interactiveCrmFor,
    marketingFor: marketingOf(interactiveCrmFor),
    prefetch,
    logger: logger.child({ component: 'sync-now' }),
    now: options.now,
  });
  /** Queues a manual job and, when it is not in flight already, syncs it at once; false if it was left to the worker. */
  const syncNow = async (trigger: JobTrigger): Promise<boolean> => {
    const now = (options.now ?? Date.now)();
    if (!worker.isRunning()) {
      await store.enqueue([trigger], now);
      return false;
    }
    // Claimed in the same step as the merge: between a plain enqueue and a claim the worker could take it.
    const job = await store.enqueueClaimed(trigger, now);
    if (!job) return false;
    void manualSync.syncClaimed([job]).catch((error: unknown) => logger.error({ err: error, job: job.key }, 'Sync now failed'));
    return true;
  };
  drainSyncNow = () => manualSync.drainClaimed();
  const health = new SyncHealth(store, options.now);
  const sweepPretixFor = pretixClientsFor('background', {}, background.sweep);
  const marketingEvents = createMarketingEventService({
    store,
    contexts,
    pretixFor: interactivePretixFor,
    marketingFor: marketingOf(interactiveCrmFor),
    logger: logger.child({ component: 'marketing-events' }),
    now: options.now,
    onSwitchChanged: (connectionId) => events.refreshWebhookActions(connectionId),
  });
  // pretix's event and date notifications: the marketing events follow at once (the sweep later, as a safety net).
  const marketingRefresher = new MarketingRefresher({
    store,
    refresh: (connectionId, event, dates) => sweepMarketing.refresh(connectionId, event, dates),
    isGone: (connectionId, event) => sweepMarketing.isGone(connectionId, event),
    logger: logger.child({ component: 'marketing-refresh' }),
    now: options.now,
  });
  const sweepMarketing = createMarketingEventService({
    store,
    contexts,
    pretixFor: sweepPretixFor,
    marketingFor: marketingOf(crmClientsFor('background', {}, background.sweep)),
    now: options.now,
    serializeConfigWrite: (connectionId, event, work) => marketingRefresher.serialize(connectionId, event, work),
  });
  const sweeper = new ReconcileSweeper({
    refreshMarketingEvents: (connectionId, event) => sweepMarketing.refresh(connectionId, event),
    store,
    pretixFor: sweepPretixFor,
    discoverEvents: (connection) => events.discoverNewEvents(connection.id, sweepPretixFor(connection)),
    cutoff: background.sweep,
    prefetch,
    onQueued: () => worker.notify(),
    intervalMs: config.sync.reconcileIntervalMs,
    leases,
    logger: logger.child({ component: 'reconcile' }),
    now: options.now,
  });
  const backfills = new BackfillRunner({
    store,
    contexts,
    ...backfillClients,
    cutoff: background.backfill,
    leases,
    leaseTtlMs: config.sync.leaseTtlMs,
    retryPolicy: config.sync,
    logger: logger.child({ component: 'backfill' }),
    now: options.now,
    ...options.backfill,
    // After a backfill nothing older than its start needs sweeping.
    onFinished: async (state, firstPageGenerated) => {
      await sweeper.setWatermark(state.connectionId, state.event, firstPageGenerated ?? state.startedAt);
    },
  });

  const mappingSets = createMappingSetService({ store, eventConfigs, backfills, now: options.now });

  wakeWorker = () => worker.notify();

  return { marketingEvents, marketingRefresher, tokens, oauth, installations, oauthStates, events, eventConfigs, mappingSets, catalogues, pretixFor, crmFor, interactivePretixFor, interactiveCrmFor, syncNow, health, connections, contexts, worker, sweeper, backfills, prefetch, pretixLimiter, hubspotLimiter };
}

export type Services = ReturnType<typeof createServices>;

