// buildApp(): the Fastify instance with every route, for main.ts and for tests (no I/O at import time).
import Fastify, { type FastifyInstance } from 'fastify';
import { describeConfig, type Config } from './config';
import { adminApiRoutes } from './http/admin-api';
import { backfillControlFor } from './http/api/backfill-control';
import { cardApiRoutes } from './http/api/plugin';
import { API_PREFIX } from './http/api/routes';
import { registerErrorHandling } from './http/errors';
import { healthRoutes } from './http/health';
import { metricsRoutes } from './http/metrics';
import { hubspotWebhookRoutes } from './http/hubspot-webhooks';
import { IntakeGate, registerIntakeGate } from './http/intake-gate';
import { oauthRoutes } from './http/oauth';
import { openApiRoutes } from './http/openapi';
import { statusPageRoutes } from './http/pages';
import { pretixWebhookRoutes } from './http/pretix-webhooks';
import { createPrivacyDeletions } from './hubspot/privacy-deletion';
import { loggerOptions } from './logging';
import type { ResolveHost } from './pretix/public-address-guard';
import { CHECKIN_ACTIONS } from './pretix/webhook-actions';
import { createServices, type Services, type SharedCoordination } from './services';
import type { SecretBox } from './store/secrets';
import type { Store } from './store/types';
import type { WorkerTuning } from './sync/worker';

export interface AppOptions {
  config: Config;
  store: Store;
  secrets: SecretBox;
  fetch?: typeof fetch;
  /** DNS for pretix hosts in production; the system's by default. */
  resolvePretixHost?: ResolveHost;
  now?: () => number;
  /** Where log lines go (tests capture them to prove no secret is logged). */
  logStream?: NodeJS.WritableStream;
  worker?: WorkerTuning;
  backfill?: { concurrency?: number; batchSize?: number; leaseTtlMs?: number };
  /** Card/settings API: deadline for pretix and HubSpot calls made while answering (default 10 s). */
  api?: { upstreamTimeoutMs?: number };
  /** Several instances on one database: shared rate budgets and leases (see services.ts). */
  shared?: SharedCoordination;
}

export interface App {
  server: FastifyInstance;
  services: Services;
  /** Closed first at shutdown: from then on every request is answered 503 with Retry-After. */
  intake: IntakeGate;
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { config, store, secrets } = options;
  const server = Fastify({
    logger: loggerOptions(config.logLevel, options.logStream),
    // Behind a TLS-terminating proxy the client address matters only for logs; URLs are rebuilt from PUBLIC_URL.
    trustProxy: false,
    bodyLimit: 1024 * 1024,
  });
  const services = createServices({
    config,
    store,
    secrets,
    logger: server.log,
    fetch: options.fetch,
    resolvePretixHost: options.resolvePretixHost,
    now: options.now,
    worker: options.worker,
    backfill: options.backfill,
    shared: options.shared,
  });
  registerErrorHandling(server);
  const intake = new IntakeGate();
  registerIntakeGate(server, intake);

  // A check-in alone may wait longer for its batch than an order change (flush-policy.ts).
  const onWebhookQueued = (action: string) => services.worker.notify(CHECKIN_ACTIONS.includes(action) ? 'checkin' : 'background');
  // The card's "Sync now" and retries, and the CLI's: a person waits, so the worker does not wait for company.
  const onQueuedByPerson = () => services.worker.notify('interactive');
  await server.register(healthRoutes, { store, startedAt: Date.now() });
  await server.register(pretixWebhookRoutes, { store, secrets, onQueued: onWebhookQueued, adoptEvent: services.events.adoptEvent, eventChanged: services.marketingRefresher, now: options.now });
  await server.register(adminApiRoutes, {
    prefix: '/admin/v1',
    store,
    connections: services.connections,
    events: services.events,
    eventConfigs: services.eventConfigs,
    mappingSets: services.mappingSets,
    installations: services.installations,
    adminToken: adminTokenFor(secrets),
    backfills: services.backfills,
    sweeper: services.sweeper,
    health: services.health,
    marketingEvents: services.marketingEvents,
    onQueued: onQueuedByPerson,
    describe: () => describeConfig(config),
    now: options.now,
  });
  await server.register(cardApiRoutes, {
    prefix: API_PREFIX,
    publicUrl: config.publicUrl,
    clientSecret: config.hubspot.oauth?.clientSecret,
    hubspotAppUrl: config.hubspot.appUrl,
    store,
    connections: services.connections,
    pretixFor: services.interactivePretixFor,
    crmFor: services.interactiveCrmFor,
    contexts: services.contexts,
    catalogues: services.catalogues,
    events: services.events,
    eventConfigs: services.eventConfigs,
    mappingSets: services.mappingSets,
    marketingEvents: services.marketingEvents,
    backfill: backfillControlFor(services.backfills),
    onQueued: onQueuedByPerson,
    syncNow: services.syncNow,
    health: services.health,
    now: options.now,
    upstreamTimeoutMs: options.api?.upstreamTimeoutMs,
  });
  await server.register(hubspotWebhookRoutes, {
    publicUrl: config.publicUrl,
    clientSecret: config.hubspot.oauth?.clientSecret,
    privacy: createPrivacyDeletions(store),
    now: options.now,
  });
  await server.register(openApiRoutes, { publicUrl: config.publicUrl });
  await server.register(oauthRoutes, { config, installations: services.installations, oauth: services.oauth, states: services.oauthStates });
  await server.register(statusPageRoutes, { config, store, installations: services.installations, adminToken: adminTokenFor(secrets), health: services.health });
  await server.register(metricsRoutes, {
    health: services.health,
    limiters: { hubspot: services.hubspotLimiter, pretix: services.pretixLimiter },
    adminToken: adminTokenFor(secrets),
    requireToken: config.env === 'production',
  });
  return { server, services, intake };
}

export function adminTokenFor(secrets: SecretBox): string {
  return secrets.derive('admin-api');
}
