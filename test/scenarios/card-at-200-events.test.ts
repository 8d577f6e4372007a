// Issue 13's card goal: 200 enabled events on one connection and a contact with orders in 30 of them under two
// emails. The card lists all of them, newest first, with one pretix search per email (the organizer-wide order
// list) however many events there are, plus the event data of the events on the card, which a second view takes
// from the cache. Driven over signed HTTP against the loopback fakes; `npm run bench -- card` times the same setup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactOrdersResponse } from '../../src/app/shared/api-types';
import { MAX_CARD_ORDERS } from '../../receiver/http/api/contact-orders';
import type { RecordedRequest } from '../fakes/pretix';
import { ORGANIZER } from '../helpers/stack';
import { startApiStack, type ApiStack } from '../api/signed-client';
import { CONTACT_EMAILS, contactOrder, seedManyEvents, type ManyEvents } from './many-events';

const SEARCH_PATH = `/api/v1/organizers/${ORGANIZER}/orders/`;
const searchRequests = (requests: readonly RecordedRequest[]) => requests.filter((r) => r.path === SEARCH_PATH);
const eventOf = (r: RecordedRequest) => /\/events\/([^/]+)\//.exec(r.path)?.[1];

describe('contact card with 200 enabled events', () => {
  let stack: ApiStack;
  let seeded: ManyEvents;
  let expected: string[];
  const cardOf = () => stack.api.get<ContactOrdersResponse>('/api/v1/contacts/4711/orders', { email: CONTACT_EMAILS });

  beforeAll(async () => {
    // No worker, no sweep: every pretix request during a card load is the card's.
    stack = await startApiStack({ startWorker: false });
    seeded = await seedManyEvents(stack, 200, 30);
    expected = [...seeded.expectedCodes];
  }, 60_000);
  afterAll(() => stack?.close());

  it('lists every order of the contact in enabled events, newest first, with one pretix search per email', async () => {
    stack.pretix.resetStats();
    const { status, body } = await cardOf();
    expect(status).toBe(200);
    expect(body.warnings).toEqual([]);
    expect(expected).toHaveLength(45);
    expect(body.orders.map((o) => o.code)).toEqual(expected);
    expect(new Set(body.orders.map((o) => o.event.slug))).toEqual(new Set(seeded.boughtIn));
    const first = body.orders[0]!;
    expect(first.event.name).toMatch(/^Season \d+$/);
    expect(first.positions[0]!.product).toBe('Conference ticket – Regular');

    const requests = stack.pretix.requests;
    expect(searchRequests(requests)).toHaveLength(CONTACT_EMAILS.length);
    for (const search of searchRequests(requests)) expect(new URLSearchParams(search.query).get('ordering')).toBe('-datetime');
    // Everything else is event data, and only for the events on the card.
    const others = requests.filter((r) => r.path !== SEARCH_PATH);
    expect(new Set(others.map(eventOf))).toEqual(new Set(seeded.boughtIn));
  });

  it('answers a second view with the two searches alone: the event data comes from the cache', async () => {
    stack.pretix.resetStats();
    const { body } = await cardOf();
    expect(body.orders.map((o) => o.code)).toEqual(expected);
    expect(stack.pretix.requests.map((r) => r.path)).toEqual(Array(CONTACT_EMAILS.length).fill(SEARCH_PATH));
  });

  it('stops at the 50 newest orders and says that there are older ones', async () => {
    // 20 more orders, newer than the others: 65 in all.
    for (let i = 0; i < 20; i += 1) {
      const event = seeded.boughtIn[i % seeded.boughtIn.length]!;
      const code = `N${String(i).padStart(2, '0')}XY`;
      stack.pretix.addOrder(ORGANIZER, event, contactOrder(event, code, CONTACT_EMAILS[i % 2]!, new Date(Date.UTC(2025, 6, 1) + i * 60_000)));
      expected.unshift(code);
    }
    stack.pretix.resetStats();
    const { body } = await cardOf();
    expect(body.orders.map((o) => o.code)).toEqual(expected.slice(0, MAX_CARD_ORDERS));
    expect(body.warnings).toEqual([`Showing the ${MAX_CARD_ORDERS} newest of 65 orders.`]);
    expect(searchRequests(stack.pretix.requests)).toHaveLength(CONTACT_EMAILS.length);
  });
});
