// The fake's HTTP side: the request pipeline in the order pretix/DRF runs it (authentication, permissions,
// throttling, then the view), and the read endpoints plus the webhook management API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mergedPage, ORDERING_FIELDS, type OrderQuery, type OrderStore } from './orders';
import type { EventState, OrganizerState, PretixFakeState } from './state';
import type { Json, RouteKind, TokenGrant, TokenPermissions, WebhookRecord } from './types';
import { validateWebhookBody } from './webhooks';

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Context {
  state: PretixFakeState;
  url: URL;
  /** Base of absolute links (`next`, `previous`). */
  linkBase: string;
  grant: TokenGrant;
  organizer: OrganizerState;
  event?: EventState;
  params: string[];
  body: unknown;
}

type Handler = (ctx: Context) => Reply | Promise<Reply>;

interface Route {
  pattern: RegExp;
  kind: RouteKind;
  /** Needed on top of access to the organizer/event; undefined = any team with access may read. */
  permission?: keyof TokenPermissions;
  /** Whether the second path segment is an event slug that must exist and be visible. */
  eventScoped: boolean;
  methods: Partial<Record<string, Handler>>;
}

const PAGE_SIZE = 50;
const DENIED = 'You do not have permission to perform this action.';
// Django's get_object_or_404 message, with the model name (checked against pretix 2026.8.0).
const notFound = (model: 'Order' | 'WebHook'): Reply => ({ status: 404, body: { detail: `No ${model} matches the given query.` } });
const invalidPage = (): Reply => ({ status: 404, body: { detail: 'Invalid page.' } });

// ----- pagination (DRF PageNumberPagination, page_size ≤ 50) -----

function pageWindow(url: URL, count: number): { page: number; size: number } | null {
  const requested = Number(url.searchParams.get('page_size'));
  const size = Number.isInteger(requested) && requested > 0 ? Math.min(requested, PAGE_SIZE) : PAGE_SIZE;
  const raw = url.searchParams.get('page') ?? '1';
  const page = /^\d+$/.test(raw) ? Number(raw) : NaN;
  const pages = Math.max(1, Math.ceil(count / size));
  if (!Number.isInteger(page) || page < 1 || page > pages) return null;
  return { page, size };
}

/** DRF's replace_query_param / remove_query_param: parameters come back sorted by name. */
function pageLink(ctx: Context, page: number | null): string {
  const params = new URLSearchParams(ctx.url.search);
  params.delete('page');
  if (page !== null) params.set('page', String(page));
  params.sort();
  const query = params.toString();
  return `${ctx.linkBase}${ctx.url.pathname}${query ? `?${query}` : ''}`;
}

function paginated(ctx: Context, count: number, window: { page: number; size: number }, results: unknown[]): Json {
  const { page, size } = window;
  return {
    count,
    next: page * size < count ? pageLink(ctx, page + 1) : null,
    previous: page > 1 ? pageLink(ctx, page === 2 ? null : page - 1) : null,
    results,
  };
}

function listReply(ctx: Context, all: unknown[]): Reply {
  const window = pageWindow(ctx.url, all.length);
  if (!window) return invalidPage();
  const offset = (window.page - 1) * window.size;
  return { status: 200, body: paginated(ctx, all.length, window, all.slice(offset, offset + window.size)) };
}

// ----- orders -----

function publicOrder(order: Json, includeCanceled: boolean): Json {
  if (includeCanceled) return order;
  const positions = (order.positions as Json[] | undefined) ?? [];
  return { ...order, positions: positions.filter((p) => p.canceled !== true) };
}

const wantsCanceled = (url: URL) => url.searchParams.get('include_canceled_positions')?.toLowerCase() === 'true';

function parseBooleanParam(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  return undefined;
}

/** The order list's filters and ordering, as pretix's OrderFilter and TotalOrderingFilter read them. */
function orderQuery(url: URL): { query: OrderQuery } | { error: Reply } {
  const p = url.searchParams;
  const nonEmpty = (key: string) => (p.get(key) ? p.get(key)! : undefined);
  const query: OrderQuery = { code: nonEmpty('code'), email: nonEmpty('email'), status: nonEmpty('status'), ordering: 'datetime' };
  const testmode = nonEmpty('testmode');
  if (testmode !== undefined) {
    // pretix ignores a testmode value that is not a boolean (no filter, no 400), as pretix 2026.8.0 does.
    const parsed = parseBooleanParam(testmode);
    if (parsed !== undefined) query.testmode = parsed;
  }
  const since = nonEmpty('modified_since');
  if (since !== undefined) {
    const ms = /^\d{4}-\d{2}-\d{2}/.test(since) ? Date.parse(since) : NaN;
    if (Number.isNaN(ms)) return { error: { status: 400, body: { modified_since: ['Enter a valid date/time.'] } } };
    query.modifiedSinceMs = ms;
  }
  // DRF's OrderingFilter ignores unknown fields and falls back to the default (datetime).
  const ordering = (p.get('ordering') ?? '')
    .split(',')
    .map((term) => term.trim())
    .find((term) => ORDERING_FIELDS.includes(term.replace(/^-/, '')));
  if (ordering) query.ordering = ordering;
  return { query };
}

function orderListReply(ctx: Context, stores: OrderStore[]): Reply {
  // pretix takes the time before it queries, so a change during the query is picked up by the next sync.
  const generated = new Date(ctx.state.now()).toISOString();
  const parsed = orderQuery(ctx.url);
  if ('error' in parsed) return parsed.error;
  const filter = parsed.query;
  const count = mergedPage(stores, filter, 0, 0).count;
  const window = pageWindow(ctx.url, count);
  if (!window) return invalidPage();
  const { orders: page } = mergedPage(stores, filter, (window.page - 1) * window.size, window.size);
  const includeCanceled = wantsCanceled(ctx.url);
  return {
    status: 200,
    body: paginated(ctx, count, window, page.map((o) => publicOrder(o, includeCanceled))),
    headers: { 'X-Page-Generated': generated },
  };
}

const listOrders = (ctx: Context): Reply => orderListReply(ctx, [ctx.event!.orders]);

/**
 * `/organizers/{o}/orders/`: the orders of every event the token may read orders of. pretix filters the events
 * by permission instead of refusing (OrganizerOrderViewSet), so a team without it gets an empty list, not a 403.
 */
function listOrganizerOrders(ctx: Context): Reply {
  const readable = ctx.grant.permissions.ordersRead
    ? [...ctx.organizer.events.entries()].filter(([slug]) => !ctx.grant.events || ctx.grant.events.includes(slug)).map(([, e]) => e.orders)
    : [];
  return orderListReply(ctx, readable);
}

function getOrder(ctx: Context): Reply {
  const code = ctx.params[2]!;
  const order = ctx.event!.orders.get(code);
  if (!order || order.code !== code) return notFound('Order');
  return { status: 200, body: publicOrder(order, wantsCanceled(ctx.url)) };
}

// ----- webhooks -----

function findWebhook(ctx: Context): WebhookRecord | undefined {
  const id = ctx.params[1]!;
  return /^\d+$/.test(id) ? ctx.organizer.webhooks.find((w) => w.id === Number(id)) : undefined;
}

function saveWebhook(ctx: Context, existing: WebhookRecord | undefined, partial: boolean): Reply {
  const result = validateWebhookBody(ctx.body, existing, partial, new Set(ctx.organizer.events.keys()));
  if (!result.ok) return { status: 400, body: result.errors };
  if (existing) {
    Object.assign(existing, result.value);
    return { status: 200, body: existing };
  }
  return { status: 201, body: ctx.state.createWebhook(ctx.organizer, result.value) };
}

function listWebhooks(ctx: Context): Reply {
  const enabled = ctx.url.searchParams.get('enabled');
  const wanted = enabled === null ? undefined : parseBooleanParam(enabled);
  return listReply(ctx, ctx.organizer.webhooks.filter((w) => wanted === undefined || w.enabled === wanted));
}

function withWebhook(handler: (ctx: Context, webhook: WebhookRecord) => Reply): Handler {
  return (ctx) => {
    const webhook = findWebhook(ctx);
    return webhook ? handler(ctx, webhook) : notFound('WebHook');
  };
}

// ----- routing table -----

const O = '/api/v1/organizers/([^/]+)';
const E = `${O}/events/([^/]+)`;

const ROUTES: Route[] = [
  {
    pattern: new RegExp(`^${O}/events/$`),
    kind: 'other',
    eventScoped: false,
    methods: {
      GET: (ctx) => {
        // A team limited to some events sees only those.
        const visible = [...ctx.organizer.events.values()].filter((e) => !ctx.grant.events || ctx.grant.events.includes(String(e.event.slug)));
        // The list serializer leaves out `valid_keys`; only the event detail has it (pretix 2026.8.0).
        const listed = visible.map(({ event }) => {
          const { valid_keys: _validKeys, ...rest } = event;
          return rest;
        });
        return listReply(ctx, listed);
      },
      // Creating an event (pretix's `organizer.events:create`): like pretix without a task broker, the
      // `pretix.event.added` notification is delivered before the answer.
      POST: async (ctx) => {
        if (!ctx.grant.permissions.eventsCreate) return { status: 403, body: { detail: DENIED } };
        const data = (ctx.body ?? {}) as Json;
        const slug = data.slug;
        if (typeof slug !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9.-]*$/.test(slug)) return { status: 400, body: { slug: ['Enter a valid "slug".'] } };
        if (ctx.organizer.events.has(slug)) return { status: 400, body: { slug: ['This slug has already been used for a different event.'] } };
        if (data.name === undefined || data.date_from === undefined) {
          return { status: 400, body: Object.fromEntries(['name', 'date_from'].filter((k) => data[k] === undefined).map((k) => [k, ['This field is required.']])) };
        }
        await ctx.state.createEvent(ctx.organizer.slug, { ...data, slug });
        return { status: 201, body: ctx.state.eventState(ctx.organizer.slug, slug).event };
      },
    },
  },
  { pattern: new RegExp(`^${E}/$`), kind: 'other', eventScoped: true, methods: { GET: (ctx) => ({ status: 200, body: ctx.event!.event }) } },
  { pattern: new RegExp(`^${E}/settings/$`), kind: 'other', eventScoped: true, methods: { GET: (ctx) => ({ status: 200, body: ctx.event!.settings }) } },
  { pattern: new RegExp(`^${E}/items/$`), kind: 'other', eventScoped: true, methods: { GET: (ctx) => listReply(ctx, ctx.event!.items) } },
  { pattern: new RegExp(`^${E}/questions/$`), kind: 'other', eventScoped: true, methods: { GET: (ctx) => listReply(ctx, ctx.event!.questions) } },
  {
    pattern: new RegExp(`^${E}/checkinlists/$`),
    kind: 'other',
    eventScoped: true,
    permission: 'ordersRead',
    methods: { GET: (ctx) => listReply(ctx, ctx.event!.checkinLists) },
  },
  { pattern: new RegExp(`^${O}/orders/$`), kind: 'orderList', eventScoped: false, methods: { GET: listOrganizerOrders } },
  { pattern: new RegExp(`^${E}/orders/$`), kind: 'orderList', eventScoped: true, permission: 'ordersRead', methods: { GET: listOrders } },
  { pattern: new RegExp(`^${E}/orders/([^/]+)/$`), kind: 'orderDetail', eventScoped: true, permission: 'ordersRead', methods: { GET: getOrder } },
  {
    pattern: new RegExp(`^${O}/webhooks/$`),
    kind: 'other',
    eventScoped: false,
    permission: 'organizerSettingsWrite',
    methods: { GET: listWebhooks, POST: (ctx) => saveWebhook(ctx, undefined, false) },
  },
  {
    pattern: new RegExp(`^${O}/webhooks/([^/]+)/$`),
    kind: 'other',
    eventScoped: false,
    permission: 'organizerSettingsWrite',
    methods: {
      GET: withWebhook((_ctx, webhook) => ({ status: 200, body: webhook })),
      PATCH: withWebhook((ctx, webhook) => saveWebhook(ctx, webhook, true)),
      PUT: withWebhook((ctx, webhook) => saveWebhook(ctx, webhook, false)),
      // pretix never deletes a webhook through the API: it only disables it.
      DELETE: withWebhook((_ctx, webhook) => {
        webhook.enabled = false;
        return { status: 204 };
      }),
    },
  },
];

function routeKind(path: string): RouteKind {
  if (/\/events\/[^/]+\/orders\/[^/]+\//.test(path)) return 'orderDetail';
  if (/\/events\/[^/]+\/orders\/$/.test(path) || /^\/api\/v1\/organizers\/[^/]+\/orders\/$/.test(path)) return 'orderList';
  return 'other';
}

// ----- the pipeline -----

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.status === 204) {
    res.writeHead(204, reply.headers);
    res.end();
    return;
  }
  res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
  res.end(JSON.stringify(reply.body ?? {}));
}

function takeFailure(state: PretixFakeState, method: string, path: string, kind: RouteKind) {
  const index = state.failures.findIndex(
    (rule) => rule.match === undefined || (typeof rule.match === 'string' ? rule.match === kind : rule.match.test(`${method} ${path}`)),
  );
  if (index < 0) return undefined;
  const rule = state.failures[index]!;
  rule.remaining -= 1;
  if (rule.remaining <= 0) state.failures.splice(index, 1);
  return rule;
}

export async function handleRequest(state: PretixFakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const path = url.pathname;
  const kind = routeKind(path);
  const organizerSlug = /^\/api\/v1\/organizers\/([^/]+)\//.exec(path)?.[1];
  const authorization = req.headers.authorization;
  let status = 0;
  const finish = (reply: Reply) => {
    status = reply.status;
    send(res, reply);
  };

  try {
    if (organizerSlug) state.traffic.record(organizerSlug, kind);
    if (state.gate.current) await state.gate.current;
    if (state.latencyMs > 0) await sleep(state.latencyMs);

    const failure = takeFailure(state, method, path, kind);
    if (failure) {
      if (failure.status === 'reset') {
        req.socket.destroy();
        return;
      }
      if (failure.status === 'hang') return; // closed by the server on close()
      const code = failure.status ?? 500;
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'Retry-After': String(failure.retryAfterSeconds) } : {};
      const detail = code === 429 ? 'Request was throttled.' : code >= 500 ? 'Internal Server Error' : 'Injected failure.';
      return finish({ status: code, headers, body: failure.body ?? { detail } });
    }

    const match = ROUTES.map((route) => ({ route, m: route.pattern.exec(path) })).find((r) => r.m);
    if (!match) {
      // Django's own 404 page: HTML, not JSON (unknown URL, e.g. a base URL that is not pretix's).
      status = 404;
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>Not Found</title><h1>Not Found</h1><p>The requested resource was not found on this server.</p>');
      return;
    }
    const params = match.m!.slice(1).map(decodeURIComponent);
    const { route } = match;

    // Authentication (DRF: 401 with a WWW-Authenticate header).
    const tokenMatch = /^Token\s+(\S+)$/i.exec(authorization ?? '');
    if (!authorization) {
      return finish({ status: 401, headers: { 'WWW-Authenticate': 'Token' }, body: { detail: 'Authentication credentials were not provided.' } });
    }
    const grant = tokenMatch ? state.tokens.get(tokenMatch[1]!) : undefined;
    if (!grant) return finish({ status: 401, headers: { 'WWW-Authenticate': 'Token' }, body: { detail: 'Invalid token.' } });

    // Permissions: unknown organizer/event and missing permissions all look the same (403), as in pretix.
    const organizer = state.organizers.get(params[0]!);
    if (!organizer || grant.organizer !== organizer.slug) return finish({ status: 403, body: { detail: DENIED } });
    let event: EventState | undefined;
    if (route.eventScoped) {
      event = organizer.events.get(params[1]!);
      if (!event || (grant.events && !grant.events.includes(params[1]!))) return finish({ status: 403, body: { detail: DENIED } });
    }
    if (route.permission && !grant.permissions[route.permission]) return finish({ status: 403, body: { detail: DENIED } });

    const throttle = state.traffic.admit(organizer.slug);
    if (!throttle.allowed) {
      const s = throttle.retryAfterSeconds;
      return finish({
        status: 429,
        headers: { 'Retry-After': String(s) },
        body: { detail: `Request was throttled. Expected available in ${s} second${s === 1 ? '' : 's'}.` },
      });
    }

    const handler = route.methods[method];
    if (!handler) return finish({ status: 405, body: { detail: `Method "${method}" not allowed.` } });

    let body: unknown;
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      const raw = await readBody(req);
      const type = req.headers['content-type'] ?? '';
      if (raw !== '' && !type.startsWith('application/json')) {
        return finish({ status: 415, body: { detail: `Unsupported media type "${type}" in request.` } });
      }
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch (error) {
        return finish({ status: 400, body: { detail: `JSON parse error - ${(error as Error).message}` } });
      }
    }

    // pretix's X-Idempotency-Key: a repeated write with the same key gets the first answer again.
    const idempotencyKey = method !== 'GET' ? req.headers['x-idempotency-key'] : undefined;
    const cacheKey = typeof idempotencyKey === 'string' ? `${tokenMatch![1]}|${idempotencyKey}` : undefined;
    const cached = cacheKey ? state.idempotency.get(cacheKey) : undefined;
    if (cached) return finish({ status: cached.status, body: cached.body });

    const linkBase = (state.linkBaseUrl ?? `http://${req.headers.host ?? 'localhost'}`).replace(/\/+$/, '');
    const reply = await handler({ state, url, linkBase, grant, organizer, event, params, body });
    if (cacheKey && reply.status < 500) state.idempotency.set(cacheKey, { status: reply.status, body: structuredClone(reply.body) });
    return finish(reply);
  } catch (error) {
    finish({ status: 500, body: { detail: `fake pretix error: ${(error as Error).message}` } });
  } finally {
    // status 0: the connection was dropped or left hanging on purpose.
    state.record({ method, path, query: url.search, status, kind, organizer: organizerSlug, authorization, accept: req.headers.accept });
  }
}
