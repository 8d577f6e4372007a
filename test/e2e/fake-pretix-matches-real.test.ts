// Differential test: the same requests against the REAL pretix (pinned release) and against our fake
// (test/fakes/pretix), comparing status codes, error bodies and JSON shapes. Everything the unit and scenario tests
// believe about pretix goes through the fake, so where it differs from the real thing, the fake is wrong.
//
// Run: npx vitest run --project e2e test/e2e/fake-pretix-matches-real.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTERED_ACTION_TYPES, startFakePretix, type FakePretix } from '../fakes/pretix';
import { diffShape, formatDiffs } from './json-shape';
import { startRealPretix, type RealPretix } from './pretix-server';
import { pretixCall } from './pretix-api';

type Json = Record<string, unknown>;

let real: RealPretix | undefined;
let fake: FakePretix | undefined;
const report: string[] = [];

interface Answer {
  status: number;
  body: unknown;
}

async function call(base: string, token: string | null, method: string, path: string, body?: unknown): Promise<Answer> {
  const { status, body: answer } = await pretixCall(`${base}/api/v1`, token, method, path, body);
  return { status, body: answer };
}

function both(method: string, path: string, body?: unknown, token?: string | null): Promise<[Answer, Answer]> {
  const r = real!;
  const f = fake!;
  const t = token === undefined ? r.token : token;
  return Promise.all([call(r.baseUrl, t, method, path, body), call(f.url, t, method, path, body)]);
}

/** Drops values that legitimately differ between the two (ids, URLs with ports). */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    const out: Json = {};
    // JSON key order is not part of the contract: compare with sorted keys.
    for (const [k, v] of Object.entries(value as Json).sort(([a], [b]) => a.localeCompare(b))) out[k] = k === 'id' ? '<id>' : normalize(v);
    return out;
  }
  if (typeof value === 'string') return value.replace(/^http:\/\/127\.0\.0\.1:\d+/, '<base>');
  return value;
}

const mismatches: string[] = [];
const knownDifferences: string[] = [];

/** Differences we know of and keep on purpose (each explained where the fake implements the behaviour). */
const KNOWN: Record<string, string> = {};

async function same(label: string, method: string, path: string, body?: unknown, token?: string | null): Promise<[Answer, Answer]> {
  const [r, f] = await both(method, path, body, token);
  const rn = JSON.stringify(normalize(r.body));
  const fn = JSON.stringify(normalize(f.body));
  if (r.status !== f.status || rn !== fn) {
    const line = `${label} (${method} ${path}): real ${r.status} ${rn} | fake ${f.status} ${fn}`;
    if (KNOWN[label]) knownDifferences.push(`${line} – ${KNOWN[label]}`);
    else mismatches.push(line);
  }
  report.push(`${label}: real ${r.status} ${rn.slice(0, 200)}`);
  return [r, f];
}

beforeAll(async () => {
  real = await startRealPretix();
  fake = await startFakePretix();
  const r = real;
  const ev = `/organizers/${r.organizer}/events/${r.event}`;
  const get = async (path: string) => (await call(r.baseUrl, r.token, 'GET', path)).body as Json;
  // The fake serves this organizer's event exactly as the real one describes it.
  fake.addEvent(r.organizer, (await get(`${ev}/`)) as Json & { slug: string }, {
    settings: await get(`${ev}/settings/`),
    items: (await get(`${ev}/items/`)).results as Json[],
    questions: (await get(`${ev}/questions/`)).results as Json[],
    checkinLists: (await get(`${ev}/checkinlists/`)).results as Json[],
  });
  fake.addToken(r.token, { organizer: r.organizer, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
});

afterAll(async () => {
  console.log(
    [
      '== fake pretix vs real pretix ==',
      ...report,
      '== known differences (kept on purpose) ==',
      ...(knownDifferences.length ? knownDifferences : ['none']),
      '== mismatches ==',
      ...(mismatches.length ? mismatches : ['none']),
    ].join('\n'),
  );
  await Promise.allSettled([real?.stop(), fake?.close()]);
});

describe('fake pretix answers like real pretix', () => {
  it('authentication, permissions, unknown objects, bad parameters', async () => {
    const r = real!;
    const ev = `/organizers/${r.organizer}/events/${r.event}`;
    await same('wrong token', 'GET', `${ev}/orders/`, undefined, 'x'.repeat(64));
    await same('no token', 'GET', `${ev}/orders/`, undefined, null);
    await same('unknown event', 'GET', `/organizers/${r.organizer}/events/nope/orders/`);
    await same('unknown organizer', 'GET', `/organizers/nope/events/${r.event}/orders/`);
    await same('unknown order', 'GET', `${ev}/orders/ZZZZZ/`);
    await same('bad modified_since', 'GET', `${ev}/orders/?modified_since=yesterday`);
    await same('page past the end', 'GET', `${ev}/orders/?page=99`);
    await same('bad testmode', 'GET', `${ev}/orders/?testmode=maybe`);
    await same('unknown ordering falls back', 'GET', `${ev}/orders/?ordering=bogus`);
    await same('PUT on an order', 'PUT', `${ev}/orders/ZZZZZ/`, { email: 'x@example.org' });
    await same('events list', 'GET', `/organizers/${r.organizer}/events/?page_size=1`);
  });

  it('webhook API: validation, PATCH, DELETE', async () => {
    const r = real!;
    const hooks = `/organizers/${r.organizer}/webhooks/`;
    const target = 'http://127.0.0.1:9/hooks/pretix';
    const base = { target_url: target, all_events: false, limit_events: [r.event], action_types: ['pretix.event.order.placed'] };
    await same('create with a concrete changed.item', 'POST', hooks, { ...base, action_types: ['pretix.event.order.changed.item'] });
    await same('create with all_events and limit_events', 'POST', hooks, { ...base, all_events: true });
    await same('create with a dot-less host', 'POST', hooks, { ...base, target_url: 'http://receiver:8080/hook' });
    await same('create with an unknown event', 'POST', hooks, { ...base, limit_events: ['nope'] });
    await same('create without action_types', 'POST', hooks, { target_url: target, all_events: true, limit_events: [] });
    await same('create with empty action_types', 'POST', hooks, { ...base, action_types: [] });
    await same('create without target_url', 'POST', hooks, { all_events: true, limit_events: [], action_types: ['pretix.event.order.placed'] });
    await same('create with a list body', 'POST', hooks, [base]);
    const [created] = await same('create', 'POST', hooks, base);
    await same('create without comment, enabled', 'POST', hooks, { ...base, comment: 'x' });
    const id = String((created.body as Json).id);
    // ids agree: both start at 1 and created the same webhooks
    await same('get one', 'GET', `${hooks}${id}/`);
    await same('get unknown', 'GET', `${hooks}99999/`);
    await same('patch enabled', 'PATCH', `${hooks}${id}/`, { enabled: false });
    await same('patch action_types', 'PATCH', `${hooks}${id}/`, { action_types: ['pretix.event.order.paid', 'pretix.event.order.changed.*'], enabled: true });
    await same('patch limit_events to empty', 'PATCH', `${hooks}${id}/`, { limit_events: [] });
    await same('put without action_types', 'PUT', `${hooks}${id}/`, { target_url: target, all_events: true, limit_events: [] });
    await same('delete', 'DELETE', `${hooks}${id}/`);
    await same('get after delete', 'GET', `${hooks}${id}/`);
    await same('list enabled=false', 'GET', `${hooks}?enabled=false`);
    // Last, because the fake creates a webhook here where pretix refuses (ids would no longer line up).
    await same('create with only target_url', 'POST', hooks, { target_url: target });
    await same('create without limit_events', 'POST', hooks, { target_url: target, all_events: true, action_types: ['pretix.event.order.placed'] });
  });

  it('knows the same webhook action types as pretix registers', async () => {
    const out = await real!.shell(`
import json
from pretix.api.webhooks import get_all_webhook_events
print("E2E_TYPES=" + json.dumps(sorted(get_all_webhook_events().keys())))
`);
    const line = out.split('\n').find((l) => l.startsWith('E2E_TYPES='));
    expect(line, out).toBeDefined();
    const registered = JSON.parse(line!.slice('E2E_TYPES='.length)) as string[];
    const onlyReal = registered.filter((t) => !REGISTERED_ACTION_TYPES.has(t));
    const onlyFake = [...REGISTERED_ACTION_TYPES].filter((t) => !registered.includes(t));
    report.push(`webhook action types: pretix registers ${registered.length}, the fake knows ${REGISTERED_ACTION_TYPES.size}`);
    if (onlyReal.length > 0) mismatches.push(`webhook action types only pretix registers: ${onlyReal.join(', ')}`);
    if (onlyFake.length > 0) mismatches.push(`webhook action types only the fake accepts: ${onlyFake.join(', ')}`);
  });

  it('orders: the fake generates the shape real pretix serves, and filters, orders and pages like it', async () => {
    const r = real!;
    const f = fake!;
    const ev = `/organizers/${r.organizer}/events/${r.event}`;
    const post = async (path: string, body: unknown, status = 201) => {
      const res = await call(r.baseUrl, r.token, 'POST', `${ev}${path}`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      return res.body as Json;
    };
    const position = (extra: Json = {}) => ({
      item: r.ids.items.conference,
      variation: r.ids.variations.early,
      attendee_name_parts: { given_name: 'A', family_name: 'B' },
      attendee_email: 'a@example.org',
      answers: [{ question: r.ids.questions.S, answer: 'x', options: [] }, { question: r.ids.questions.C, answer: 'x', options: [r.ids.options.shirtS] }],
      ...extra,
    });
    // Three real orders: pending with a canceled position, paid, canceled.
    const a = await post('/orders/', {
      email: 'Shape@Example.org',
      send_email: false,
      invoice_address: { name_parts: { _scheme: 'given_family', given_name: 'A', family_name: 'B' }, country: 'DE' },
      positions: [position(), { item: r.ids.items.workshop }],
    });
    const del = await call(r.baseUrl, r.token, 'DELETE', `${ev}/orderpositions/${String((a.positions as Json[])[1]!.id)}/`);
    expect(del.status).toBe(204);
    const b = await post('/orders/', { email: 'paid@example.org', send_email: false, payment_provider: 'manual', status: 'p', positions: [position()] });
    const c = await post('/orders/', { email: 'gone@example.org', send_email: false, positions: [{ item: r.ids.items.workshop }] });
    await post(`/orders/${String(c.code)}/mark_canceled/`, { send_email: false }, 200);
    const codes = [a, b, c].map((o) => String(o.code));

    // Shape: an order the fake generates vs a real one.
    const realOrder = (await call(r.baseUrl, r.token, 'GET', `${ev}/orders/${codes[0]}/?include_canceled_positions=true`)).body as Json;
    const [fakeCode] = f.generateOrders(r.organizer, r.event, 1, { status: 'n', secondPositionRate: 0 });
    const fakeOrder = (await call(f.url, r.token, 'GET', `${ev}/orders/${fakeCode}/?include_canceled_positions=true`)).body as Json;
    const diffs = diffShape(fakeOrder, realOrder);
    report.push(...formatDiffs('generated fake order vs real order ("fixture" = fake)', diffs));
    const keyDiffs = diffs.filter((d) => d.kind !== 'type');
    if (keyDiffs.length > 0) mismatches.push(...formatDiffs('order keys', keyDiffs));

    // Semantics: the fake holds exactly the real orders (as pretix serves them); every query must select the same.
    const f2 = await startFakePretix();
    try {
      const r2 = real!;
      f2.addEvent(r2.organizer, (await call(r2.baseUrl, r2.token, 'GET', `${ev}/`)).body as Json & { slug: string });
      f2.addToken(r2.token, { organizer: r2.organizer, permissions: { ordersRead: true } });
      for (const code of codes) {
        f2.addOrder(r2.organizer, r2.event, (await call(r2.baseUrl, r2.token, 'GET', `${ev}/orders/${code}/?include_canceled_positions=true`)).body as Json);
      }
      const lastModified = String(((await call(r2.baseUrl, r2.token, 'GET', `${ev}/orders/${codes[1]}/`)).body as Json).last_modified);
      const queries = [
        '',
        '?email=SHAPE@example.ORG',
        '?email=shape@example',
        `?code=${codes[1]!.toLowerCase()}`,
        '?status=p',
        '?status=c',
        '?testmode=false',
        '?testmode=true',
        '?testmode=maybe',
        '?ordering=-datetime',
        '?ordering=code',
        '?ordering=-last_modified',
        `?modified_since=${encodeURIComponent(lastModified)}&ordering=last_modified`,
        '?include_canceled_positions=true',
        '?page_size=2',
        '?page_size=2&page=2',
      ];
      const summary = (answer: Answer) => {
        if (answer.status !== 200) return `${answer.status} ${JSON.stringify(answer.body)}`;
        const page = answer.body as Json;
        const results = page.results as Json[];
        return `200 count=${String(page.count)} next=${page.next ? 'yes' : 'no'} ${results.map((o) => `${String(o.event)}/${String(o.code)}(${(o.positions as Json[]).length})`).join(',')}`;
      };
      // The event's list, and the organizer-wide one (the card's search), which takes the same filters and ordering.
      for (const [label, list] of [
        ['orders', `${ev}/orders/`],
        ['organizer orders', `/organizers/${r2.organizer}/orders/`],
      ] as const) {
        for (const q of queries) {
          const [x, y] = await Promise.all([call(r2.baseUrl, r2.token, 'GET', `${list}${q}`), call(f2.url, r2.token, 'GET', `${list}${q}`)]);
          const [sx, sy] = [summary(x), summary(y)];
          report.push(`${label}${q}: real ${sx}`);
          if (sx !== sy) mismatches.push(`${label}${q}: real ${sx} | fake ${sy}`);
        }
      }
      for (const path of [`/orders/${codes[0]!.toLowerCase()}/`, `/orders/${codes[0]}/`]) {
        const [x, y] = await Promise.all([call(r2.baseUrl, r2.token, 'GET', `${ev}${path}`), call(f2.url, r2.token, 'GET', `${ev}${path}`)]);
        const [sx, sy] = [`${x.status} ${(x.body as Json).code ?? JSON.stringify(x.body)}`, `${y.status} ${(y.body as Json).code ?? JSON.stringify(y.body)}`];
        report.push(`order detail ${path}: real ${sx}`);
        if (sx !== sy) mismatches.push(`order detail ${path}: real ${sx} | fake ${sy}`);
      }
    } finally {
      await f2.close();
    }
  });

  it('found no differences', () => {
    expect(mismatches, mismatches.join('\n')).toEqual([]);
  });
});
