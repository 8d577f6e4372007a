// What an order means for HubSpot marketing-event participation, and what must be sent for it: pure, from the
// order as pretix gives it and the participations the order's sync record holds (what HubSpot was told last time).
//
// Per ticket (order position, add-ons excluded) with an attendee email, else the buyer's: a counted order is
// "registered", a ticket with an entry check-in "attended" (at the first entry's time), a canceled or expired order
// or a canceled or removed ticket "cancelled". HubSpot cannot take back an attendance: a check-in reverted in pretix
// stays attended there, and the record marks it `reverted` so the card can say so.
import type { PretixOrder } from '../pretix/schemas';
import type { MarketingEventSettings, Participation } from '../store/types';
import type { AttendanceCall } from '../hubspot/marketing-events-client';

export const DEFAULT_COUNT_PENDING = true;
export const DEFAULT_COUNT_APPROVAL_PENDING = false;

type Wanted = { externalEventId: string; subeventId: number | null; email: string; state: 'registered' | 'attended' | 'cancelled' | 'none'; at: number };

export interface AttendanceChange {
  externalEventId: string;
  subeventId: number | null;
  call: AttendanceCall;
  email: string;
  at: number;
}

export interface ParticipationPlan {
  next: Participation[];
  changes: AttendanceChange[];
  /** Every marketing event the order's tickets belong to (to be created if new). */
  dates: { externalEventId: string; subeventId: number | null }[];
}

/** Stable per event or date; ':' rather than '/' because it is a path segment of HubSpot's external-id calls. */
export function externalEventIdFor(organizer: string, event: string, subeventId: number | null): string {
  return subeventId === null ? `${organizer}:${event}` : `${organizer}:${event}:${subeventId}`;
}

/** Whether the order counts as a registration under the event's settings. */
export function orderCounts(order: PretixOrder, settings: MarketingEventSettings): boolean {
  if (order.status === 'p') return true;
  if (order.status !== 'n') return false;
  if (order.require_approval) return settings.countApprovalPending ?? DEFAULT_COUNT_APPROVAL_PENDING;
  return settings.countPending ?? DEFAULT_COUNT_PENDING;
}

const RANK = { none: 0, cancelled: 1, registered: 2, attended: 3 } as const;

function wanted(order: PretixOrder, organizer: string, settings: MarketingEventSettings): Map<string, Wanted> {
  const counts = orderCounts(order, settings);
  const orderCancelled = order.status === 'c' || order.status === 'e';
  const orderAt = Date.parse(order.datetime);
  const changedAt = Date.parse(order.last_modified);
  const out = new Map<string, Wanted>();
  for (const position of order.positions) {
    if (position.addon_to !== null) continue;
    const email = (position.attendee_email || order.email || '').trim().toLowerCase();
    if (!email) continue;
    const externalEventId = externalEventIdFor(organizer, order.event, position.subevent);
    const entries = position.checkins.filter((c) => c.type === 'entry' && c.successful !== false).map((c) => Date.parse(c.datetime));
    let state: Wanted['state'];
    let at = orderAt;
    if (orderCancelled || position.canceled) {
      state = 'cancelled';
      at = changedAt;
    } else if (!counts) state = 'none';
    else if (entries.length > 0) {
      state = 'attended';
      at = Math.min(...entries);
    } else state = 'registered';
    const key = `${externalEventId}\u0000${email}`;
    const current = out.get(key);
    // Two tickets of one person for one date: the furthest state wins (attended over registered over cancelled).
    if (!current || RANK[state] > RANK[current.state] || (state === 'attended' && current.state === 'attended' && at < current.at)) {
      out.set(key, { externalEventId, subeventId: position.subevent, email, state, at });
    }
  }
  return out;
}

/** What to send for this order now, and the participations its record holds afterwards (if the calls succeed). */
export function planParticipation(order: PretixOrder, organizer: string, settings: MarketingEventSettings, previous: readonly Participation[] = []): ParticipationPlan {
  const want = wanted(order, organizer, settings);
  const before = new Map(previous.map((p) => [`${p.externalEventId}\u0000${p.email}`, p]));
  const next: Participation[] = [];
  const changes: AttendanceChange[] = [];
  const subevents = new Map<string, number | null>();
  for (const w of want.values()) subevents.set(w.externalEventId, w.subeventId);
  const subeventOf = (externalEventId: string) => subevents.get(externalEventId) ?? null;

  for (const key of new Set([...before.keys(), ...want.keys()])) {
    const prev = before.get(key);
    // A ticket that is gone from the order (position removed, email changed) is a cancellation for that person.
    const w: Wanted = want.get(key) ?? { externalEventId: prev!.externalEventId, subeventId: subeventOf(prev!.externalEventId), email: prev!.email, state: 'cancelled', at: Date.parse(order.last_modified) };
    const send = (call: AttendanceCall, state: Participation['state'], at: number) => {
      changes.push({ externalEventId: w.externalEventId, subeventId: w.subeventId, call, email: w.email, at });
      next.push({ externalEventId: w.externalEventId, email: w.email, state, at });
    };
    if (w.state === 'attended') {
      if (prev?.state === 'attended') next.push({ ...prev, reverted: undefined });
      else send('attend', 'attended', w.at);
    } else if (w.state === 'registered') {
      if (prev?.state === 'attended') next.push({ ...prev, reverted: true });
      else if (prev?.state === 'registered') next.push(prev);
      else send('register', 'registered', w.at);
    } else if (prev && prev.state !== 'cancelled') {
      send('cancel', 'cancelled', w.at);
    } else if (prev) {
      next.push(prev);
    }
  }
  for (const p of next) if (p.reverted === undefined) delete p.reverted;
  const dates = [...new Map([...want.values()].filter((w) => w.state !== 'none').map((w) => [w.externalEventId, { externalEventId: w.externalEventId, subeventId: w.subeventId }])).values()];
  return { next, changes, dates };
}
