// An organizer with many events, for issue 13's card goal (scenario test and `npm run bench -- card`): 200 enabled
// events, a contact with orders in 30 of them under two emails, newer orders of the contact in events that are not
// synced, and other buyers' orders beside them.
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { ApiStack } from '../api/signed-client';
import type { Json } from '../fakes/pretix';
import { loadFixture } from '../fixtures';
import { ORGANIZER } from '../helpers/stack';
import { objectMappingsSchema } from '../../receiver/domain/mapping-schema';
import { exampleMappingDtos } from '../helpers/mappings';

export const CONTACT_EMAILS = ['ada@example.com', 'ada.lovelace@example.org'];
export const NOT_ENABLED_EVENTS = ['private-dinner', 'staff-party'];

export const eventSlug = (n: number) => `season-${String(n).padStart(3, '0')}`;

export interface ManyEvents {
  connection: PublicConnection;
  /** The events the contact bought in (all enabled). */
  boughtIn: string[];
  /** Codes of the contact's orders in enabled events, newest first. */
  expectedCodes: string[];
}

let nextPositionId = 900_000;

/** An order like the fixture's, for `email` in `event` at `datetime` (positions with fresh ids). */
export function contactOrder(event: string, code: string, email: string, datetime: Date): Json {
  const template = loadFixture<Json & { positions: Json[] }>('order-paid.json');
  return {
    ...template,
    event,
    code,
    email,
    datetime: datetime.toISOString(),
    last_modified: datetime.toISOString(),
    positions: template.positions.map((position) => ({ ...position, id: nextPositionId++, order: code })),
  };
}

/** Connects the stack's portal and sets up the organizer with `enabled` enabled events. */
export async function seedManyEvents(stack: ApiStack, enabled = 200, boughtInCount = 30): Promise<ManyEvents> {
  const items = loadFixture<{ results: Json[] }>('items.json').results;
  const questions = loadFixture<{ results: Json[] }>('questions.json').results;
  for (let n = 0; n < enabled; n += 1) stack.pretix.addEvent(ORGANIZER, { slug: eventSlug(n), name: { en: `Season ${n}` } }, { items, questions });
  for (const event of NOT_ENABLED_EVENTS) stack.pretix.addEvent(ORGANIZER, { slug: event }, { items, questions });
  const connection = await stack.connect();
  // Enabled the way a long-running installation has them (connect() registered the all-events webhook): straight
  // into the store, because enabling 200 events one by one through the API would check every event's mappings and
  // fill the event data cache that the card's first load is meant to find empty.
  const mappings = objectMappingsSchema.parse(exampleMappingDtos());
  for (let n = 0; n < enabled; n += 1) {
    await stack.store.saveEventConfig({ connectionId: connection.id, event: eventSlug(n), enabled: true, mappings, webhookMode: 'registered', updatedAt: new Date().toISOString() });
  }

  // Spread over the list of events; one or two orders in each, under either email, at distinct times.
  const step = Math.max(1, Math.floor(enabled / boughtInCount));
  const boughtIn = Array.from({ length: boughtInCount }, (_, i) => eventSlug((i * step + Math.floor(step / 2)) % enabled));
  const orders: { code: string; at: number }[] = [];
  boughtIn.forEach((event, i) => {
    const count = i % 2 === 0 ? 2 : 1;
    for (let k = 0; k < count; k += 1) {
      const code = `C${String(i).padStart(2, '0')}${k}X`;
      const at = Date.UTC(2025, 0, 1) + (i * 2 + k) * 3_600_000;
      stack.pretix.addOrder(ORGANIZER, event, contactOrder(event, code, CONTACT_EMAILS[(i + k) % 2]!, new Date(at)));
      orders.push({ code, at });
    }
  });
  // Newer than all of those, but in events the card does not show.
  NOT_ENABLED_EVENTS.forEach((event, i) =>
    stack.pretix.addOrder(ORGANIZER, event, contactOrder(event, `HIDE${i}`, CONTACT_EMAILS[0]!, new Date(Date.UTC(2026, 0, 1 + i)))),
  );
  // Other buyers in the same events.
  for (const event of boughtIn.slice(0, 5)) stack.pretix.generateOrders(ORGANIZER, event, 20, { startDate: '2025-01-01T00:00:00Z' });
  return { connection, boughtIn, expectedCodes: orders.sort((a, b) => b.at - a.at).map((o) => o.code) };
}
