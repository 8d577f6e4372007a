// An event series for marketing-event scenarios: `series` with dates 11 and 12 (2027), and order SER01 with one
// ticket for each date (Jane on 11, John on 12), copied from the fixtures' paid order.
import type { Stack } from '../helpers/stack';
import { EVENT, ORGANIZER } from '../helpers/stack';

export const SERIES = 'series';

export function addSeries(stack: Stack): void {
  const base = stack.pretix.eventState(ORGANIZER, EVENT);
  stack.pretix.addEvent(ORGANIZER, { ...base.event, slug: SERIES, name: { en: 'Workshop series' }, has_subevents: true, public_url: `https://pretix.example/${ORGANIZER}/${SERIES}/` }, {
    settings: base.settings,
    items: base.items,
    questions: base.questions,
    checkinLists: base.checkinLists,
    subevents: [
      { id: 11, name: { en: 'Workshop' }, date_from: '2027-03-01T09:00:00Z', date_to: '2027-03-01T17:00:00Z', active: true },
      { id: 12, name: { en: 'Workshop' }, date_from: '2027-04-01T09:00:00Z', date_to: '2027-04-01T17:00:00Z', active: true },
    ],
  });
  const order = structuredClone(stack.pretix.getOrder(ORGANIZER, EVENT, 'Q7X3M')!);
  order.code = 'SER01';
  order.event = SERIES;
  (order.positions as { subevent: number | null; order: string }[]).forEach((p, i) => Object.assign(p, { subevent: i === 0 ? 11 : 12, order: 'SER01' }));
  stack.pretix.addOrder(ORGANIZER, SERIES, order);
}
