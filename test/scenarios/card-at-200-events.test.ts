// Issue 13's card goal: 200 enabled events on one connection and a contact with orders in 30 of them under two
// emails. The card lists all of them, newest first, with one pretix search per email (the organizer-wide order
// list) however many events there are, plus the event data of the events on the card, which a second view takes
// from the cache. Driven over signed HTTP against the loopback fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactOrdersResponse } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { MAX_CARD_ORDERS } from '../../receiver/http/api/contact-orders';
import { loadFixture } from '../fixtures';
import type { Json, RecordedRequest } from '../fakes/pretix';
import { ORGANIZER } from '../helpers/stack';
import { startApiStack, type ApiStack } from '../api/signed-client';
import { exampleMappingsBody } from './mappings';

const ENABLED_EVENTS = 200;
const EMAILS = ['ada@example.com', 'ada.lovelace@example.org'];
const slug = (n: number) => `season-${String(n).padStart(3, '0')}`;
// 30 of the enabled events, spread over the list.
const BOUGHT_IN = Array.from({ length: 30 }, (_, i) => slug(i * 6 + 3));
// Events in pretix that are not synced: the contact's orders there stay off the card.
const NOT_ENABLED = ['private-dinner', 'staff-party'];

const template = loadFixture<Json & { positions: Json[] }>('order-paid.json');
let nextPositionId = 900_000;

function orderFor(event: string, code: string, email: string, datetime: Date): Json {
  return {
    ...structuredClone(template),
    event,
    code,
    email,
    datetime: datetime.toISOString(),
    last_modified: datetime.toISOString(),
    positions: template.positions.map((position) => ({ ...structuredClone(position), id: nextPositionId++, order: code })),
  };
}

const searchRequests = (requests: readonly RecordedRequest[]) => requests.filter((r) => r.path === `/api/v1/organizers/${ORGANIZER}/orders/`);
const eventOf = (r: RecordedRequest) => /\/events\/([^/]+)\//.exec(r.path)?.[1];

describe('contact card with 200 enabled events', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  /** Codes of the contact's orders in enabled events, newest first. */
  const expected: string[] = [];
  const cardOf = () => stack.api.get<ContactOrdersResponse>('/api/v1/contacts/4711/orders', { email: EMAILS });

  beforeAll(async () => {
    // No worker, no sweep: every pretix request during a card load is the card's.
    stack = await startApiStack({ startWorker: false });
    const items = loadFixture<{ results: Json[] }>('items.json').results;
    const questions = loadFixture<{ results: Json[] }>('questions.json').results;
    for (let n = 0; n < ENABLED_EVENTS; n += 1) {
      stack.pretix.addEvent(ORGANIZER, { slug: slug(n), name: { en: `Season ${n}` } }, { items, questions });
    }
    for (const event of NOT_ENABLED) stack.pretix.addEvent(ORGANIZER, { slug: event }, { items, questions });
    connection = await stack.connect();
    for (let n = 0; n < ENABLED_EVENTS; n += 1) {
      const saved = await stack.admin.put<{ event: { enabled: boolean } }>(`/connections/${connection.id}/events/${slug(n)}/mappings`, exampleMappingsBody());
      expect(saved.event.enabled).toBe(true);
    }

    // 45 orders: one or two per event, under either email, at distinct times (newest in the last events).
    const orders: { code: string; at: number }[] = [];
    BOUGHT_IN.forEach((event, i) => {
      const count = i % 2 === 0 ? 2 : 1;
      for (let k = 0; k < count; k += 1) {
        const code = `C${String(i).padStart(2, '0')}${k}X`;
        const at = Date.UTC(2025, 0, 1) + (i * 2 + k) * 3_600_000;
        stack.pretix.addOrder(ORGANIZER, event, orderFor(event, code, EMAILS[(i + k) % 2]!, new Date(at)));
        orders.push({ code, at });
      }
    });
    expected.push(...orders.sort((a, b) => b.at - a.at).map((o) => o.code));
    // Newer than all of those, but in events the card does not show.
    NOT_ENABLED.forEach((event, i) => stack.pretix.addOrder(ORGANIZER, event, orderFor(event, `HIDE${i}`, EMAILS[0]!, new Date(Date.UTC(2026, 0, 1 + i)))));
    // Other buyers in the same events.
    for (const event of BOUGHT_IN.slice(0, 5)) stack.pretix.generateOrders(ORGANIZER, event, 20, { startDate: '2025-01-01T00:00:00Z' });
  }, 60_000);
  afterAll(() => stack?.close());

  it('lists every order of the contact in enabled events, newest first, with one pretix search per email', async () => {
    stack.pretix.resetStats();
    const { status, body } = await cardOf();
    expect(status).toBe(200);
    expect(body.warnings).toEqual([]);
    expect(expected).toHaveLength(45);
    expect(body.orders.map((o) => o.code)).toEqual(expected);
    expect(new Set(body.orders.map((o) => o.event.slug))).toEqual(new Set(BOUGHT_IN));
    const first = body.orders[0]!;
    expect(first.event.name).toMatch(/^Season \d+$/);
    expect(first.positions[0]!.product).toBe('Conference ticket – Regular');

    const requests = stack.pretix.requests;
    expect(searchRequests(requests)).toHaveLength(EMAILS.length);
    for (const search of searchRequests(requests)) expect(new URLSearchParams(search.query).get('ordering')).toBe('-datetime');
    // Everything else is event data, and only for the events on the card.
    const others = requests.filter((r) => !searchRequests([r]).length);
    expect(new Set(others.map(eventOf))).toEqual(new Set(BOUGHT_IN));
  });

  it('answers a second view with the two searches alone: the event data comes from the cache', async () => {
    stack.pretix.resetStats();
    const { body } = await cardOf();
    expect(body.orders.map((o) => o.code)).toEqual(expected);
    expect(stack.pretix.requests.map((r) => r.path)).toEqual(Array(EMAILS.length).fill(`/api/v1/organizers/${ORGANIZER}/orders/`));
  });

  it('stops at the 50 newest orders and says that there are older ones', async () => {
    // 20 more orders, newer than the others: 65 in all.
    for (let i = 0; i < 20; i += 1) {
      const event = BOUGHT_IN[i % BOUGHT_IN.length]!;
      const code = `N${String(i).padStart(2, '0')}XY`;
      stack.pretix.addOrder(ORGANIZER, event, orderFor(event, code, EMAILS[i % 2]!, new Date(Date.UTC(2025, 6, 1) + i * 60_000)));
      expected.unshift(code);
    }
    stack.pretix.resetStats();
    const { body } = await cardOf();
    expect(body.orders.map((o) => o.code)).toEqual(expected.slice(0, MAX_CARD_ORDERS));
    expect(body.warnings.join('\n')).toMatch(/50 newest/);
    expect(searchRequests(stack.pretix.requests)).toHaveLength(EMAILS.length);
  });
});
