// pretix REST API client for one connection (base URL + organizer + team API token).
// Every request: Token auth, JSON, a timeout, the shared per-organizer rate limiter, answers validated with the zod
// schemas. Failures come out as sync-job errors (../domain/errors): 429/5xx/network are transient and retried here a
// few times first, 401/403 are configuration problems, 400 is permanent. The token never appears in a message.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { HttpTransport, NetworkFailure, parseRetryAfter, type RetryEvent, type TransportResponse } from '../lib/http-transport';
import type { Priority, RateLimiter } from '../lib/rate-limiter';
import { pathSegment } from '../lib/url-path';
import { PermanentSyncError, SyncConfigError, TransientSyncError } from '../domain/errors';
import { PretixConnectionError, PretixForbiddenError, PretixResponseError, PretixUnknownEventError } from './errors';
import {
  checkinListSchema,
  eventSchema,
  eventSettingsSchema,
  itemSchema,
  orderSchema,
  organizerSchema,
  paginated,
  questionSchema,
  subEventSchema,
  type PretixCheckinList,
  type PretixEvent,
  type PretixEventSettings,
  type PretixItem,
  type PretixOrder,
  type PretixQuestion,
  type PretixSubEvent,
} from './schemas';

// The webhook resource (reference/pretix.md, "Driving a real pretix" §4). It belongs with the other response
// schemas in ./schemas; it lives here until that file takes it.
export const pretixWebhookSchema = z.looseObject({
  id: z.number().int(),
  enabled: z.boolean(),
  target_url: z.string(),
  all_events: z.boolean(),
  limit_events: z.array(z.string()),
  action_types: z.array(z.string()),
  comment: z.string().nullish(),
});
export type PretixWebhook = z.infer<typeof pretixWebhookSchema>;

export interface PretixWebhookInput {
  target_url: string;
  /** Registered types only, e.g. `pretix.event.order.changed.*` (not a concrete `.changed.item`). */
  action_types: string[];
  enabled?: boolean;
  /** pretix rejects `all_events: true` together with a non-empty `limit_events`. */
  all_events?: boolean;
  /** Required by pretix on create, even with `all_events: true` (then `[]`). */
  limit_events: string[];
  comment?: string | null;
}

export interface OrdersPage {
  orders: PretixOrder[];
  page: number;
  /** The page's `X-Page-Generated` header: pretix's clock just before it ran the query (null if absent). */
  pageGenerated: string | null;
  hasNext: boolean;
  count: number;
}

export interface ListOrdersOptions {
  /** Only orders with `last_modified >= modifiedSince`. */
  modifiedSince?: string | Date;
  /** `datetime` (default, stable while paging), `last_modified`, `code`, optionally with a leading `-`. */
  ordering?: string;
  /** Resume a listing at this page (1-based). */
  startPage?: number;
  /** Filter on test-mode orders; pretix recommends `false` when syncing with modified_since. Default: no filter. */
  testmode?: boolean;
  /** 1–50; pretix's default and maximum is 50. */
  pageSize?: number;
  /** Only orders with this order email (pretix: one value, case-insensitive exact match). */
  email?: string;
}

export interface PretixClientOptions {
  /** e.g. `https://pretix.eu` (a trailing `/api/v1` is tolerated and removed). */
  baseUrl: string;
  organizer: string;
  token: string;
  limiter?: RateLimiter;
  /** The limiter's class for this client's requests: 'interactive' when a person waits (default 'background'). */
  priority?: Priority;
  fetch?: typeof fetch;
  /** Per request, body included (default 20 s). */
  timeoutMs?: number;
  /** Retries after 429, 5xx, network errors and timeouts (default 4). */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** A Retry-After longer than this is not waited out in-process: the job fails transiently instead (default 60 s). */
  maxRetryAfterMs?: number;
  /** First backoff step for 5xx and network errors (default 500 ms), doubling up to backoffMaxMs (default 8 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** For the backoff jitter; tests can pin it. */
  random?: () => number;
  /** Told about every retry (for the rate-limited retry log); never receives the token. */
  onRetry?: (event: RetryEvent) => void;
}

/** DRF error bodies: `{"detail": "…"}` or `{"field": ["…"], "positions": [{"item": ["…"]}]}`. */
function describeErrorBody(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text.trim() === '' ? '(empty answer)' : '(not JSON)';
  }
  const parts: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') parts.push(path ? `${path}: ${value}` : value);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, typeof v === 'string' ? path : `${path}[${i}]`));
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) walk(v, key === 'detail' || key === 'non_field_errors' ? path : path ? `${path}.${key}` : key);
    }
  };
  walk(body, '');
  const message = parts.join('; ');
  return message.length > 500 ? `${message.slice(0, 500)}…` : message || '(no details)';
}

const isJsonAnswer = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

export class PretixClient {
  readonly baseUrl: string;
  readonly organizer: string;
  /** Shared limiter key: one window per pretix installation and organizer, like pretix Hosted counts. */
  readonly rateLimitKey: string;
  private readonly origin: string;
  /** `/api/v1/` below the base URL's path (self-hosted pretix may live under a path prefix). */
  private readonly apiPath: string;
  private readonly token: string;
  private readonly transport: HttpTransport;

  constructor(options: PretixClientOptions) {
    const base = URL.canParse(options.baseUrl) ? new URL(options.baseUrl) : null;
    if (!base || (base.protocol !== 'https:' && base.protocol !== 'http:') || base.username || base.password || base.search) {
      throw new PretixConnectionError(
        'the pretix address must be a plain http(s) URL such as https://pretix.eu, without credentials or query',
        'invalid_base_url',
      );
    }
    const path = base.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.origin = base.origin;
    this.baseUrl = `${base.origin}${path}`;
    this.apiPath = `${path}/api/v1/`;
    this.organizer = options.organizer;
    this.token = options.token;
    this.rateLimitKey = `${this.baseUrl}|${this.organizer}`;
    this.transport = new HttpTransport({
      service: 'pretix',
      fetch: options.fetch,
      limiter: options.limiter,
      limiterKey: this.rateLimitKey,
      priority: options.priority,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      backoffBaseMs: options.backoffBaseMs,
      backoffMaxMs: options.backoffMaxMs,
      maxRetryAfterMs: options.maxRetryAfterMs,
      sleep: options.sleep,
      random: options.random,
      onRetry: options.onRetry,
    });
  }

  // ----- public API -----

  /**
   * Checks base URL, organizer and token with one cheap request, for the connection setup. Returns the number of
   * events the token can see; throws PretixConnectionError with a message meant for the person setting it up.
   */
  async verifyAccess(): Promise<number> {
    const url = this.url(`organizers/${this.org()}/events/`, { page_size: '1' });
    let response: TransportResponse;
    try {
      // A person is waiting: one retry at most.
      response = await this.exchange('GET', url, undefined, Math.min(this.transport.maxRetries, 1));
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error;
      throw new PretixConnectionError(`could not reach pretix at ${this.baseUrl}: ${error.detail}`, error.kind === 'timeout' ? 'timeout' : 'unreachable');
    }
    const { status } = response;
    const fail = (message: string, problem: PretixConnectionError['problem']) => new PretixConnectionError(message, problem, status);
    if (status === 401) {
      throw fail('pretix rejected the API token (401). Check that the whole token was copied and that it has not been revoked.', 'unauthorized');
    }
    if (status === 403) {
      throw fail(
        `the token cannot see organizer "${this.organizer}" on ${this.baseUrl} (403). Check the organizer's short form ` +
          '(as in the pretix URL) and that the token belongs to a team of this organizer.',
        'forbidden',
      );
    }
    if (status === 404) {
      throw fail(
        `${this.baseUrl} does not look like a pretix API (404 for ${this.apiPath}organizers/…/events/). ` +
          'Enter the address of the pretix installation, e.g. https://pretix.eu, without /api/v1.',
        'not_found',
      );
    }
    if (status === 429) throw fail(`pretix at ${this.baseUrl} is rate-limiting this organizer (429); try again in a minute.`, 'rate_limited');
    if (status >= 500) throw fail(`pretix at ${this.baseUrl} has a problem (HTTP ${status}); try again later.`, 'server_error');
    if (status < 200 || status >= 300) {
      const where = status >= 300 && status < 400 ? ` (redirect to ${this.describeLocation(response)}; is the address right, https?)` : '';
      throw fail(`pretix at ${this.baseUrl} answered HTTP ${status}${where}.`, 'unexpected_response');
    }
    const parsed = paginated(z.unknown()).safeParse(isJsonAnswer(response.text) ? JSON.parse(response.text) : undefined);
    if (!parsed.success) {
      throw fail(`${this.baseUrl} answered, but not like a pretix API; check the address.`, 'unexpected_response');
    }
    return parsed.data.count;
  }

  async listEvents(): Promise<PretixEvent[]> {
    return this.listAll(`organizers/${this.org()}/events/`, eventSchema);
  }

  async getEvent(event: string): Promise<PretixEvent> {
    return this.get(`${this.eventPath(event)}/`, eventSchema);
  }

  /** One date of an event series; null when pretix no longer has it (deleted). */
  async getSubEvent(event: string, id: number): Promise<PretixSubEvent | null> {
    return (await this.request('GET', this.url(`${this.eventPath(event)}/subevents/${pathSegment(String(id))}/`), subEventSchema, { notFoundAsNull: true })) ?? null;
  }

  /** The organizer's display name (for marketing events). */
  async getOrganizerName(): Promise<string> {
    return (await this.get(`organizers/${this.org()}/`, organizerSchema)).name;
  }

  async getEventSettings(event: string): Promise<PretixEventSettings> {
    return this.get(`${this.eventPath(event)}/settings/`, eventSettingsSchema);
  }

  async listItems(event: string): Promise<PretixItem[]> {
    return this.listAll(`${this.eventPath(event)}/items/`, itemSchema);
  }

  async listQuestions(event: string): Promise<PretixQuestion[]> {
    return this.listAll(`${this.eventPath(event)}/questions/`, questionSchema);
  }

  async listCheckinLists(event: string): Promise<PretixCheckinList[]> {
    return this.listAll(`${this.eventPath(event)}/checkinlists/`, checkinListSchema);
  }

  /** The order with all positions, canceled ones included (`canceled: true`); null if pretix has no such order. */
  async getOrder(event: string, code: string): Promise<PretixOrder | null> {
    const url = this.url(`${this.eventPath(event)}/orders/${pathSegment(code)}/`, { include_canceled_positions: 'true' });
    const result = await this.request('GET', url, orderSchema, { notFoundAsNull: true });
    return result ?? null;
  }

  /**
   * Streams the event's orders page by page (50 a page), following pretix's `next` links; positions include
   * canceled ones, as in getOrder, so both paths give the same order shape.
   * For incremental syncs keep the *first* page's `pageGenerated` as the next `modifiedSince`: orders changed while
   * later pages were read may have moved to pages already read.
   */
  async *listOrders(event: string, options: ListOrdersOptions = {}): AsyncGenerator<OrdersPage, void, undefined> {
    // Generators (not plain returns) so that a refused path segment fails on the first page, like a request would.
    yield* this.orderPages(`${this.eventPath(event)}/orders/`, options);
  }

  /**
   * The same listing across every event of the organizer that the token may read orders of
   * (`GET /organizers/{o}/orders/`, same filters and ordering); each order names its event in `event`.
   * One request finds a contact's orders in all events, however many there are.
   */
  async *listOrganizerOrders(options: ListOrdersOptions = {}): AsyncGenerator<OrdersPage, void, undefined> {
    yield* this.orderPages(`organizers/${this.org()}/orders/`, options);
  }

  private async *orderPages(path: string, options: ListOrdersOptions): AsyncGenerator<OrdersPage, void, undefined> {
    const query: Record<string, string> = { include_canceled_positions: 'true', ordering: options.ordering ?? 'datetime' };
    if (options.modifiedSince !== undefined) {
      query.modified_since = options.modifiedSince instanceof Date ? options.modifiedSince.toISOString() : options.modifiedSince;
    }
    if (options.testmode !== undefined) query.testmode = String(options.testmode);
    if (options.pageSize !== undefined) query.page_size = String(options.pageSize);
    if (options.email !== undefined) query.email = options.email;
    let page = Math.max(1, Math.floor(options.startPage ?? 1));
    if (page > 1) query.page = String(page);
    let url = this.url(path, query);
    const schema = paginated(orderSchema);
    for (;;) {
      const response = await this.exchangeOrThrow('GET', url);
      // Resuming past the last page (orders were deleted meanwhile): pretix says "Invalid page.", i.e. nothing left.
      if (response.status === 404 && page > 1 && isJsonAnswer(response.text)) return;
      const body = this.checked(response, 'GET', url, schema, false)!;
      const hasNext = body.next !== null;
      yield { orders: body.results, page, pageGenerated: response.headers.get('x-page-generated'), hasNext, count: body.count };
      if (!hasNext) return;
      url = this.followNext(body.next!, url);
      page = Number(url.searchParams.get('page')) || page + 1;
    }
  }

  async listWebhooks(): Promise<PretixWebhook[]> {
    return this.listAll(`organizers/${this.org()}/webhooks/`, pretixWebhookSchema);
  }

  async createWebhook(body: PretixWebhookInput): Promise<PretixWebhook> {
    return (await this.request('POST', this.url(`organizers/${this.org()}/webhooks/`), pretixWebhookSchema, { body }))!;
  }

  async updateWebhook(id: number, patch: Partial<PretixWebhookInput>): Promise<PretixWebhook> {
    return (await this.request('PATCH', this.url(`organizers/${this.org()}/webhooks/${pathSegment(id)}/`), pretixWebhookSchema, { body: patch }))!;
  }

  /** pretix does not delete webhooks through the API: it disables them (they stay listed with `enabled: false`). */
  async deleteWebhook(id: number): Promise<void> {
    await this.request('DELETE', this.url(`organizers/${this.org()}/webhooks/${pathSegment(id)}/`), undefined, {});
  }

  // ----- plumbing -----

  private org(): string {
    return pathSegment(this.organizer);
  }

  private eventPath(event: string): string {
    return `organizers/${this.org()}/events/${pathSegment(event)}`;
  }

  /** The event a URL of ours is about, unless it is about one order (whose 404 means the order is gone). */
  private eventOf(url: URL): string | undefined {
    const rest = url.pathname.slice(this.apiPath.length);
    const match = /^organizers\/[^/]+\/events\/([^/]+)\/(?:(?:settings|items|questions|checkinlists|orders)\/)?$/.exec(rest);
    return match ? decodeURIComponent(match[1]!) : undefined;
  }

  private url(path: string, query: Record<string, string> = {}): URL {
    const url = new URL(`${this.apiPath}${path}`, this.origin);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url;
  }

  private endpoint(method: string, url: URL): string {
    return `${method} ${url.pathname}`;
  }

  private async get<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T>> {
    return (await this.request('GET', this.url(path), schema, {}))!;
  }

  private async listAll<T extends z.ZodType>(path: string, item: T): Promise<z.infer<T>[]> {
    const schema = paginated(item);
    const all: z.infer<T>[] = [];
    let url: URL | null = this.url(path);
    while (url) {
      const body: z.infer<typeof schema> = (await this.request('GET', url, schema, {}))!;
      all.push(...(body.results as z.infer<T>[]));
      url = body.next === null ? null : this.followNext(body.next, url);
    }
    return all;
  }

  /**
   * pretix builds `next` from its own idea of its URL. The token goes only to the configured origin: a link to
   * another host is refused; plain http to the same host is upgraded when the base URL is https (a TLS proxy in
   * front of a pretix that believes it runs on http).
   */
  private followNext(next: string, current: URL): URL {
    let url: URL;
    try {
      url = new URL(next, current);
    } catch {
      throw new PretixResponseError(`pretix sent an unreadable next-page link for ${this.endpoint('GET', current)}`, this.endpoint('GET', current));
    }
    const base = new URL(this.origin);
    if (url.protocol === 'http:' && base.protocol === 'https:' && url.hostname === base.hostname && (url.port === '' || url.port === '80')) {
      url.protocol = 'https:';
      url.port = base.port;
    }
    if (url.origin !== this.origin || !url.pathname.startsWith(this.apiPath)) {
      throw new SyncConfigError(
        `pretix sent a next-page link to ${url.origin}${url.pathname} for ${this.endpoint('GET', current)}, outside ${this.baseUrl}; ` +
          "refusing to send the API token there. Check the base URL and pretix's configured site URL.",
      );
    }
    return url;
  }

  private async request<T extends z.ZodType>(
    method: string,
    url: URL,
    schema: T | undefined,
    options: { body?: unknown; notFoundAsNull?: boolean },
  ): Promise<z.infer<T> | undefined> {
    const response = await this.exchangeOrThrow(method, url, options.body);
    return this.checked(response, method, url, schema, options.notFoundAsNull ?? false);
  }

  private async exchangeOrThrow(method: string, url: URL, body?: unknown): Promise<TransportResponse> {
    try {
      return await this.exchange(method, url, body);
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error;
      throw new TransientSyncError(`could not reach pretix at ${this.baseUrl} (${this.endpoint(method, url)}): ${error.detail}`);
    }
  }

  /** Maps a final answer (retries done) to a value or a sync error. */
  private checked<T extends z.ZodType>(
    response: TransportResponse,
    method: string,
    url: URL,
    schema: T | undefined,
    notFoundAsNull: boolean,
  ): z.infer<T> | undefined {
    const { status } = response;
    const endpoint = this.endpoint(method, url);
    if (status >= 200 && status < 300) {
      if (!schema || status === 204) return undefined;
      const parsed = schema.safeParse(this.json(response, endpoint));
      if (!parsed.success) {
        const issues = parsed.error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ');
        throw new PretixResponseError(`pretix answered ${endpoint} with data we cannot read: ${issues}`, endpoint);
      }
      return parsed.data;
    }
    const detail = describeErrorBody(response.text);
    if (status === 401) {
      throw new SyncConfigError(`pretix rejected the API token for organizer "${this.organizer}" (401 on ${endpoint}: ${detail})`);
    }
    if (status === 403) {
      throw new PretixForbiddenError(
        `pretix refused ${endpoint} (403): the token has no permission for it, or the organizer or event does not exist (${detail})`,
        endpoint,
      );
    }
    if (status === 404) {
      // Only a JSON 404 is pretix saying "no such object"; an HTML 404 page means the URL is not pretix's API.
      if (!isJsonAnswer(response.text)) {
        throw new SyncConfigError(`${this.baseUrl} answered ${endpoint} with a 404 page: is it the address of a pretix installation?`);
      }
      if (notFoundAsNull) return undefined;
      const event = this.eventOf(url);
      if (event !== undefined) throw new PretixUnknownEventError(event, this.organizer);
      throw new PermanentSyncError(`pretix has no such object: ${endpoint} (404)`);
    }
    if (status === 429) {
      throw new TransientSyncError(`pretix rate limit for organizer "${this.organizer}" reached (${endpoint}, 429)`, response.retryAfterMs);
    }
    if (status >= 500 || status === 409 || status === 408 || status === 423) {
      throw new TransientSyncError(`pretix answered HTTP ${status} for ${endpoint}`, response.retryAfterMs ?? parseRetryAfter(response.headers.get('retry-after')));
    }
    if (status >= 300 && status < 400) {
      throw new SyncConfigError(`pretix redirected ${endpoint} to ${this.describeLocation(response)}: check the base URL ${this.baseUrl}`);
    }
    if (status === 400) throw new PermanentSyncError(`pretix rejected ${endpoint}: ${detail}`);
    throw new PermanentSyncError(`pretix answered HTTP ${status} for ${endpoint}: ${detail}`);
  }

  private json(response: TransportResponse, endpoint: string): unknown {
    try {
      return JSON.parse(response.text);
    } catch {
      const type = response.headers.get('content-type') ?? 'no content type';
      throw new PretixResponseError(`pretix answered ${endpoint} with something that is not JSON (${type})`, endpoint);
    }
  }

  private describeLocation(response: TransportResponse): string {
    const location = response.headers.get('location');
    if (!location) return 'an unknown address';
    try {
      const url = new URL(location, this.origin);
      return `${url.origin}${url.pathname}`;
    } catch {
      return 'an unreadable address';
    }
  }

  /**
   * Sends a request through the shared transport (../lib/http-transport.ts: retries 429 after Retry-After through
   * the limiter, 5xx and network failures with backoff). Returns the last answer, whatever its status; throws a
   * NetworkFailure when the last attempt got none.
   */
  private exchange(method: string, url: URL, body: unknown, maxRetries?: number): Promise<TransportResponse> {
    // One key for all attempts: pretix answers a repeated write with the first result instead of doing it twice.
    const idempotencyKey = method === 'GET' ? undefined : randomUUID();
    const headers: Record<string, string> = {
      Authorization: `Token ${this.token}`,
      Accept: 'application/json',
      'User-Agent': 'pretix-hubspot',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (idempotencyKey) headers['X-Idempotency-Key'] = idempotencyKey;
    return this.transport.send({
      method,
      url,
      headers: () => headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // Never follow: a redirect could carry the Authorization header to another host.
      redirect: 'manual',
      maxRetries,
    });
  }
}
