// The pretix client against the fake pretix over real HTTP: paging, retries, rate limits and the error classes the
// sync queue relies on.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from '../../receiver/lib/rate-limiter';
import { UnsafePathSegmentError } from '../../receiver/lib/url-path';
import { PretixClient, type PretixClientOptions } from '../../receiver/pretix/client';
import { PretixConnectionError, PretixResponseError } from '../../receiver/pretix/errors';
import { PermanentSyncError, SyncConfigError, TransientSyncError } from '../../receiver/domain/errors';
import { type FakePretix, type Json, startFakePretix } from '../fakes/pretix';
import { loadFixture } from '../fixtures';

const TOKEN = 'tok3n0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijkl';
const ORG = 'acmecorp';
const EVENT = 'democon';

let fake: FakePretix;
let sleeps: number[];

function client(options: Partial<PretixClientOptions> = {}): PretixClient {
  return new PretixClient({
    baseUrl: fake.url,
    organizer: ORG,
    token: TOKEN,
    // Backoff waits are recorded, not waited out, unless a test passes its own sleep.
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

beforeEach(async () => {
  sleeps = [];
  fake = await startFakePretix();
  fake.seedFromFixtures();
  fake.addToken(TOKEN, { organizer: ORG, permissions: { ordersRead: true, organizerSettingsWrite: true } });
});

afterEach(async () => {
  await fake.close();
});

describe('reading', () => {
  it('fetches an order with its canceled positions, sending token and Accept headers', async () => {
    fake.updateOrder(ORG, EVENT, 'Q7X3M', (order) => {
      (order.positions as Json[])[1]!.canceled = true;
    });
    const order = await client().getOrder(EVENT, 'Q7X3M');
    expect(order?.positions.map((p) => [p.positionid, p.canceled])).toEqual([
      [1, false],
      [2, true],
    ]);
    const request = fake.requests.at(-1)!;
    expect(request.query).toContain('include_canceled_positions=true');
    expect(request.authorization).toBe(`Token ${TOKEN}`);
    expect(request.accept).toBe('application/json');
  });

  it('returns null for an order pretix does not have', async () => {
    expect(await client().getOrder(EVENT, 'NOPE1')).toBeNull();
  });

  it('reads events, settings, products, questions and check-in lists', async () => {
    const c = client();
    expect((await c.listEvents()).map((e) => e.slug)).toEqual([EVENT]);
    expect((await c.getEvent(EVENT)).currency).toBe('EUR');
    expect(await c.getEventSettings(EVENT)).toMatchObject({ name_scheme: 'given_family', locales: ['en', 'de'] });
    expect((await c.listItems(EVENT)).map((i) => i.id)).toEqual([101, 102]);
    expect((await c.listQuestions(EVENT)).map((q) => q.identifier)).toContain('TSHIRT');
    expect(await c.listCheckinLists(EVENT)).toEqual([expect.objectContaining({ id: 44, name: 'Main entrance' })]);
  });

  it('follows every page of a list', async () => {
    for (let i = 0; i < 55; i += 1) fake.addEvent(ORG, { slug: `event-${i}` });
    expect(await client().listEvents()).toHaveLength(56);
    expect(fake.stats(ORG).other).toBe(2);
  });

  it('names the endpoint when pretix answers something our schemas cannot read', async () => {
    const broken = loadFixture<Json>('order-paid.json');
    broken.code = 'BROKN';
    broken.status = 'x';
    fake.addOrder(ORG, EVENT, broken);
    const error = await rejection(client().getOrder(EVENT, 'BROKN'));
    expect(error).toBeInstanceOf(PretixResponseError);
    expect(error).toBeInstanceOf(PermanentSyncError);
    expect(error.message).toContain(`GET /api/v1/organizers/${ORG}/events/${EVENT}/orders/BROKN/`);
    expect(error.message).toContain('status');
  });
});

describe('listOrders', () => {
  it('streams 120 orders in 3 requests, page by page', async () => {
    fake.generateOrders(ORG, EVENT, 118);
    const pages = await collect(client().listOrders(EVENT));
    expect(pages.map((p) => [p.page, p.orders.length, p.hasNext, p.count])).toEqual([
      [1, 50, true, 120],
      [2, 50, true, 120],
      [3, 20, false, 120],
    ]);
    expect(new Set(pages.flatMap((p) => p.orders.map((o) => o.code))).size).toBe(120);
    expect(pages.every((p) => p.pageGenerated !== null && !Number.isNaN(Date.parse(p.pageGenerated)))).toBe(true);
    expect(fake.stats(ORG).orderList).toBe(3);
  });

  it('resumes from startPage, and ends quietly past the last page', async () => {
    fake.generateOrders(ORG, EVENT, 118);
    const resumed = await collect(client().listOrders(EVENT, { startPage: 3 }));
    expect(resumed.map((p) => [p.page, p.orders.length])).toEqual([[3, 20]]);
    expect(await collect(client().listOrders(EVENT, { startPage: 9 }))).toEqual([]);
  });

  it('passes modified_since, ordering and testmode, so only changed orders come back', async () => {
    fake.generateOrders(ORG, EVENT, 60);
    const [first] = await collect(client().listOrders(EVENT, { pageSize: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    fake.updateOrder(ORG, EVENT, 'R2D9K', (order) => {
      order.status = 'c';
    });
    const pages = await collect(client().listOrders(EVENT, { modifiedSince: first!.pageGenerated!, ordering: 'last_modified', testmode: false }));
    expect(pages.flatMap((p) => p.orders.map((o) => [o.code, o.status]))).toEqual([['R2D9K', 'c']]);
    const query = fake.requests.at(-1)!.query;
    expect(query).toContain('ordering=last_modified');
    expect(query).toContain('testmode=false');
    expect(query).toContain('modified_since=');
  });

  it('refuses a next link to another origin and never sends the token there', async () => {
    fake.generateOrders(ORG, EVENT, 60);
    fake.linkBaseUrl = 'http://evil.example';
    const fetched: string[] = [];
    const spy: typeof fetch = (input, init) => {
      fetched.push(String(input));
      return fetch(input, init);
    };
    const iterator = client({ fetch: spy }).listOrders(EVENT);
    const first = await iterator.next();
    expect(first.value).toMatchObject({ page: 1, hasNext: true });
    const error = await rejection(iterator.next());
    expect(error).toBeInstanceOf(SyncConfigError);
    expect(error.message).toContain('http://evil.example');
    expect(error.message).not.toContain(TOKEN);
    expect(fetched.every((url) => url.startsWith(fake.url))).toBe(true);
    expect(fetched).toHaveLength(1);
  });

  it('upgrades an http next link to https on the same host (pretix behind a TLS proxy)', async () => {
    const fetched: string[] = [];
    const stub: typeof fetch = async (input) => {
      const url = new URL(String(input));
      fetched.push(url.href);
      const page = url.searchParams.get('page') ?? '1';
      const body = {
        count: 2,
        next: page === '1' ? 'http://pretix.test/api/v1/organizers/acmecorp/events/democon/orders/?page=2' : null,
        previous: null,
        results: [loadFixture('order-paid.json')],
      };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const c = new PretixClient({ baseUrl: 'https://pretix.test', organizer: ORG, token: TOKEN, fetch: stub });
    expect(await collect(c.listOrders(EVENT))).toHaveLength(2);
    expect(fetched[1]).toBe('https://pretix.test/api/v1/organizers/acmecorp/events/democon/orders/?page=2');
  });
});

describe('errors and retries', () => {
  it('honours 429 Retry-After through the shared limiter, then succeeds', async () => {
    const limiter = createRateLimiter({ limit: 100, intervalMs: 1_000 });
    const pause = vi.spyOn(limiter, 'pause');
    fake.failNext({ status: 429, retryAfterSeconds: 1 });
    const started = performance.now();
    const order = await client({ limiter }).getOrder(EVENT, 'Q7X3M');
    expect(order?.code).toBe('Q7X3M');
    expect(pause).toHaveBeenCalledWith(`${fake.url}|${ORG}`, 1_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.stats(ORG).orderDetail).toBe(2);
  });

  it('gives up on 429 after maxRetries with a transient error carrying Retry-After', async () => {
    fake.failNext({ count: 5, status: 429, retryAfterSeconds: 2 });
    const error = await rejection(client({ maxRetries: 2 }).getOrder(EVENT, 'Q7X3M'));
    expect(error).toBeInstanceOf(TransientSyncError);
    expect((error as TransientSyncError).retryAfterMs).toBe(2_000);
    expect(sleeps).toEqual([2_000, 2_000]);
    expect(fake.stats(ORG).orderDetail).toBe(3);
  });

  it('does not wait out a Retry-After longer than maxRetryAfterMs', async () => {
    fake.failNext({ status: 429, retryAfterSeconds: 600 });
    const error = await rejection(client().getOrder(EVENT, 'Q7X3M'));
    expect(error).toBeInstanceOf(TransientSyncError);
    expect((error as TransientSyncError).retryAfterMs).toBe(600_000);
    expect(sleeps).toEqual([]);
  });

  it('retries 5xx with growing, jittered backoff', async () => {
    fake.failNext({ count: 3, status: 502 });
    const order = await client({ random: () => 1 }).getOrder(EVENT, 'Q7X3M');
    expect(order?.code).toBe('Q7X3M');
    expect(sleeps).toEqual([500, 1_000, 2_000]);
    sleeps = [];
    fake.failNext({ count: 3, status: 500 });
    await client({ random: () => 0 }).getOrder(EVENT, 'Q7X3M');
    expect(sleeps).toEqual([250, 500, 1_000]);
  });

  it('turns persistent 5xx into a transient error', async () => {
    fake.failNext({ count: 10, status: 503 });
    const error = await rejection(client({ maxRetries: 2 }).getOrder(EVENT, 'Q7X3M'));
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.message).toContain('503');
    expect(fake.stats(ORG).orderDetail).toBe(3);
  });

  it('retries dropped connections and times out hanging requests', async () => {
    fake.failNext({ status: 'reset' });
    expect((await client().getOrder(EVENT, 'Q7X3M'))?.code).toBe('Q7X3M');
    expect(sleeps).toHaveLength(1);

    fake.failNext({ count: 2, status: 'hang' });
    const error = await rejection(client({ timeoutMs: 150, maxRetries: 1 }).getOrder(EVENT, 'Q7X3M'));
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.message).toContain(`could not reach pretix at ${fake.url}`);
    expect(error.message).toContain('no answer within 0.15 s');
  });

  it('maps 401 and 403 to configuration errors without leaking the token', async () => {
    const unauthorized = await rejection(client({ token: `${TOKEN}x` }).getOrder(EVENT, 'Q7X3M'));
    expect(unauthorized).toBeInstanceOf(SyncConfigError);
    expect(unauthorized.message).toContain(`pretix rejected the API token for organizer "${ORG}"`);
    expect(unauthorized.message).not.toContain(TOKEN);

    const unknownEvent = await rejection(client().getOrder('nope', 'Q7X3M'));
    expect(unknownEvent).toBeInstanceOf(SyncConfigError);
    expect(unknownEvent.message).toContain('403');
    expect(unknownEvent.message).toContain('/events/nope/');

    fake.addToken('settings-only', { organizer: ORG, permissions: { organizerSettingsWrite: true } });
    const noPermission = await rejection(client({ token: 'settings-only' }).getOrder(EVENT, 'Q7X3M'));
    expect(noPermission).toBeInstanceOf(SyncConfigError);
    expect(noPermission.message).not.toContain('settings-only');
  });

  it('maps 400 to a permanent error with pretix’s message', async () => {
    const error = await rejection(
      client().createWebhook({ target_url: 'http://127.0.0.1:1/hook', limit_events: [], action_types: ['pretix.event.order.changed.item'] }),
    );
    expect(error).toBeInstanceOf(PermanentSyncError);
    expect(error.message).toContain('action_types: Invalid action type "pretix.event.order.changed.item".');
  });

  it('treats an HTML 404 as a wrong base URL, not as a missing order', async () => {
    const error = await rejection(client({ baseUrl: `${fake.url}/not-pretix` }).getOrder(EVENT, 'Q7X3M'));
    expect(error).toBeInstanceOf(SyncConfigError);
    expect(error.message).toContain('404');
  });
});

describe('rate limiting', () => {
  it('keeps within the limiter window, so pretix never throttles', async () => {
    fake.setRateLimit({ limit: 10, intervalMs: 1_000 });
    // 100 ms of margin over pretix's window absorbs network jitter between our clock and pretix's.
    const limiter = createRateLimiter({ limit: 10, intervalMs: 1_100 });
    const c = client({ limiter });
    const started = performance.now();
    const orders = await Promise.all(Array.from({ length: 25 }, () => c.getOrder(EVENT, 'Q7X3M')));
    expect(orders.every((o) => o?.code === 'Q7X3M')).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(fake.stats(ORG).throttled).toBe(0);
    expect(fake.maxRequestsInAnyWindow(ORG, 1_000)).toBeLessThanOrEqual(10);
  });

  it('without a limiter the same burst is throttled, and Retry-After still gets it through', async () => {
    fake.setRateLimit({ limit: 10, intervalMs: 1_000 });
    const c = client({ sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) });
    const orders = await Promise.all(Array.from({ length: 15 }, () => c.getOrder(EVENT, 'Q7X3M')));
    expect(orders.every((o) => o?.code === 'Q7X3M')).toBe(true);
    expect(fake.stats(ORG).throttled).toBeGreaterThan(0);
    expect(fake.maxRequestsInAnyWindow(ORG, 1_000)).toBeGreaterThan(10);
  });
});

describe('verifyAccess', () => {
  it('returns the number of events the token can see', async () => {
    fake.addEvent(ORG, { slug: 'second' });
    expect(await client().verifyAccess()).toBe(2);
  });

  it.each([
    ['a rejected token', () => client({ token: 'wrong' }), 'unauthorized', 'pretix rejected the API token'],
    ['another organizer', () => client({ organizer: 'someone-else' }), 'forbidden', 'the token cannot see organizer "someone-else"'],
    ['a base URL that is not pretix', () => client({ baseUrl: `${fake.url}/shop` }), 'not_found', 'does not look like a pretix API'],
    ['an unreachable host', () => client({ baseUrl: 'http://127.0.0.1:1' }), 'unreachable', 'could not reach pretix at http://127.0.0.1:1'],
  ] as const)('explains %s', async (_name, make, problem, message) => {
    const error = await rejection(make().verifyAccess());
    expect(error).toBeInstanceOf(PretixConnectionError);
    expect((error as PretixConnectionError).problem).toBe(problem);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(TOKEN);
  });

  it('rejects a base URL that is not a plain http(s) URL', () => {
    for (const baseUrl of ['pretix.eu', 'ftp://pretix.eu', 'https://user:secret@pretix.eu']) {
      expect(() => new PretixClient({ baseUrl, organizer: ORG, token: TOKEN })).toThrow(PretixConnectionError);
    }
    expect(new PretixClient({ baseUrl: 'https://pretix.eu/api/v1/', organizer: ORG, token: TOKEN }).rateLimitKey).toBe(
      `https://pretix.eu|${ORG}`,
    );
  });

  it('explains a timeout', async () => {
    fake.failNext({ count: 2, status: 'hang' });
    const error = await rejection(client({ timeoutMs: 100 }).verifyAccess());
    expect((error as PretixConnectionError).problem).toBe('timeout');
    expect(error.message).toBe(`could not reach pretix at ${fake.url}: no answer within 0.1 s`);
  });
});

describe('webhooks', () => {
  it('creates, lists, updates and disables a webhook', async () => {
    const c = client();
    const created = await c.createWebhook({
      target_url: 'https://receiver.example/webhooks/pretix/abc',
      all_events: false,
      limit_events: [EVENT],
      action_types: ['pretix.event.order.placed', 'pretix.event.order.changed.*'],
    });
    expect(created).toMatchObject({ enabled: true, limit_events: [EVENT] });
    const updated = await c.updateWebhook(created.id, { action_types: ['pretix.event.order.paid'] });
    expect(updated.action_types).toEqual(['pretix.event.order.paid']);
    await c.deleteWebhook(created.id);
    expect(await c.listWebhooks()).toEqual([expect.objectContaining({ id: created.id, enabled: false })]);
  });

  it('sends writes with one idempotency key across retries, so a retried create does not duplicate', async () => {
    fake.failNext({ status: 502, match: /^POST / });
    const c = client();
    await c.createWebhook({ target_url: 'https://receiver.example/hook', limit_events: [], action_types: ['pretix.event.order.paid'] });
    expect((await c.listWebhooks()).length).toBe(1);
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status)).toEqual([502, 201]);
  });
});

describe('path segments', () => {
  it('refuses "." and ".." as an event or order code before anything is sent', async () => {
    const before = fake.requests.length;
    for (const attempt of [
      () => client().getOrder(EVENT, '..'),
      () => client().getOrder('..', 'Q7X3M'),
      () => client().getEvent('.'),
      () => client().getEventSettings('..'),
      () => client().listItems('..'),
      () => collect(client().listOrders('..')),
      () => client({ organizer: '..' }).listEvents(),
    ]) {
      const error = await rejection(attempt());
      expect(error).toBeInstanceOf(UnsafePathSegmentError);
      expect(error).toBeInstanceOf(PermanentSyncError);
    }
    expect(fake.requests.length).toBe(before);
  });

  it('percent-encodes a segment so that "/", "?" and "%2E%2E" stay inside it', async () => {
    for (const event of ['a/../../x', 'a?b=c', '%2E%2E', 'x#y']) {
      await rejection(client().getEvent(event));
    }
    const paths = fake.requests.map((r) => r.path);
    expect(paths).toEqual([
      `/api/v1/organizers/${ORG}/events/a%2F..%2F..%2Fx/`,
      `/api/v1/organizers/${ORG}/events/a%3Fb%3Dc/`,
      `/api/v1/organizers/${ORG}/events/%252E%252E/`,
      `/api/v1/organizers/${ORG}/events/x%23y/`,
    ]);
  });
});
