// The fake pretix must behave like pretix where our code depends on it; these tests pin that behaviour down over
// real HTTP (reference/pretix.md §1–2, "Driving a real pretix" §2–4).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderSchema, paginated, webhookPayloadSchema } from '../../receiver/pretix/schemas';
import { loadFixture } from '../fixtures';
import { waitFor } from '../helpers/wait-for';
import { type FakePretix, type Json, startFakePretix, startWebhookListener, type WebhookListener } from './pretix';

const TOKEN = 'a'.repeat(64);
const ORG = 'acmecorp';
const EVENT = 'democon';

let fake: FakePretix;
/** Added to the fake's clock: tests move time forward instead of sleeping through a window. */
let skewMs = 0;

async function api(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.token !== null) headers.Authorization = `Token ${init.token ?? TOKEN}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${fake.url}/api/v1/${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Json };
}

const ordersPath = (query = '') => `organizers/${ORG}/events/${EVENT}/orders/${query}`;

beforeEach(async () => {
  skewMs = 0;
  fake = await startFakePretix({ now: () => Date.now() + skewMs });
  fake.seedFromFixtures();
  fake.addToken(TOKEN, { organizer: ORG, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
});

afterEach(async () => {
  await fake.close();
});

describe('seeded fixtures', () => {
  it('serves the fixture event, settings, products, questions and check-in lists', async () => {
    const event = await api(`organizers/${ORG}/events/${EVENT}/`);
    expect(event.body).toEqual(loadFixture('event.json'));
    const settings = await api(`organizers/${ORG}/events/${EVENT}/settings/`);
    expect(settings.body).toMatchObject({ locales: ['en', 'de'], locale: 'en', name_scheme: 'given_family' });
    const items = await api(`organizers/${ORG}/events/${EVENT}/items/`);
    expect(items.body).toEqual(loadFixture('items.json'));
    const questions = await api(`organizers/${ORG}/events/${EVENT}/questions/`);
    expect(questions.body).toEqual(loadFixture('questions.json'));
    const lists = await api(`organizers/${ORG}/events/${EVENT}/checkinlists/`);
    expect((lists.body.results as Json[]).map((l) => l.id)).toEqual([44]);
    const events = await api(`organizers/${ORG}/events/`);
    expect(events.body).toMatchObject({ count: 1, next: null, results: [{ slug: EVENT }] });
  });

  it('serves the fixture orders unchanged', async () => {
    const page = await api(ordersPath());
    expect(page.body).toEqual({ ...loadFixture<Json>('orders-page.json') });
    const order = await api(ordersPath('Q7X3M/'));
    expect(order.body).toEqual(loadFixture('order-paid.json'));
  });
});

describe('order list', () => {
  it('pages 120 orders as 50 + 50 + 20 with absolute next links and null at the end', async () => {
    fake.generateOrders(ORG, EVENT, 118);
    const first = await api(ordersPath('?ordering=code'));
    expect(first.body.count).toBe(120);
    expect(first.body.results).toHaveLength(50);
    expect(first.body.previous).toBeNull();
    expect(first.body.next).toBe(`${fake.url}/api/v1/${ordersPath('?ordering=code&page=2')}`);
    expect(first.headers.get('x-page-generated')).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const second = await api(String(first.body.next).slice(`${fake.url}/api/v1/`.length));
    expect(second.body.results).toHaveLength(50);
    expect(second.body.previous).toBe(`${fake.url}/api/v1/${ordersPath('?ordering=code')}`);
    const third = await api(String(second.body.next).slice(`${fake.url}/api/v1/`.length));
    expect(third.body.results).toHaveLength(20);
    expect(third.body.next).toBeNull();

    const codes = [first, second, third].flatMap((p) => (p.body.results as Json[]).map((o) => o.code as string));
    expect(new Set(codes).size).toBe(120);
    expect(codes).toEqual([...codes].sort());
  });

  it('caps page_size at 50 and answers 404 "Invalid page." past the end', async () => {
    fake.generateOrders(ORG, EVENT, 60);
    expect((await api(ordersPath('?page_size=500'))).body.results).toHaveLength(50);
    expect((await api(ordersPath('?page_size=7'))).body.results).toHaveLength(7);
    const beyond = await api(ordersPath('?page=3'));
    expect(beyond.status).toBe(404);
    expect(beyond.body).toEqual({ detail: 'Invalid page.' });
  });

  it('filters by modified_since (>=) using X-Page-Generated from an earlier page', async () => {
    fake.generateOrders(ORG, EVENT, 30);
    const before = await api(ordersPath());
    const generated = before.headers.get('x-page-generated')!;
    skewMs += 5;
    const changed = fake.updateOrder(ORG, EVENT, 'R2D9K', (order) => {
      order.email = 'changed@example.org';
    });
    expect(Date.parse(changed.last_modified as string)).toBeGreaterThanOrEqual(Date.parse(generated));

    const since = await api(ordersPath(`?modified_since=${encodeURIComponent(generated)}`));
    expect((since.body.results as Json[]).map((o) => o.code)).toEqual(['R2D9K']);
    const exact = await api(ordersPath(`?modified_since=${encodeURIComponent(changed.last_modified as string)}`));
    expect(exact.body.count).toBe(1);
    const bad = await api(ordersPath('?modified_since=yesterday'));
    expect(bad.status).toBe(400);
  });

  it('filters by code, email, status and testmode, and orders by -last_modified', async () => {
    fake.generateOrders(ORG, EVENT, 40, { status: { p: 1, n: 1 }, testmodeRate: 0.5 });
    expect((await api(ordersPath('?code=q7x3m'))).body.count).toBe(1);
    expect((await api(ordersPath('?email=JANE.DOE@example.com'))).body.count).toBe(1);
    const pending = await api(ordersPath('?status=n'));
    expect((pending.body.results as Json[]).every((o) => o.status === 'n')).toBe(true);
    const live = await api(ordersPath('?testmode=false&page_size=50'));
    expect((live.body.results as Json[]).every((o) => o.testmode === false)).toBe(true);
    expect(live.body.count).toBeLessThan(42);
    const newestFirst = await api(ordersPath('?ordering=-last_modified'));
    const times = (newestFirst.body.results as Json[]).map((o) => Date.parse(o.last_modified as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('hides canceled positions unless include_canceled_positions=true', async () => {
    fake.updateOrder(ORG, EVENT, 'Q7X3M', (order) => {
      (order.positions as Json[])[1]!.canceled = true;
    });
    expect(((await api(ordersPath('Q7X3M/'))).body.positions as Json[]).map((p) => p.positionid)).toEqual([1]);
    const all = await api(ordersPath('Q7X3M/?include_canceled_positions=true'));
    expect((all.body.positions as Json[]).map((p) => p.canceled)).toEqual([false, true]);
    const listed = await api(ordersPath('?code=Q7X3M'));
    expect(((listed.body.results as Json[])[0]!.positions as Json[]).length).toBe(1);
  });
});

describe('organizer-wide order list', () => {
  const orgOrders = (query = '') => `organizers/${ORG}/orders/${query}`;
  const order = (event: string, code: string, email: string, datetime: string): Json => ({
    ...structuredClone(loadFixture<Json>('order-paid.json')),
    event,
    code,
    email,
    datetime,
    last_modified: datetime,
  });

  it('lists the orders of every event with their event slug, filtered and sorted like the event list', async () => {
    fake.addEvent(ORG, { slug: 'summit' });
    fake.addEvent(ORG, { slug: 'workshop' });
    fake.addOrder(ORG, 'summit', order('summit', 'SUM01', 'Jane.Doe@example.com', '2025-06-01T10:00:00Z'));
    fake.addOrder(ORG, 'workshop', order('workshop', 'WRK01', 'jane.doe@example.com', '2025-04-01T10:00:00Z'));
    fake.addOrder(ORG, 'workshop', order('workshop', 'WRK02', 'someone@example.com', '2025-07-01T10:00:00Z'));

    const all = await api(orgOrders());
    expect(all.status).toBe(200);
    expect(all.body.count).toBe(5);
    expect(all.headers.get('x-page-generated')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // Default ordering: datetime ascending, across events.
    const listed = (all.body.results as Json[]).map((o) => [o.event, o.code]);
    expect(listed).toEqual([
      [EVENT, 'Q7X3M'],
      [EVENT, 'R2D9K'],
      ['workshop', 'WRK01'],
      ['summit', 'SUM01'],
      ['workshop', 'WRK02'],
    ]);
    for (const o of all.body.results as Json[]) expect(orderSchema.safeParse(o).success).toBe(true);

    const jane = await api(orgOrders('?email=JANE.DOE@example.com&ordering=-datetime'));
    expect((jane.body.results as Json[]).map((o) => [o.event, o.code])).toEqual([
      ['summit', 'SUM01'],
      ['workshop', 'WRK01'],
      [EVENT, 'Q7X3M'],
    ]);
    expect((await api(orgOrders('?code=wrk02'))).body.count).toBe(1);
    expect((await api(orgOrders('?modified_since=yesterday'))).status).toBe(400);
  });

  it('pages across events with next links, ties broken by creation like pretix', async () => {
    fake.addEvent(ORG, { slug: 'summit' });
    // Same datetime everywhere: only the primary key (creation order, across events) orders them.
    for (let n = 0; n < 60; n += 1) {
      const event = n % 2 === 0 ? 'summit' : EVENT;
      fake.addOrder(ORG, event, order(event, `TIE${String(n).padStart(2, '0')}`, 'tie@example.com', '2025-05-01T10:00:00Z'));
    }
    const first = await api(orgOrders('?email=tie@example.com&ordering=-datetime'));
    expect(first.body.count).toBe(60);
    expect(first.body.next).toBe(`${fake.url}/api/v1/${orgOrders('?email=tie%40example.com&ordering=-datetime&page=2')}`);
    const second = await api(String(first.body.next).slice(`${fake.url}/api/v1/`.length));
    expect(second.body.next).toBeNull();
    const codes = [first, second].flatMap((p) => (p.body.results as Json[]).map((o) => o.code as string));
    expect(codes).toEqual(Array.from({ length: 60 }, (_, n) => `TIE${String(59 - n).padStart(2, '0')}`));
    expect((await api(orgOrders('?page=3'))).status).toBe(404);
  });

  it('leaves out events the token may not read orders of, instead of refusing', async () => {
    fake.addEvent(ORG, { slug: 'summit' });
    fake.addOrder(ORG, 'summit', order('summit', 'SUM01', 'jane.doe@example.com', '2025-06-01T10:00:00Z'));
    fake.addToken('reader', { organizer: ORG, permissions: { ordersRead: true }, events: ['summit'] });
    fake.addToken('noorders', { organizer: ORG, permissions: {} });
    const limited = await api(orgOrders('?email=jane.doe@example.com'), { token: 'reader' });
    expect((limited.body.results as Json[]).map((o) => o.code)).toEqual(['SUM01']);
    const none = await api(orgOrders(), { token: 'noorders' });
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ count: 0, results: [] });
    expect(fake.stats(ORG).orderList).toBe(2);
  });
});

describe('generated orders', () => {
  it('are distinct, realistic and valid for our order schema', async () => {
    const codes = fake.generateOrders(ORG, EVENT, 200, { secondPositionRate: 0.5 });
    expect(new Set(codes).size).toBe(200);
    for (const code of codes) expect(code).toMatch(/^[A-Z0-9]{5}$/);
    const page = paginated(orderSchema).parse((await api(ordersPath('?include_canceled_positions=true&page=2'))).body);
    const emails = new Set(page.results.map((o) => o.email));
    expect(emails.size).toBe(50);
    for (const order of page.results) {
      expect(order.positions.length).toBeGreaterThanOrEqual(1);
      expect(order.positions.length).toBeLessThanOrEqual(2);
      const position = order.positions[0]!;
      expect(position.attendee_name).toBeTruthy();
      expect(position.attendee_email).toContain('@');
      expect(position.attendee_name_parts).toMatchObject({ _scheme: 'given_family' });
      expect(position.answers.some((a) => a.question_identifier === 'TSHIRT' && a.option_identifiers.length === 1)).toBe(true);
    }
    expect(page.results.some((o) => o.invoice_address !== null)).toBe(true);
    // The summary the fake filters on agrees with the JSON it serves.
    const first = page.results[0]!;
    const byEmail = await api(ordersPath(`?email=${encodeURIComponent(first.email!)}`));
    expect((byEmail.body.results as Json[]).map((o) => o.code)).toEqual([first.code]);
    expect(fake.getOrder(ORG, EVENT, first.code)).toEqual(page.results[0]);
  });

  // How fast is bench material (bench/), not a pass/fail figure on a shared machine.
  it('holds 100,000 orders', () => {
    fake.generateOrders(ORG, EVENT, 100_000);
    expect(fake.orderCount(ORG, EVENT)).toBe(100_002);
  });
});

describe('authentication and permissions', () => {
  it('answers 401 for a missing or unknown token', async () => {
    const missing = await api(ordersPath(), { token: null });
    expect(missing.status).toBe(401);
    const unknown = await api(ordersPath(), { token: 'nope' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ detail: 'Invalid token.' });
  });

  it('answers 403 (not 404) for an unknown event or organizer, and 404 for an unknown order', async () => {
    const denied = { detail: 'You do not have permission to perform this action.' };
    const event = await api(`organizers/${ORG}/events/nope/orders/`);
    expect(event.status).toBe(403);
    expect(event.body).toEqual(denied);
    const organizer = await api('organizers/nope/events/');
    expect(organizer.status).toBe(403);
    const order = await api(ordersPath('ZZZZZ/'));
    expect(order.status).toBe(404);
    expect(order.body).toEqual({ detail: 'No Order matches the given query.' });
  });

  it('checks team permissions and event limits', async () => {
    fake.addEvent(ORG, { slug: 'other' });
    fake.addToken('reader', { organizer: ORG, permissions: { ordersRead: true }, events: [EVENT] });
    fake.addToken('noorders', { organizer: ORG, permissions: {} });
    expect((await api(ordersPath(), { token: 'noorders' })).status).toBe(403);
    expect((await api(`organizers/${ORG}/events/${EVENT}/items/`, { token: 'noorders' })).status).toBe(200);
    expect((await api(`organizers/${ORG}/events/other/`, { token: 'reader' })).status).toBe(403);
    expect((await api(`organizers/${ORG}/events/`, { token: 'reader' })).body.count).toBe(1);
    expect((await api(`organizers/${ORG}/webhooks/`, { token: 'reader' })).status).toBe(403);
  });

  it('answers unknown URLs with an HTML 404 page, like Django', async () => {
    const response = await fetch(`${fake.url}/api/v2/whatever/`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});

describe('webhook API', () => {
  const hooks = `organizers/${ORG}/webhooks/`;
  const valid = {
    target_url: 'http://127.0.0.1:9911/hooks/pretix',
    all_events: false,
    limit_events: [EVENT],
    action_types: ['pretix.event.order.placed', 'pretix.event.order.changed.*'],
    comment: 'test',
  };

  it('creates, reads, patches and lists webhooks', async () => {
    const created = await api(hooks, { method: 'POST', body: valid });
    expect(created.status).toBe(201);
    // pretix lists the action types sorted, whatever order they were sent in.
    expect(created.body).toMatchObject({ ...valid, action_types: [...valid.action_types].sort(), enabled: true });
    const id = created.body.id as number;
    const patched = await api(`${hooks}${id}/`, { method: 'PATCH', body: { action_types: ['pretix.event.order.paid'] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ action_types: ['pretix.event.order.paid'], limit_events: [EVENT] });
    expect((await api(`${hooks}${id}/`)).body).toEqual(patched.body);
    expect((await api(hooks)).body).toMatchObject({ count: 1, results: [{ id }] });
  });

  it('validates like pretix', async () => {
    const invalidType = await api(hooks, { method: 'POST', body: { ...valid, action_types: ['pretix.event.order.changed.item'] } });
    expect(invalidType.status).toBe(400);
    expect(invalidType.body).toEqual({ action_types: ['Invalid action type "pretix.event.order.changed.item".'] });

    const both = await api(hooks, { method: 'POST', body: { ...valid, all_events: true } });
    expect(both.status).toBe(400);
    expect(both.body).toEqual({ non_field_errors: ['You can set either limit_events or all_events.'] });

    fake.addEvent('otherorg', { slug: 'theirs' });
    const foreign = await api(hooks, { method: 'POST', body: { ...valid, limit_events: ['theirs'] } });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toHaveProperty('limit_events');

    const missing = await api(hooks, { method: 'POST', body: { target_url: valid.target_url } });
    // Real pretix 2026.8.0 names both (limit_events is required even with all_events).
    expect(missing.body).toEqual({ action_types: ['This field is required.'], limit_events: ['This field is required.'] });

    const dotless = await api(hooks, { method: 'POST', body: { ...valid, target_url: 'http://receiver:8080/hook' } });
    expect(dotless.body).toEqual({ target_url: ['Enter a valid URL.'] });
    expect((await api(hooks)).body.count).toBe(0);
  });

  it('DELETE only disables: 204, and the webhook stays listed', async () => {
    const id = (await api(hooks, { method: 'POST', body: valid })).body.id as number;
    const deleted = await fetch(`${fake.url}/api/v1/${hooks}${id}/`, { method: 'DELETE', headers: { Authorization: `Token ${TOKEN}` } });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect((await api(`${hooks}${id}/`)).body).toMatchObject({ id, enabled: false });
    expect((await api(`${hooks}?enabled=false`)).body.count).toBe(1);
    expect((await api(`${hooks}?enabled=true`)).body.count).toBe(0);
    expect((await api(`${hooks}999/`)).status).toBe(404);
  });

  it('needs the organizer settings permission', async () => {
    fake.addToken('orders-only', { organizer: ORG, permissions: { ordersRead: true, ordersWrite: true } });
    expect((await api(hooks, { token: 'orders-only' })).status).toBe(403);
    expect((await api(hooks, { method: 'POST', body: valid, token: 'orders-only' })).status).toBe(403);
  });

  it('replays a write with the same X-Idempotency-Key', async () => {
    const send = () =>
      fetch(`${fake.url}/api/v1/${hooks}`, {
        method: 'POST',
        headers: { Authorization: `Token ${TOKEN}`, 'Content-Type': 'application/json', 'X-Idempotency-Key': 'k1' },
        body: JSON.stringify(valid),
      }).then((r) => r.json() as Promise<Json>);
    const [a, b] = [await send(), await send()];
    expect(a.id).toBe(b.id);
    expect((await api(hooks)).body.count).toBe(1);
  });
});

describe('webhook delivery', () => {
  let listener: WebhookListener;
  beforeEach(async () => {
    listener = await startWebhookListener();
  });
  afterEach(async () => {
    await listener.close();
  });

  function subscribe(body: Json = {}) {
    return fake.addWebhook(ORG, {
      target_url: listener.url,
      all_events: false,
      limit_events: [EVENT],
      action_types: ['pretix.event.order.placed', 'pretix.event.order.paid', 'pretix.event.order.changed.*'],
      ...body,
    });
  }

  it('POSTs the order payload as JSON to matching webhooks, wildcards included', async () => {
    subscribe();
    const placed = await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    const changed = await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.changed.item');
    expect(changed.webhookType).toBe('pretix.event.order.changed.*');
    expect(changed.notificationId).toBeGreaterThan(placed.notificationId);
    expect(listener.received.map((r) => r.body)).toEqual([
      { notification_id: placed.notificationId, organizer: ORG, event: EVENT, code: 'Q7X3M', action: 'pretix.event.order.placed' },
      { notification_id: changed.notificationId, organizer: ORG, event: EVENT, code: 'Q7X3M', action: 'pretix.event.order.changed.item' },
    ]);
    expect(listener.received[0]!.headers['content-type']).toBe('application/json');
    for (const r of listener.received) webhookPayloadSchema.parse(r.body);
    expect(fake.webhookCalls.map((c) => c.status)).toEqual([200, 200]);
  });

  it('creates an event through the API and announces it only to all-events webhooks listening to pretix.event.added', async () => {
    subscribe({ all_events: false, limit_events: [EVENT], action_types: ['pretix.event.added', 'pretix.event.order.placed'] });
    const all = subscribe({ all_events: true, limit_events: [], action_types: ['pretix.event.added'] });
    subscribe({ all_events: true, limit_events: [], action_types: ['pretix.event.order.placed'] });
    fake.addToken('creator', { organizer: ORG, permissions: { eventsCreate: true } });
    const refused = await api(`organizers/${ORG}/events/`, { method: 'POST', body: { slug: 'newcon', name: { en: 'New' }, date_from: '2027-01-01T00:00:00Z' } });
    expect(refused.status).toBe(403);
    const missing = await api(`organizers/${ORG}/events/`, { method: 'POST', token: 'creator', body: { slug: 'newcon' } });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body)).toEqual(['name', 'date_from']);
    const created = await api(`organizers/${ORG}/events/`, { method: 'POST', token: 'creator', body: { slug: 'newcon', name: { en: 'New' }, date_from: '2027-01-01T00:00:00Z' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: 'newcon', name: { en: 'New' } });
    expect(listener.received.map((r) => r.body)).toEqual([{ notification_id: expect.any(Number), organizer: ORG, event: 'newcon', action: 'pretix.event.added' }]);
    expect(fake.webhookCalls.map((c) => c.webhookId)).toEqual([all.id]);
    const again = await api(`organizers/${ORG}/events/`, { method: 'POST', token: 'creator', body: { slug: 'newcon', name: { en: 'New' }, date_from: '2027-01-01T00:00:00Z' } });
    expect(again.status).toBe(400);
    expect(listener.received).toHaveLength(1);
  });

  it('skips other events, unsubscribed and unregistered actions, and disabled webhooks', async () => {
    const hook = subscribe();
    fake.addEvent(ORG, { slug: 'other' });
    await fake.emit(ORG, 'other', 'ABCDE', 'pretix.event.order.placed');
    await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.canceled');
    const unpaid = await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.unpaid');
    expect(unpaid.webhookType).toBeNull();
    await api(`organizers/${ORG}/webhooks/${hook.id}/`, { method: 'DELETE' });
    await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    expect(listener.received).toHaveLength(0);
  });

  it('retries a failing receiver immediately, four POSTs at most', async () => {
    subscribe();
    listener.respondWith(500, 502);
    const first = await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.paid');
    expect(first.calls.map((c) => c.status)).toEqual([500, 502, 200]);
    listener.respondWith(500, 500, 500, 500, 500);
    const second = await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.paid');
    expect(second.calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    expect(listener.received.filter((r) => r.body.notification_id === second.notificationId)).toHaveLength(4);
  });

  it('retries on network errors and records them with status 0', async () => {
    subscribe({ target_url: 'http://127.0.0.1:1/hooks' });
    const result = await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.paid');
    expect(result.calls).toHaveLength(4);
    expect(result.calls.every((c) => c.status === 0 && c.error)).toBe(true);
  });

  it('disables the webhook on 410, without retrying', async () => {
    const hook = subscribe();
    listener.respondWith(410);
    const result = await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.paid');
    expect(result.calls.map((c) => c.status)).toEqual([410]);
    expect(fake.webhooks(ORG).find((w) => w.id === hook.id)?.enabled).toBe(false);
    await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.paid');
    expect(listener.received).toHaveLength(1);
  });

  it('redelivers a notification with the same id (a duplicate for the receiver)', async () => {
    subscribe();
    const { notificationId } = await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    const again = await fake.redeliver(notificationId);
    expect(again.map((c) => c.redelivery)).toEqual([true]);
    expect(listener.received.map((r) => r.body.notification_id)).toEqual([notificationId, notificationId]);
  });

  it('adds check-in fields to the payload', async () => {
    subscribe({ action_types: ['pretix.event.checkin'] });
    await fake.emit(ORG, EVENT, 'Q7X3M', 'pretix.event.checkin', { orderposition_id: 48213, checkin_list: 44, type: 'entry' });
    expect(listener.received[0]!.body).toMatchObject({ code: 'Q7X3M', orderposition_id: 48213, checkin_list: 44 });
  });
});

describe('order traffic (placeOrders)', () => {
  let listener: WebhookListener;
  beforeEach(async () => {
    listener = await startWebhookListener();
    fake.addWebhook(ORG, { target_url: listener.url, all_events: true, limit_events: [], action_types: ['pretix.event.order.placed'] });
  });
  afterEach(async () => {
    await listener.close();
  });

  /** Most deliveries the listener was answering at the same time. */
  function maxConcurrent(): number {
    const edges = listener.received.flatMap((r) => [[r.receivedAt, 1], [r.answeredAt, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let most = 0;
    for (const [, step] of edges) most = Math.max(most, (open += step));
    return most;
  }

  it('one lane: each delivery waits for the answer to the previous one', async () => {
    listener.answerAfter(30);
    const placed = await fake.placeOrders(ORG, EVENT, 5);
    expect(listener.received).toHaveLength(5);
    expect(maxConcurrent()).toBe(1);
    for (let i = 1; i < listener.received.length; i += 1) {
      expect(listener.received[i]!.receivedAt).toBeGreaterThanOrEqual(listener.received[i - 1]!.answeredAt);
    }
    expect(placed.map((p) => listener.received.find((r) => r.body.notification_id === p.notificationId)?.body.code)).toEqual(placed.map((p) => p.code));
  });

  it('N lanes deliver in parallel, as fast as the receiver answers', async () => {
    listener.answerAfter(60);
    const started = Date.now();
    await fake.placeOrders(ORG, EVENT, 8, { lanes: 4 });
    expect(listener.received).toHaveLength(8);
    expect(maxConcurrent()).toBe(4);
    // Two rounds of four, not eight deliveries one after the other.
    expect(Date.now() - started).toBeLessThan(8 * 60);
  });

  it('paced: one order every N ms, however fast the receiver answers', async () => {
    const before = Date.now() + skewMs;
    const placed = await fake.placeOrders(ORG, EVENT, 5, { paceMs: 40 });
    // On schedule, never early: order i no sooner than 40 ms × i after the start. Measured from the start, not from
    // the first order: the schedule is the start's (a late timer does not shift the rest, as buyers do not wait for
    // each other), so a first order placed a few ms late under load leaves less than 40 ms to the second.
    // Less 2 ms: Node's timers run on a millisecond-truncated monotonic clock, so one may fire a millisecond before
    // Date.now() reaches its due time.
    placed.forEach((p, i) => expect(p.placedAt - before).toBeGreaterThanOrEqual(i * 40 - 2));
  });

  it("writes each order (last_modified) just before its webhook, and reports the first 2xx", async () => {
    listener.respondWith(500);
    const [first, second] = await fake.placeOrders(ORG, EVENT, 2);
    for (const placed of [first!, second!]) {
      const order = fake.getOrder(ORG, EVENT, placed.code)!;
      expect(orderSchema.parse(order).status).toBe('n');
      expect(Date.parse(String(order.last_modified))).toBe(placed.placedAt);
      const delivered = listener.received.find((r) => r.body.code === placed.code)!;
      expect(delivered.receivedAt).toBeGreaterThanOrEqual(placed.placedAt);
    }
    // The first order's first POST got 500: pretix retried, and the ack is the retry's answer.
    expect(first!.calls.map((c) => c.status)).toEqual([500, 200]);
    expect(first!.firstAckAt).toBe(first!.calls[1]!.answeredAt);
    expect(second!.firstAckAt).toBe(second!.calls[0]!.answeredAt);
    // Newest first, as the receiver lists them.
    const newest = await api(ordersPath('?ordering=-last_modified'));
    expect((newest.body.results as Json[]).slice(0, 2).map((o) => o.code)).toEqual([second!.code, first!.code]);
  });
});

describe('rate limit and faults', () => {
  it('throttles per organizer with 429 and Retry-After, and counts requests by kind', async () => {
    fake.setRateLimit({ limit: 5, intervalMs: 1_000 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await api(i === 0 ? ordersPath('Q7X3M/') : ordersPath())).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const throttled = await api(`organizers/${ORG}/events/${EVENT}/`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.body).toEqual({ detail: 'Request was throttled. Expected available in 1 second.' });
    expect(fake.stats(ORG)).toEqual({ total: 7, orderDetail: 1, orderList: 5, other: 1, throttled: 2 });
    expect(fake.maxRequestsInAnyWindow(ORG)).toBe(7);

    skewMs += 1_000; // the window has passed
    expect((await api(ordersPath())).status).toBe(200);
  });

  it('fails the next requests on demand, optionally only for one route kind', async () => {
    fake.failNext({ count: 2, status: 503, retryAfterSeconds: 3, match: 'orderDetail' });
    expect((await api(ordersPath())).status).toBe(200);
    const failed = await api(ordersPath('Q7X3M/'));
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('3');
    expect((await api(ordersPath('Q7X3M/'))).status).toBe(503);
    expect((await api(ordersPath('Q7X3M/'))).status).toBe(200);
  });

  it('holds API requests until released', async () => {
    const release = fake.hold();
    let answered = false;
    const held = api(ordersPath('Q7X3M/')).then((answer) => ((answered = true), answer));
    await waitFor(() => fake.stats(ORG).total === 1, 'request arrived'); // counted on arrival
    expect(answered).toBe(false);
    expect(fake.requests).toHaveLength(0); // logged once answered
    release();
    expect((await held).status).toBe(200);
    expect(fake.requests).toHaveLength(1);
  });

  it('adds latency when asked', async () => {
    fake.latencyMs = 120;
    const started = performance.now();
    await api(ordersPath('Q7X3M/'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });
});
