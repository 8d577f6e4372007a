// Proves, against a REAL pretix, the facts that our pretix fakes assume.
// Run: npx vitest run --project e2e test/e2e/pretix-smoke.test.ts
// First run installs pretix into .cache/pretix-venv and migrates a template DB (a few minutes); later runs reuse both.
//
// The tests in this file run in order and build on each other (one pretix, one set of orders).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkinListSchema,
  eventSchema,
  eventSettingsSchema,
  itemSchema,
  orderSchema,
  paginated,
  questionSchema,
  webhookPayloadSchema,
  type PretixOrder,
  type WebhookPayload,
} from '../../receiver/pretix/schemas.js';
import { diffShape, formatDiffs } from './json-shape.js';
import { startRealPretix, type RealPretix } from './pretix-server.js';
import { pretixCall } from './pretix-api';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(HERE, '../../../shared/fixtures/pretix');
const REPORT_FILE = resolve(HERE, '../../.cache/pretix-logs/smoke-report.txt');

// ---------------------------------------------------------------------------------------------------------------
// a tiny webhook receiver on 127.0.0.1

interface Delivery {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
  status: number;
}
interface Behaviour {
  status: number;
  delayMs: number;
}

const deliveries: Delivery[] = [];
/** Behaviours for the next deliveries to /hooks (FIFO); default 200 at once. /gone always answers 410. */
const behaviours: Behaviour[] = [];
let receiver: Server;
let receiverUrl = '';

function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = { unparsable: raw };
      }
      const b: Behaviour = req.url === '/gone' ? { status: 410, delayMs: 0 } : (behaviours.shift() ?? { status: 200, delayMs: 0 });
      deliveries.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, raw, body, status: b.status });
      setTimeout(() => {
        res.writeHead(b.status, { 'content-type': 'text/plain' });
        res.end('ok');
      }, b.delayMs);
    });
  });
  return new Promise((r) =>
    receiver.listen(0, '127.0.0.1', () => {
      const a = receiver.address();
      receiverUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
      r();
    }),
  );
}

function deliveriesFor(code: string, since = 0): Delivery[] {
  return deliveries.filter((d) => d.at >= since && d.body.code === code);
}

// ---------------------------------------------------------------------------------------------------------------
// REST helpers

let pretix: RealPretix;
let eventPath = '';
let orgPath = '';
const report: string[] = [];
const differences: string[] = [];
let ordersCreated = 0;

interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
  ms: number;
  /** Date.now() when the response headers arrived. */
  at: number;
}

function api(method: string, pathOrUrl: string, body?: unknown, token: string | null = pretix.token): Promise<ApiResponse> {
  return pretixCall(pretix.apiUrl, token, method, pathOrUrl, body);
}

function obj(v: unknown): Record<string, unknown> {
  expect(v, 'expected a JSON object').toBeTypeOf('object');
  return v as Record<string, unknown>;
}

function parseOrder(body: unknown, what: string): PretixOrder {
  const r = orderSchema.safeParse(body);
  if (!r.success) {
    differences.push(`orderSchema rejects real pretix order (${what}): ${JSON.stringify(r.error.issues)}`);
  }
  expect(r.success, `orderSchema must parse the real order (${what}): ${r.success ? '' : JSON.stringify(r.error.issues)}`).toBe(true);
  return (r as { data: PretixOrder }).data;
}

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

function noteShape(title: string, fixtureValue: unknown, realValue: unknown): void {
  const lines = formatDiffs(title, diffShape(fixtureValue, realValue));
  differences.push(...lines);
}

// ---------------------------------------------------------------------------------------------------------------
// shared state between the ordered tests

const WEBHOOK_TYPES = [
  'pretix.event.order.placed',
  'pretix.event.order.paid',
  'pretix.event.order.payment.confirmed',
  'pretix.event.order.canceled',
  'pretix.event.order.modified',
  'pretix.event.order.contact.changed',
  'pretix.event.order.changed.*',
  'pretix.event.checkin',
];
let webhookId = 0;
let orderA: PretixOrder; // 2 positions, all question types, invoice address
let orderB: PretixOrder; // canceled

function allAnswers(ids: RealPretix['ids']) {
  return [
    { question: ids.questions.S, answer: 'Vienna', options: [] },
    { question: ids.questions.C, answer: 'ignored by pretix', options: [ids.options.shirtM] },
    { question: ids.questions.M, answer: 'ignored too', options: [ids.options.topicWeb, ids.options.topicOps] },
    { question: ids.questions.B, answer: 'true', options: [] },
    { question: ids.questions.N, answer: '3', options: [] },
    { question: ids.questions.D, answer: '1990-12-24', options: [] },
  ];
}

beforeAll(async () => {
  await startReceiver();
  pretix = await startRealPretix();
  orgPath = `/organizers/${pretix.organizer}`;
  eventPath = `${orgPath}/events/${pretix.event}`;
  const t = pretix.timings;
  report.push(
    `pretix ${pretix.version} at ${pretix.baseUrl} (pid ${pretix.pid}, log ${pretix.serverLog})`,
    `timings: install ${(t.installMs / 1000).toFixed(1)} s, migrate ${(t.migrateMs / 1000).toFixed(1)} s` +
      `${t.migrateCached ? ' (cached template)' : ' (fresh)'}, fixture ${(t.fixtureMs / 1000).toFixed(1)} s, ` +
      `start ${(t.startMs / 1000).toFixed(1)} s, total ${(t.totalMs / 1000).toFixed(1)} s`,
  );
});

afterAll(async () => {
  const byAction = new Map<string, number>();
  for (const d of deliveries) {
    const a = String(d.body.action);
    byAction.set(a, (byAction.get(a) ?? 0) + 1);
  }
  report.push(
    `orders created: ${ordersCreated}`,
    `webhooks received: ${deliveries.length} (${[...byAction].map(([a, n]) => `${a} ×${n}`).join(', ')})`,
  );
  const text = ['== real pretix smoke report ==', ...report, '== differences vs reference/fixtures ==', ...differences].join('\n');
  console.log(text);
  await mkdir(dirname(REPORT_FILE), { recursive: true });
  await writeFile(REPORT_FILE, `${text}\n`);
  await pretix?.stop();
  await new Promise((r) => receiver?.close(r));
});

// ---------------------------------------------------------------------------------------------------------------

describe('real pretix', () => {
  it('authenticates with the team token; a wrong or missing token gives 401', async () => {
    const ok = await api('GET', '/organizers/');
    expect(ok.status).toBe(200);
    const page = paginated(z.looseObject({ slug: z.string() })).parse(ok.body);
    expect(page.results.map((o) => o.slug)).toContain('e2eorg');

    const wrong = await api('GET', `${eventPath}/orders/`, undefined, 'x'.repeat(64));
    expect(wrong.status).toBe(401);
    expect(obj(wrong.body).detail).toBe('Invalid token.');

    const none = await api('GET', `${eventPath}/orders/`, undefined, null);
    expect(none.status).toBe(401);
    expect(obj(none.body).detail).toBe('Authentication credentials were not provided.');
    report.push(`401 bodies: wrong token ${JSON.stringify(wrong.body)}, no token ${JSON.stringify(none.body)}`);
  });

  it('answers 403 for an unknown event or organizer and 404 for an unknown order', async () => {
    const ev = await api('GET', `${orgPath}/events/no-such-event/orders/`);
    expect(ev.status).toBe(403);
    const org = await api('GET', `/organizers/no-such-org/events/${pretix.event}/orders/`);
    expect(org.status).toBe(403);
    const order = await api('GET', `${eventPath}/orders/ZZZZZ/`);
    expect(order.status).toBe(404);
    report.push(
      `403 bodies: unknown event ${JSON.stringify(ev.body)}, unknown organizer ${JSON.stringify(org.body)}; ` +
        `404 unknown order ${JSON.stringify(order.body)}`,
    );
  });

  it('serves event, settings, items, questions and check-in lists in the shapes our schemas read', async () => {
    const ev = await api('GET', eventPath);
    expect(ev.status).toBe(200);
    const event = eventSchema.parse(ev.body);
    expect(event.slug).toBe('e2econ');
    noteShape('event vs fixtures/event.json', fixture('event.json'), ev.body);

    const st = await api('GET', `${eventPath}/settings/`);
    expect(st.status).toBe(200);
    const settings = eventSettingsSchema.parse(st.body);
    expect(settings.name_scheme).toBe('given_family');
    expect(settings.locales).toEqual(['en', 'de']);

    const items = await api('GET', `${eventPath}/items/`);
    const itemPage = paginated(itemSchema).parse(items.body);
    const conf = itemPage.results.find((i) => i.id === pretix.ids.items.conference);
    expect(conf?.variations.map((v) => v.id).sort()).toEqual(
      [pretix.ids.variations.early, pretix.ids.variations.regular].sort(),
    );
    noteShape('items page vs fixtures/items.json', fixture('items.json'), items.body);
    report.push(
      `items internal_name: ${itemPage.results.map((i) => `${i.id}=${JSON.stringify(i.internal_name)}`).join(', ')}`,
    );

    const qs = await api('GET', `${eventPath}/questions/`);
    const qPage = paginated(questionSchema).parse(qs.body);
    expect(qPage.results.map((q) => q.type).sort()).toEqual(['B', 'C', 'D', 'M', 'N', 'S']);
    const shirt = qPage.results.find((q) => q.id === pretix.ids.questions.C);
    expect(shirt?.options.map((o) => o.identifier)).toEqual(['SHIRT-S', 'SHIRT-M', 'SHIRT-L']);
    noteShape('questions page vs fixtures/questions.json', fixture('questions.json'), qs.body);
    report.push(`question help_text when unset: ${JSON.stringify(obj(get0(obj(qs.body).results)).help_text)}`);

    const cl = await api('GET', `${eventPath}/checkinlists/`);
    const clPage = paginated(checkinListSchema).parse(cl.body);
    expect(clPage.results.map((c) => c.id)).toEqual([pretix.ids.checkinList]);
  });

  it('registers a webhook to a loopback receiver (POST /organizers/{o}/webhooks/)', async () => {
    const bad = await api('POST', `${orgPath}/webhooks/`, {
      target_url: `${receiverUrl}/hooks`,
      all_events: true,
      limit_events: [],
      action_types: ['pretix.event.order.changed.item'],
    });
    expect(bad.status).toBe(400);
    report.push(`webhook with a concrete .changed.item type: ${bad.status} ${JSON.stringify(bad.body)}`);

    const both = await api('POST', `${orgPath}/webhooks/`, {
      target_url: `${receiverUrl}/hooks`,
      all_events: true,
      limit_events: ['e2econ'],
      action_types: ['pretix.event.order.placed'],
    });
    expect(both.status).toBe(400);
    report.push(`webhook with all_events and limit_events: ${both.status} ${JSON.stringify(both.body)}`);

    const res = await api('POST', `${orgPath}/webhooks/`, {
      enabled: true,
      target_url: `${receiverUrl}/hooks`,
      all_events: false,
      limit_events: [pretix.event],
      action_types: WEBHOOK_TYPES,
      comment: 'e2e',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const hook = obj(res.body);
    webhookId = Number(hook.id);
    expect(hook).toMatchObject({ enabled: true, all_events: false, limit_events: [pretix.event], comment: 'e2e' });
    expect([...(hook.action_types as string[])].sort()).toEqual([...WEBHOOK_TYPES].sort());
    report.push(`webhook object keys: ${Object.keys(hook).join(', ')}`);
  });

  it('creates an order with attendee names, emails, answers to every question type and an invoice address; the placed webhook arrives before the API response', async () => {
    const { ids } = pretix;
    const before = Date.now();
    const res = await api('POST', `${eventPath}/orders/`, {
      email: 'buyer@example.org',
      locale: 'de',
      sales_channel: 'web',
      payment_provider: 'manual',
      status: 'n',
      send_email: false,
      comment: 'e2e order A',
      invoice_address: {
        is_business: true,
        company: 'Example GmbH',
        name_parts: { _scheme: 'given_family', given_name: 'Ada', family_name: 'Buyer' },
        street: 'Main St 1',
        zipcode: '10115',
        city: 'Berlin',
        country: 'DE',
        vat_id: 'DE123456789',
        internal_reference: 'PO-1',
      },
      positions: [
        {
          item: ids.items.conference,
          variation: ids.variations.early,
          attendee_name_parts: { given_name: 'Ada', family_name: 'Lovelace' },
          attendee_email: 'ada@example.org',
          company: 'Analytical Engines Ltd',
          country: 'GB',
          answers: allAnswers(ids),
        },
        {
          item: ids.items.workshop,
          price: '25.00',
          attendee_name_parts: { _scheme: 'given_family', given_name: 'Charles', family_name: 'Babbage' },
          attendee_email: 'charles@example.org',
          answers: [{ question: ids.questions.S, answer: 'London', options: [] }],
        },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ordersCreated++;
    orderA = parseOrder(res.body, 'POST orders response');
    expect(orderA.status).toBe('n');
    expect(orderA.total).toBe('105.00');
    expect(orderA.locale).toBe('de');
    expect(orderA.invoice_address?.name_parts).toEqual({
      _scheme: 'given_family',
      given_name: 'Ada',
      family_name: 'Buyer',
    });
    expect(orderA.invoice_address?.name).toBe('Ada Buyer');
    expect(orderA.url).toBe(`${pretix.baseUrl}/e2eorg/e2econ/order/${orderA.code}/${orderA.secret}/`);
    expect(orderA.datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    const [p1, p2] = orderA.positions;
    expect(p1?.attendee_name).toBe('Ada Lovelace');
    expect(p1?.attendee_name_parts).toEqual({ _scheme: 'given_family', given_name: 'Ada', family_name: 'Lovelace' });
    expect(p1?.attendee_email).toBe('ada@example.org');
    expect(p1?.price).toBe('80.00'); // variation price
    expect(p2?.variation).toBeNull();
    const byQ = new Map(p1?.answers.map((a) => [a.question, a]));
    expect(byQ.get(ids.questions.S)).toMatchObject({ answer: 'Vienna', question_identifier: 'city', options: [], option_identifiers: [] });
    expect(byQ.get(ids.questions.C)).toMatchObject({ answer: 'M', options: [ids.options.shirtM], option_identifiers: ['SHIRT-M'] });
    expect(byQ.get(ids.questions.M)?.options).toEqual([ids.options.topicWeb, ids.options.topicOps]);
    expect(byQ.get(ids.questions.M)?.option_identifiers).toEqual(['TOPIC-WEB', 'TOPIC-OPS']);
    expect(byQ.get(ids.questions.B)?.answer).toBe('True');
    report.push(
      'answers as returned: ' +
        (p1?.answers ?? []).map((a) => `${a.question_identifier}=${JSON.stringify(a.answer)}`).join(', '),
    );

    // GET returns the same order
    const get = await api('GET', `${eventPath}/orders/${orderA.code}/`);
    expect(get.status).toBe(200);
    const again = parseOrder(get.body, 'GET order');
    expect(again.positions.map((p) => p.id)).toEqual(orderA.positions.map((p) => p.id));
    noteShape('order vs fixtures/order-paid.json', fixture('order-paid.json'), get.body);

    // the webhook
    const got = deliveriesFor(orderA.code, before);
    expect(got.map((d) => d.body.action)).toEqual(['pretix.event.order.placed']);
    const d = got[0]!;
    expect(d.at).toBeLessThanOrEqual(res.at);
    expect(Object.keys(d.body).sort()).toEqual(['action', 'code', 'event', 'notification_id', 'organizer']);
    const payload: WebhookPayload = webhookPayloadSchema.parse(d.body);
    expect(payload).toMatchObject({ organizer: 'e2eorg', event: 'e2econ', code: orderA.code });
    expect(d.headers['content-type']).toBe('application/json');
    expect(d.path).toBe('/hooks');
    report.push(
      `placed webhook arrived ${res.at - d.at} ms before the API response (request took ${res.ms} ms); ` +
        `headers: ${Object.entries(d.headers).map(([k, v]) => `${k}: ${String(v)}`).join('; ')}`,
    );
    noteShape('webhook placed vs fixtures/webhook-order-placed.json', fixture('webhook-order-placed.json'), d.body);
  });

  it('mark_paid → payment.confirmed + paid webhooks, order status p', async () => {
    const before = Date.now();
    const res = await api('POST', `${eventPath}/orders/${orderA.code}/mark_paid/`, { send_email: false });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const paid = parseOrder(res.body, 'mark_paid response');
    expect(paid.status).toBe('p');
    expect(paid.payments.map((p) => [p.provider, p.state])).toEqual([['manual', 'confirmed']]);
    const actions = deliveriesFor(orderA.code, before).map((d) => d.body.action);
    expect(actions).toEqual(['pretix.event.order.payment.confirmed', 'pretix.event.order.paid']);
    expect(deliveriesFor(orderA.code, before).every((d) => d.at <= res.at)).toBe(true);
    report.push(`mark_paid webhooks in order: ${actions.join(', ')}; payment_date ${JSON.stringify(paid.payment_date)}`);
    noteShape('paid order vs fixtures/order-paid.json', fixture('order-paid.json'), res.body);
  });

  it('PATCH of a position’s answers fires pretix.event.order.modified and replaces the whole answer set', async () => {
    const { ids } = pretix;
    const pos = orderA.positions[0]!;
    const before = Date.now();
    const res = await api('PATCH', `${eventPath}/orderpositions/${pos.id}/`, {
      answers: [
        { question: ids.questions.S, answer: 'Graz', options: [] },
        { question: ids.questions.C, answer: 'x', options: [ids.options.shirtL] },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const actions = deliveriesFor(orderA.code, before).map((d) => d.body.action);
    expect(actions).toEqual(['pretix.event.order.modified']);
    const body = obj(res.body);
    const answers = z.array(z.looseObject({ question: z.number(), answer: z.string() })).parse(body.answers);
    expect(answers.map((a) => [a.question, a.answer])).toEqual([
      [ids.questions.S, 'Graz'],
      [ids.questions.C, 'L'],
    ]);
    report.push(`position answers PATCH → ${actions.join(', ')}; answers not sent were deleted (${answers.length} left)`);

    const put = await api('PUT', `${eventPath}/orderpositions/${pos.id}/`, { attendee_email: 'x@example.org' });
    const putOrder = await api('PUT', `${eventPath}/orders/${orderA.code}/`, { email: 'x@example.org' });
    expect([put.status, putOrder.status]).toEqual([405, 405]);

    // attendee name change alone: also "modified"
    const t2 = Date.now();
    const res2 = await api('PATCH', `${eventPath}/orderpositions/${pos.id}/`, {
      attendee_name_parts: { _scheme: 'given_family', given_name: 'Ada', family_name: 'King' },
    });
    expect(res2.status).toBe(200);
    expect(deliveriesFor(orderA.code, t2).map((d) => d.body.action)).toEqual(['pretix.event.order.modified']);
    expect(obj(res2.body).attendee_name).toBe('Ada King');
  });

  it('delivers synchronously inside the API request: a slow receiver delays the API response', async () => {
    behaviours.push({ status: 200, delayMs: 1500 });
    const before = Date.now();
    const res = await api('PATCH', `${eventPath}/orders/${orderA.code}/`, { email: 'new-buyer@example.org' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const got = deliveriesFor(orderA.code, before);
    expect(got.map((d) => d.body.action)).toEqual(['pretix.event.order.contact.changed']);
    expect(res.ms).toBeGreaterThanOrEqual(1400);
    report.push(`order email PATCH → contact.changed; with a receiver that waits 1500 ms the PATCH took ${res.ms} ms`);
  });

  it('retries a failing receiver immediately (no celery): 1 + 3 attempts inside the request, API still 200', async () => {
    behaviours.push(...Array.from({ length: 6 }, () => ({ status: 500, delayMs: 0 })));
    const before = Date.now();
    const res = await api('PATCH', `${eventPath}/orders/${orderA.code}/`, { email: 'buyer@example.org' });
    expect(res.status).toBe(200);
    const got = deliveriesFor(orderA.code, before);
    const ids = new Set(got.map((d) => d.body.notification_id));
    behaviours.length = 0;
    expect(ids.size).toBe(1);
    expect(got.length).toBe(4);
    expect(got.every((d) => d.at <= res.at)).toBe(true);
    report.push(`receiver answering 500: ${got.length} POSTs of the same notification_id within the request (${res.ms} ms)`);
  });

  it('cancelling one position (DELETE orderposition) → changed.cancel; include_canceled_positions shows it', async () => {
    const ws = orderA.positions[1]!;
    const before = Date.now();
    const res = await api('DELETE', `${eventPath}/orderpositions/${ws.id}/`);
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    const actions = deliveriesFor(orderA.code, before).map((d) => d.body.action);
    expect(actions).toEqual(['pretix.event.order.changed.cancel']);
    noteShape(
      'webhook changed.cancel vs fixtures/webhook-order-changed-item.json',
      fixture('webhook-order-changed-item.json'),
      deliveriesFor(orderA.code, before)[0]?.body,
    );

    const plain = parseOrder((await api('GET', `${eventPath}/orders/${orderA.code}/`)).body, 'GET after position cancel');
    expect(plain.positions.map((p) => p.id)).toEqual([orderA.positions[0]!.id]);
    const all = parseOrder(
      (await api('GET', `${eventPath}/orders/${orderA.code}/?include_canceled_positions=true`)).body,
      'GET include_canceled_positions',
    );
    expect(all.positions.map((p) => [p.id, p.canceled])).toEqual([
      [orderA.positions[0]!.id, false],
      [ws.id, true],
    ]);
    expect(plain.total).toBe('80.00');
    report.push(`DELETE orderposition → ${actions.join(', ')}; order total now ${plain.total}`);
  });

  it('check-in via checkinrpc/redeem → pretix.event.checkin with the documented extra keys', async () => {
    const pos = orderA.positions[0]!;
    const before = Date.now();
    const res = await api('POST', `${orgPath}/checkinrpc/redeem/`, {
      secret: pos.secret,
      lists: [pretix.ids.checkinList],
      type: 'entry',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(obj(res.body).status).toBe('ok');
    const got = deliveriesFor(orderA.code, before);
    expect(got.map((d) => d.body.action)).toEqual(['pretix.event.checkin']);
    expect(got[0]?.body).toMatchObject({
      orderposition_id: pos.id,
      orderposition_positionid: pos.positionid,
      checkin_list: pretix.ids.checkinList,
      type: 'entry',
      // pretix 2026.8 reads first_checkin from the log data, but nothing writes it there: always null
      first_checkin: null,
    });
    noteShape('webhook checkin vs fixtures/webhook-checkin.json', fixture('webhook-checkin.json'), got[0]?.body);
    const afterRaw = obj((await api('GET', `${eventPath}/orders/${orderA.code}/`)).body);
    const after = parseOrder(afterRaw, 'GET after check-in');
    expect(after.positions[0]?.checkins.map((c) => [c.list, c.type])).toEqual([[pretix.ids.checkinList, 'entry']]);
    const rawCheckin = get0(obj(get0(afterRaw.positions)).checkins);
    noteShape(
      'positions[].checkins[] vs reference §2 key list',
      { id: 1, list: 1, datetime: '', type: 'entry', gate: null, device: null, device_id: null, auto_checked_in: false },
      rawCheckin,
    );
  });

  it('mark_canceled → pretix.event.order.canceled; a canceled order keeps its positions (not canceled=true)', async () => {
    const created = await api('POST', `${eventPath}/orders/`, {
      email: 'cancel-me@example.org',
      locale: 'en',
      send_email: false,
      positions: [{ item: pretix.ids.items.workshop, attendee_name_parts: { given_name: 'Bob', family_name: 'Gone' } }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ordersCreated++;
    orderB = parseOrder(created.body, 'order B');
    expect(orderB.payments).toEqual([]);
    const before = Date.now();
    const res = await api('POST', `${eventPath}/orders/${orderB.code}/mark_canceled/`, { send_email: false });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const canceled = parseOrder(res.body, 'mark_canceled response');
    expect(canceled.status).toBe('c');
    const actions = deliveriesFor(orderB.code, before).map((d) => d.body.action);
    expect(actions).toEqual(['pretix.event.order.canceled']);
    const plain = parseOrder((await api('GET', `${eventPath}/orders/${orderB.code}/`)).body, 'canceled order');
    const all = parseOrder(
      (await api('GET', `${eventPath}/orders/${orderB.code}/?include_canceled_positions=true`)).body,
      'canceled order incl. canceled positions',
    );
    expect(plain.positions.map((p) => p.canceled)).toEqual([false]);
    expect(all.positions.map((p) => p.canceled)).toEqual([false]);
    report.push(
      `canceled order: positions ${plain.positions.length} by default (canceled flags ${JSON.stringify(plain.positions.map((p) => p.canceled))}), ` +
        `${all.positions.length} with include_canceled_positions (${JSON.stringify(all.positions.map((p) => p.canceled))})`,
    );
    const again = await api('POST', `${eventPath}/orders/${orderB.code}/mark_canceled/`, { send_email: false });
    expect(again.status).toBe(400);
    report.push(`mark_canceled twice: ${again.status} ${JSON.stringify(again.body)}`);
  });

  it('DELETE webhook → 204, still listed with enabled=false, no more deliveries; a 410 answer disables a webhook', async () => {
    const del = await api('DELETE', `${orgPath}/webhooks/${webhookId}/`);
    expect(del.status).toBe(204);
    const one = await api('GET', `${orgPath}/webhooks/${webhookId}/`);
    expect(one.status).toBe(200);
    expect(obj(one.body).enabled).toBe(false);
    const list = paginated(z.looseObject({ id: z.number(), enabled: z.boolean() })).parse(
      (await api('GET', `${orgPath}/webhooks/?enabled=false`)).body,
    );
    expect(list.results.map((w) => w.id)).toContain(webhookId);

    // a second webhook whose receiver answers 410 Gone
    const noLimit = await api('POST', `${orgPath}/webhooks/`, {
      target_url: `${receiverUrl}/gone`,
      all_events: true,
      action_types: ['pretix.event.order.placed'],
    });
    expect(noLimit.status).toBe(400); // limit_events is a required key, even with all_events=true
    expect(obj(noLimit.body).limit_events).toEqual(['This field is required.']);
    const gone = await api('POST', `${orgPath}/webhooks/`, {
      target_url: `${receiverUrl}/gone`,
      all_events: true,
      limit_events: [],
      action_types: ['pretix.event.order.placed'],
    });
    expect(gone.status, JSON.stringify(gone.body)).toBe(201);
    const goneId = Number(obj(gone.body).id);
    const before = Date.now();
    const c = await api('POST', `${eventPath}/orders/`, {
      email: 'c@example.org',
      send_email: false,
      positions: [{ item: pretix.ids.items.workshop }],
    });
    expect(c.status).toBe(201);
    ordersCreated++;
    const got = deliveries.filter((d) => d.at >= before);
    expect(got.map((d) => [d.path, d.body.action])).toEqual([['/gone', 'pretix.event.order.placed']]);
    const goneNow = await api('GET', `${orgPath}/webhooks/${goneId}/`);
    expect(obj(goneNow.body).enabled).toBe(false);
    report.push('DELETE webhook → 204 and enabled=false (still listed); receiver 410 → webhook enabled=false, no retry');
  });

  it('lists > 50 orders in pages of 50 following next; X-Page-Generated + modified_since return only changes', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 55; i++) {
      const r = await api('POST', `${eventPath}/orders/`, {
        email: `bulk${i}@example.org`,
        send_email: false,
        positions: [{ item: pretix.ids.items.workshop }],
      });
      expect(r.status).toBe(201);
      ordersCreated++;
    }
    report.push(`created 55 orders in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const pageSchema = paginated(orderSchema);
    const first = await api('GET', `${eventPath}/orders/`);
    expect(first.status).toBe(200);
    const generated = first.headers.get('x-page-generated');
    expect(generated).toBeTruthy();
    let page = pageSchema.parse(first.body);
    expect(page.count).toBe(ordersCreated);
    expect(page.results.length).toBe(50);
    expect(page.previous).toBeNull();
    expect(page.next).toMatch(new RegExp(`^${pretix.apiUrl}/organizers/e2eorg/events/e2econ/orders/\\?.*page=2`));
    report.push(`first page: count ${page.count}, next ${page.next}, X-Page-Generated ${generated}`);
    const codes = page.results.map((o) => o.code);
    let pages = 1;
    while (page.next) {
      const r = await api('GET', page.next);
      expect(r.status).toBe(200);
      page = pageSchema.parse(r.body);
      codes.push(...page.results.map((o) => o.code));
      pages++;
    }
    expect(pages).toBe(2);
    expect(new Set(codes).size).toBe(ordersCreated);

    const big = await api('GET', `${eventPath}/orders/?page_size=100`);
    const small = await api('GET', `${eventPath}/orders/?page_size=10`);
    report.push(
      `page_size=100 → ${pageSchema.parse(big.body).results.length} results; page_size=10 → ${pageSchema.parse(small.body).results.length}`,
    );

    const since = encodeURIComponent(generated ?? '');
    const none = pageSchema.parse((await api('GET', `${eventPath}/orders/?modified_since=${since}&testmode=false`)).body);
    expect(none.count).toBe(0);
    const patched = await api('PATCH', `${eventPath}/orders/${orderA.code}/`, { comment: 'touched' });
    expect(patched.status).toBe(200);
    const changed = await api('GET', `${eventPath}/orders/?modified_since=${since}&testmode=false&ordering=last_modified`);
    const changedPage = pageSchema.parse(changed.body);
    expect(changedPage.results.map((o) => o.code)).toEqual([orderA.code]);
    const gen2 = changed.headers.get('x-page-generated');
    expect(gen2).toBeTruthy();
    expect(Date.parse(gen2 ?? '')).toBeGreaterThanOrEqual(Date.parse(generated ?? ''));

    const bad = await api('GET', `${eventPath}/orders/?modified_since=yesterday`);
    report.push(`modified_since=yesterday → ${bad.status} ${JSON.stringify(bad.body).slice(0, 200)}`);
  });

  it('never sends mail: send_email=false writes nothing; mark_paid without send_email (default true) lands in the mail dir', async () => {
    const files = () => {
      try {
        return readdirSync(pretix.mailDir);
      } catch {
        return [];
      }
    };
    expect(files()).toEqual([]);
    const o = await api('POST', `${eventPath}/orders/`, {
      email: 'mail-me@example.org',
      send_email: false,
      positions: [{ item: pretix.ids.items.workshop }],
    });
    expect(o.status).toBe(201);
    ordersCreated++;
    const code = String(obj(o.body).code);
    const paid = await api('POST', `${eventPath}/orders/${code}/mark_paid/`, {});
    expect(paid.status).toBe(200);
    const after = files();
    expect(after.length).toBeGreaterThan(0);
    const text = after.map((f) => readFileSync(join(pretix.mailDir, f), 'utf8')).join('\n');
    expect(text).toContain('mail-me@example.org');
    report.push(`mark_paid with default send_email: ${after.length} mail file(s) written, none sent`);
  });
});

function get0(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : undefined;
}
