// The fixture event as the sync engine sees it: acmecorp/democon, parsed through the same zod schemas as production.
// The fixtures have no settings or check-in list files; their README states the values used here
// (name scheme given_family, locales en/de, check-in list 44 "Main entrance").
import {
  eventSchema,
  itemSchema,
  orderSchema,
  paginated,
  questionSchema,
  type PretixOrder,
} from '../../receiver/pretix/schemas';
import type { EventContext } from '../../receiver/sync/event-context';
import { loadFixture } from '../fixtures';

export function fixtureContext(overrides: Partial<EventContext> = {}): EventContext {
  return {
    organizer: 'acmecorp',
    event: eventSchema.parse(loadFixture('event')),
    settings: { locale: 'en', locales: ['en', 'de'], name_scheme: 'given_family' },
    items: paginated(itemSchema).parse(loadFixture('items')).results,
    questions: paginated(questionSchema).parse(loadFixture('questions')).results,
    checkinLists: [{ id: 44, name: 'Main entrance' }],
    ...overrides,
  };
}

/** Q7X3M: paid, two positions. */
export function paidOrder(): PretixOrder {
  return orderSchema.parse(loadFixture('order-paid'));
}

/** R2D9K: pending, no invoice address, one position without attendee email. */
export function pendingOrder(): PretixOrder {
  const page = paginated(orderSchema).parse(loadFixture('orders-page'));
  const order = page.results.find((o) => o.code === 'R2D9K');
  if (!order) throw new Error('orders-page.json no longer holds R2D9K');
  return order;
}

export function position(order: PretixOrder, positionid: number) {
  const found = order.positions.find((p) => p.positionid === positionid);
  if (!found) throw new Error(`order ${order.code} has no position ${positionid}`);
  return found;
}
