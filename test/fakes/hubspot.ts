// A stateful stand-in for HubSpot's API on loopback, strict enough that wrong clients fail here as they
// would against a real portal: OAuth, CRM objects with typed properties, associations, per-portal
// rolling-window rate limits, and injectable faults. Rules follow /work/shared/reference/hubspot.md §4–5.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { HubSpotObjectType } from '../../receiver/domain/mapping-schema';
import { registerAssociationRoutes } from './hubspot/association-routes';
import { AuthRegistry, type AccessToken, type App, type AppRegistration } from './hubspot/auth';
import type { CrmHandler, CrmRouteRule, FakeCore } from './hubspot/core';
import { FakeHttpError, errorBody } from './hubspot/http';
import { registerObjectRoutes } from './hubspot/object-routes';
import { registerOAuthRoutes } from './hubspot/oauth-routes';
import { MarketingEventRegistry, publicEvent, registerMarketingEventRoutes, type FakeMarketingEvent, type FakeParticipation } from './hubspot/marketing-event-routes';
import { Portal, type StoredObject } from './hubspot/portal';
import { checkValue, type PropertyDefinition, type PropertyDefinitionInput, type PropertyGroup } from './hubspot/properties';
import { registerPropertyRoutes } from './hubspot/property-routes';
import { HoldGate } from './hold-gate';
import {
  FaultQueue,
  SlidingWindow,
  matchesFilter,
  routeMatches,
  type FaultSpec,
  type RateLimitSpec,
  type RecordedRequest,
  type RequestFilter,
} from './hubspot/traffic';

export type { App, AppRegistration } from './hubspot/auth';
export type { AttendanceState, FakeMarketingEvent, FakeParticipation } from './hubspot/marketing-event-routes';
export type { StoredObject } from './hubspot/portal';
export type { PropertyDefinition, PropertyDefinitionInput, PropertyGroup, PropertyOption } from './hubspot/properties';
export type { FaultSpec, RateLimitSpec, RecordedRequest, RequestFilter } from './hubspot/traffic';

export interface FakeHubSpotOptions {
  /** Per-portal rolling window; default 110 requests / 10 s (OAuth apps). `limit: Infinity` lifts it. */
  rateLimit?: RateLimitSpec;
  /** Extra window for the search endpoint; default 5 requests / 1 s. */
  searchRateLimit?: RateLimitSpec;
  /** Lifetime of issued access tokens; default 30 min. */
  tokenTtlMs?: number;
  /** Delay before every request is handled. */
  latencyMs?: number | (() => number);
  /** Objects created less than this long ago are invisible to search, as HubSpot's index lags writes. Default 0. */
  searchLagMs?: number;
  /** Return batch results in input order instead of a scrambled one. Default false: HubSpot gives no order. */
  preserveResultOrder?: boolean;
  /** Keep request bodies in the request log (default true); switch off for long benchmarks. */
  recordBodies?: boolean;
  now?: () => number;
}

export interface PortalOptions {
  /** A ready access token for this portal (like a private-app token). */
  accessToken?: string;
  /** Lifetime of `accessToken` and of OAuth tokens issued for this portal. */
  tokenTtlMs?: number;
  /** Scopes of `accessToken`; default: every scope. */
  scopes?: string[];
  rateLimit?: RateLimitSpec;
  searchRateLimit?: RateLimitSpec;
}

interface PortalEntry {
  portal: Portal;
  window: SlidingWindow;
  searchWindow: SlidingWindow;
  tokenTtlMs?: number;
}

interface RequestState {
  at: number;
  portalId?: string;
  token?: AccessToken;
  rate?: { max: number; remaining: number; intervalMs: number };
  logged?: boolean;
}

const DEFAULT_RATE_LIMIT: RateLimitSpec = { limit: 110, intervalMs: 10_000 };
const DEFAULT_SEARCH_RATE_LIMIT: RateLimitSpec = { limit: 5, intervalMs: 1_000 };
const DEFAULT_TOKEN_TTL_MS = 30 * 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const pathOf = (url: string) => url.split('?')[0] ?? url;

function portalKey(portalId: string | number): string {
  const id = String(portalId);
  if (!/^\d+$/.test(id)) throw new Error(`portal ids are numeric (hub_id), got ${id}`);
  return id;
}

function faultBody(status: number): { type: string; body: unknown } {
  if (status === 429) {
    return {
      type: 'application/json',
      body: errorBody('RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      }),
    };
  }
  // Gateways in front of HubSpot answer these with HTML, so clients must not assume a JSON error body.
  if (status === 502 || status === 503 || status === 504) {
    return { type: 'text/html', body: `<html><body><h1>${status} Bad Gateway</h1></body></html>` };
  }
  if (status >= 500) return { type: 'application/json', body: errorBody('INTERNAL_ERROR', 'internal error') };
  return { type: 'application/json', body: errorBody('ERROR', `injected ${status}`) };
}

export class FakeHubSpot {
  readonly app: FastifyInstance;
  url = '';
  private readonly now: () => number;
  private readonly auth: AuthRegistry;
  private readonly portals = new Map<string, PortalEntry>();
  private readonly crmRules = new Map<string, CrmRouteRule>();
  private readonly states = new WeakMap<FastifyRequest, RequestState>();
  private readonly faults = new FaultQueue();
  private readonly log: RecordedRequest[] = [];
  /** Requests received and not answered yet, so that tests can wait for quiet instead of sleeping. */
  private readonly unanswered = new Set<FastifyRequest['raw']>();
  private readonly refreshes = new Map<string, number>();
  private readonly codeExchanges = new Map<string, number>();
  private rateLimit: RateLimitSpec;
  private searchRateLimit: RateLimitSpec;
  private latency: number | (() => number);
  private readonly gate = new HoldGate();
  private authorizing?: string;
  private nextObjectId = 30_000_000_001;
  private readonly marketing = new MarketingEventRegistry();
  private shuffleCounter = 0;

  constructor(private readonly options: FakeHubSpotOptions = {}) {
    this.now = options.now ?? Date.now;
    this.auth = new AuthRegistry(this.now);
    this.rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
    this.searchRateLimit = options.searchRateLimit ?? DEFAULT_SEARCH_RATE_LIMIT;
    this.latency = options.latencyMs ?? 0;
    this.app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
    this.installHooks();
    const core = this.core();
    registerOAuthRoutes(core);
    registerObjectRoutes(core);
    registerPropertyRoutes(core);
    registerAssociationRoutes(core);
    registerMarketingEventRoutes(core, this.marketing);
  }

  async listen(): Promise<void> {
    await this.app.listen({ host: '127.0.0.1', port: 0 });
    const address = this.app.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
  }

  /**
   * Ends open connections too: a client cut off in the middle of a request (the receiver's shutdown deadline) can
   * leave one the server still waits on, which would hold close() for Node's request timeout (5 minutes).
   */
  async close(): Promise<void> {
    const closing = this.app.close();
    this.app.server.closeAllConnections();
    await closing;
  }

  // ── setup ────────────────────────────────────────────────────────────────────────────────────────────

  addPortal(portalId: string | number, options: PortalOptions = {}): void {
    const entry = this.entry(portalKey(portalId));
    if (options.rateLimit) entry.window.spec = options.rateLimit;
    if (options.searchRateLimit) entry.searchWindow.spec = options.searchRateLimit;
    if (options.tokenTtlMs !== undefined) entry.tokenTtlMs = options.tokenTtlMs;
    if (options.accessToken !== undefined) {
      this.auth.addAccessToken({
        token: options.accessToken,
        portalId: entry.portal.id,
        expiresAt: options.tokenTtlMs === undefined ? null : this.now() + options.tokenTtlMs,
        scopes: options.scopes ?? null,
        source: 'static',
      });
    }
    this.authorizing ??= entry.portal.id;
  }

  /** A token that never expires (a private app's), with every scope unless `scopes` is given. */
  addStaticToken(token: string, portalId: string | number, options: { scopes?: string[] } = {}): void {
    const entry = this.entry(portalKey(portalId));
    this.auth.addAccessToken({ token, portalId: entry.portal.id, expiresAt: null, scopes: options.scopes ?? null, source: 'static' });
    this.authorizing ??= entry.portal.id;
  }

  /** Makes a token answer 401 EXPIRED_AUTHENTICATION from now on. */
  expireToken(token: string): void {
    if (!this.auth.expire(token)) throw new Error('unknown token');
  }

  registerApp(registration: AppRegistration): App {
    return this.auth.registerApp(registration);
  }

  /** Which account the consent page installs into; defaults to the first portal added. */
  setAuthorizingPortal(portalId: string | number): void {
    this.authorizing = this.entry(portalKey(portalId)).portal.id;
  }

  /** Plays the user on the consent page: opens `authorizeUrl`, returns the "Connect app" link (the callback URL). */
  async approve(authorizeUrl: string): Promise<string> {
    const response = await fetch(authorizeUrl);
    const html = await response.text();
    const match = /<a id="connect-app" href="([^"]+)"/.exec(html);
    if (response.status !== 200 || !match) throw new Error(`consent page refused (${response.status}): ${html.replace(/<[^>]+>/g, ' ').trim()}`);
    return match[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }

  /** The portal removes the app: its refresh tokens and the access tokens issued from them stop working. */
  uninstall(portalId: string | number, appId?: number): void {
    this.auth.uninstall(portalKey(portalId), appId);
  }

  setRateLimit(spec: RateLimitSpec, portalId?: string | number): void {
    if (portalId === undefined) {
      this.rateLimit = spec;
      for (const entry of this.portals.values()) entry.window.spec = spec;
    } else this.entry(portalKey(portalId)).window.spec = spec;
  }

  setLatency(latencyMs: number | (() => number)): void {
    this.latency = latencyMs;
  }

  /**
   * Holds every request that arrives from now on until the returned function is called (then they go on, in order):
   * "while HubSpot is busy" as a fact of the test rather than a guess at how long a latency lasts.
   */
  hold(): () => void {
    return this.gate.hold();
  }

  /** Queue faults for the next matching requests (see FaultSpec.route for which requests match). */
  failNext(spec: FaultSpec): void {
    this.faults.add(spec);
  }

  pendingFaults(): number {
    return this.faults.pending();
  }

  // ── counters ─────────────────────────────────────────────────────────────────────────────────────────

  /** Requests that arrived and have no answer on the way yet (waiting out the latency, in a handler, or held by a
   * fault's delay). Zero means every request a client sent so far has been answered or dropped. */
  requestsInProgress(): number {
    return this.unanswered.size;
  }

  requests(filter?: RequestFilter): RecordedRequest[] {
    return this.log.filter((entry) => matchesFilter(entry, filter));
  }

  /**
   * Every record write HubSpot accepted through a batch upsert of `type`, in the order the requests were answered:
   * one entry per input, so a record written twice appears twice (the stored objects cannot show that, since an
   * upsert by a unique property overwrites). Needs request bodies recorded (the default).
   */
  upsertInputs(portalId: string | number, type: HubSpotObjectType): { id: string; idProperty: string | undefined; at: number }[] {
    if (this.options.recordBodies === false) throw new Error('upsertInputs needs recordBodies');
    const path = `/crm/v3/objects/${type}/batch/upsert`;
    return this.requests({ portalId }).flatMap((entry) => {
      if (entry.method !== 'POST' || entry.path !== path || entry.status < 200 || entry.status >= 300) return [];
      const inputs = (entry.body as { inputs?: { id: string; idProperty?: string }[] }).inputs ?? [];
      return inputs.map((input) => ({ id: input.id, idProperty: input.idProperty, at: entry.at }));
    });
  }

  requestCount(filter?: RequestFilter): number {
    return this.requests(filter).length;
  }

  /** "METHOD /path" → number of requests, e.g. { 'POST /crm/v3/objects/contacts/batch/upsert': 3 }. */
  routeCounts(portalId?: string | number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.requests(portalId === undefined ? {} : { portalId })) {
      const key = `${entry.method} ${entry.path}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /** Responses with status 429, whether from the window or injected. */
  rateLimitedCount(portalId?: string | number): number {
    return this.requestCount({ status: 429, ...(portalId === undefined ? {} : { portalId }) });
  }

  /** Most requests the portal accepted inside any window (default: the portal's own interval). */
  maxRequestsInAnyWindow(portalId: string | number, windowMs?: number): number {
    return this.portals.get(portalKey(portalId))?.window.maxInAnyWindow(windowMs) ?? 0;
  }

  refreshCount(portalId?: string | number): number {
    return count(this.refreshes, portalId);
  }

  codeExchangeCount(portalId?: string | number): number {
    return count(this.codeExchanges, portalId);
  }

  /** Forget request history, windows and pending faults (CRM data and tokens stay). */
  resetTraffic(): void {
    this.log.length = 0;
    this.faults.clear();
    this.refreshes.clear();
    this.codeExchanges.clear();
    for (const entry of this.portals.values()) {
      entry.window.reset();
      entry.searchWindow.reset();
    }
  }

  // ── CRM data, for seeding and assertions (copies, so tests cannot change state behind the API) ──────

  objects(portalId: string | number, type: HubSpotObjectType): StoredObject[] {
    return [...this.entry(portalKey(portalId)).portal.store(type).values()].map((o) => structuredClone(o));
  }

  object(portalId: string | number, type: HubSpotObjectType, id: string): StoredObject | undefined {
    const object = this.entry(portalKey(portalId)).portal.store(type).get(id);
    return object && structuredClone(object);
  }

  findByProperty(portalId: string | number, type: HubSpotObjectType, property: string, value: string): StoredObject | undefined {
    const object = this.entry(portalKey(portalId)).portal.findByProperty(type, property, value);
    return object && structuredClone(object);
  }

  /** Seeds a record as if someone had created it in HubSpot; values are checked like API writes. */
  createObject(portalId: string | number, type: HubSpotObjectType, properties: Record<string, string>): StoredObject {
    const portal = this.entry(portalKey(portalId)).portal;
    const values: Record<string, string> = {};
    for (const [name, raw] of Object.entries(properties)) {
      const definition = portal.definition(type, name);
      if (!definition) throw new Error(`unknown ${type} property ${name}`);
      const check = checkValue(type, definition, raw);
      if (!check.ok) throw new Error(check.problem.message);
      values[name] = check.value;
    }
    return structuredClone(portal.create(type, values));
  }

  /** Simulates a user deleting a record in HubSpot (stored ids go stale, associations disappear). */
  deleteObject(portalId: string | number, type: HubSpotObjectType, id: string): boolean {
    return this.entry(portalKey(portalId)).portal.remove(type, id);
  }

  associations(portalId: string | number, fromType: HubSpotObjectType, fromId: string, toType: HubSpotObjectType): string[] {
    return this.entry(portalKey(portalId)).portal.associatedIds(fromType, fromId, toType);
  }

  /** Defines a property directly (group created if missing), e.g. a unique id property for deals. */
  defineProperty(portalId: string | number, type: HubSpotObjectType, definition: PropertyDefinitionInput): PropertyDefinition {
    return structuredClone(this.entry(portalKey(portalId)).portal.defineProperty(type, definition));
  }

  properties(portalId: string | number, type: HubSpotObjectType): PropertyDefinition[] {
    return [...this.entry(portalKey(portalId)).portal.definitions(type).values()].map((d) => structuredClone(d));
  }

  propertyGroups(portalId: string | number, type: HubSpotObjectType): PropertyGroup[] {
    return [...this.entry(portalKey(portalId)).portal.groupsOf(type).values()].map((g) => structuredClone(g));
  }

  /** The portal's marketing events as the API shows them (plus the external ids). */
  marketingEvents(portalId: string | number): (ReturnType<typeof publicEvent> & Pick<FakeMarketingEvent, 'externalAccountId' | 'externalEventId'>)[] {
    return [...this.marketing.of(portalKey(portalId)).events.values()].map((e) => structuredClone(publicEvent(e)));
  }

  /** Participations of a marketing event (by objectId), or of every event of the portal. */
  participations(portalId: string | number, objectId?: string): FakeParticipation[] {
    return [...this.marketing.of(portalKey(portalId)).participations.values()]
      .filter((p) => objectId === undefined || p.objectId === objectId)
      .map((p) => structuredClone(p));
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────────

  private entry(portalId: string): PortalEntry {
    let entry = this.portals.get(portalId);
    if (!entry) {
      const ids = { next: () => String(this.nextObjectId++) };
      entry = {
        portal: new Portal(portalId, ids, this.now),
        window: new SlidingWindow(this.rateLimit),
        searchWindow: new SlidingWindow(this.searchRateLimit),
      };
      this.portals.set(portalId, entry);
    }
    return entry;
  }

  private core(): FakeCore {
    return {
      app: this.app,
      auth: this.auth,
      now: this.now,
      authorizingPortal: () => this.authorizing,
      tokenTtlMs: (id) => this.portals.get(id)?.tokenTtlMs ?? this.options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
      searchLagMs: () => this.options.searchLagMs ?? 0,
      shuffleSeed: () => (this.options.preserveResultOrder ? 0 : ++this.shuffleCounter),
      countRefresh: (id) => this.refreshes.set(id, (this.refreshes.get(id) ?? 0) + 1),
      countCodeExchange: (id) => this.codeExchanges.set(id, (this.codeExchanges.get(id) ?? 0) + 1),
      crmRoute: (method, url, rule, handler) => this.crmRoute(method, url, rule, handler),
    };
  }

  private crmRoute(method: string, url: string, rule: CrmRouteRule, handler: CrmHandler): void {
    this.crmRules.set(`${method} ${url}`, rule);
    this.app.route({
      method,
      url,
      preHandler: (request, reply) => this.guard(request, reply, rule),
      handler: (request, reply) => {
        const { portalId, token } = this.states.get(request)!;
        if (portalId === undefined || token === undefined) throw new Error('guard let an unauthenticated request through');
        const params = request.params as Record<string, string>;
        return handler(request, { portal: this.entry(portalId).portal, token, params }, reply);
      },
    });
  }

  /** Auth, scope, rate limits and faults, in the order HubSpot's edge would apply them. */
  private async guard(request: FastifyRequest, reply: FastifyReply, rule: CrmRouteRule): Promise<FastifyReply | void> {
    const state = this.states.get(request)!;
    const checked = this.auth.check(request.headers.authorization);
    if (!checked.ok) return reply.code(401).send(errorBody(checked.category, checked.message));
    const token = checked.token;
    const entry = this.entry(token.portalId);
    state.portalId = token.portalId;
    state.token = token;

    const scope = rule.scope(request.params as Record<string, string>);
    if (token.scopes !== null && !token.scopes.includes(scope)) {
      return reply.code(403).send(
        errorBody(
          'MISSING_SCOPES',
          "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
          {
            errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [scope] } }],
            links: { scopes: 'https://developers.hubspot.com/scopes' },
          },
        ),
      );
    }

    const t = this.now();
    const general = entry.window.check(t);
    const search = rule.search ? entry.searchWindow.check(t) : general;
    const spec = entry.window.spec;
    if (!general.ok || !search.ok) {
      const waitMs = Math.max(general.ok ? 0 : general.retryAfterMs, search.ok ? 0 : search.retryAfterMs);
      state.rate = { max: spec.limit, remaining: 0, intervalMs: spec.intervalMs };
      return reply
        .code(429)
        .header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))))
        .send(
          errorBody('RATE_LIMITS', general.ok ? 'You have reached your secondly limit.' : 'You have reached your ten_secondly_rolling limit.', {
            errorType: 'RATE_LIMIT',
            policyName: general.ok ? 'SECONDLY' : 'TEN_SECONDLY_ROLLING',
          }),
        );
    }

    const fault = this.faults.take(`${request.method} ${pathOf(request.url)}`, token.portalId);
    if (fault?.status === 429) {
      // A request answered 429 does not count against the window, injected or not.
      state.rate = { max: spec.limit, remaining: 0, intervalMs: spec.intervalMs };
      return this.sendFault(reply, 429, fault.retryAfterSeconds, fault.body, fault.delayMs);
    }
    entry.window.record(t);
    if (rule.search) entry.searchWindow.record(t);
    state.rate = { max: spec.limit, remaining: general.remaining, intervalMs: spec.intervalMs };
    if (fault) return this.applyFault(request, reply, state, fault);
  }

  private async applyFault(
    request: FastifyRequest,
    reply: FastifyReply,
    state: RequestState,
    fault: FaultSpec,
  ): Promise<FastifyReply | void> {
    if (fault.status === 'reset') {
      if (fault.delayMs) await sleep(fault.delayMs);
      this.record(request, state, 0);
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (fault.status === undefined) {
      if (fault.delayMs) await sleep(fault.delayMs);
      return;
    }
    return this.sendFault(reply, fault.status, fault.retryAfterSeconds, fault.body, fault.delayMs);
  }

  private async sendFault(reply: FastifyReply, status: number, retryAfterSeconds?: number, body?: unknown, delayMs?: number) {
    if (delayMs) await sleep(delayMs);
    const fallback = faultBody(status);
    if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
    return reply
      .code(status)
      .type(body === undefined ? fallback.type : 'application/json')
      .send(body === undefined ? fallback.body : body);
  }

  private record(request: FastifyRequest, state: RequestState, status: number): void {
    if (state.logged) return;
    state.logged = true;
    this.log.push({
      at: state.at,
      method: request.method,
      path: pathOf(request.url),
      route: `${request.method} ${request.routeOptions.url ?? pathOf(request.url)}`,
      ...(state.portalId === undefined ? {} : { portalId: state.portalId }),
      status,
      body: this.options.recordBodies === false ? undefined : request.body,
    });
  }

  private installHooks(): void {
    this.app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    this.app.addHook('onRequest', async (request, reply) => {
      const raw = request.raw;
      this.unanswered.add(raw);
      // Covers every way out: a sent answer, a dropped connection, a client that gave up.
      reply.raw.once('close', () => this.unanswered.delete(raw));
      if (this.gate.current) await this.gate.current;
      const latency = typeof this.latency === 'function' ? this.latency() : this.latency;
      if (latency > 0) await sleep(latency);
      this.states.set(request, { at: this.now() });
    });

    // Faults aimed explicitly at non-CRM routes (the OAuth endpoints); CRM routes take theirs in `guard`.
    this.app.addHook('preHandler', async (request, reply) => {
      const key = `${request.method} ${request.routeOptions.url ?? ''}`;
      if (this.crmRules.has(key)) return;
      const concrete = `${request.method} ${pathOf(request.url)}`;
      if (routeMatches(undefined, concrete)) return;
      const fault = this.faults.take(concrete, undefined);
      if (fault) return this.applyFault(request, reply, this.states.get(request)!, fault);
    });

    this.app.addHook('onSend', async (request, reply, payload) => {
      // The answer leaves now: a client cannot have seen it before this point.
      this.unanswered.delete(request.raw);
      const rate = this.states.get(request)?.rate;
      if (rate && Number.isFinite(rate.max)) {
        reply.header('x-hubspot-ratelimit-max', String(rate.max));
        reply.header('x-hubspot-ratelimit-remaining', String(rate.remaining));
        reply.header('x-hubspot-ratelimit-interval-milliseconds', String(rate.intervalMs));
      }
      reply.header('x-hubspot-correlation-id', randomUUID());
      return payload;
    });

    this.app.addHook('onResponse', async (request, reply) => {
      const state = this.states.get(request);
      if (state) this.record(request, state, reply.statusCode);
    });

    this.app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
      if (error instanceof FakeHttpError) return reply.code(error.statusCode).headers(error.headers).send(error.body);
      const status = error.statusCode ?? 500;
      if (status === 415) return reply.code(415).send(errorBody('UNSUPPORTED_MEDIA_TYPE', error.message));
      if (status < 500) return reply.code(status).send(errorBody('VALIDATION_ERROR', `Invalid input JSON: ${error.message}`));
      console.error('fake HubSpot handler failed', error);
      return reply.code(500).send(errorBody('INTERNAL_ERROR', `fake HubSpot bug: ${error.message}`));
    });

    this.app.setNotFoundHandler((request, reply) =>
      reply.code(404).send(errorBody('OBJECT_NOT_FOUND', `No route ${request.method} ${pathOf(request.url)} in the fake HubSpot API`)),
    );
  }
}

function count(map: Map<string, number>, portalId?: string | number): number {
  if (portalId !== undefined) return map.get(portalKey(portalId)) ?? 0;
  let sum = 0;
  for (const value of map.values()) sum += value;
  return sum;
}

export async function startFakeHubSpot(options?: FakeHubSpotOptions): Promise<FakeHubSpot> {
  const fake = new FakeHubSpot(options);
  await fake.listen();
  return fake;
}
