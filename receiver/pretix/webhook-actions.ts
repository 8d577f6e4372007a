// The pretix webhook action types the receiver subscribes to: every order change that can alter what the mappings
// write (reference/pretix.md §1), and the check-ins. Registered strings only: `pretix.event.order.changed.*` covers
// the concrete `.changed.item`, `.changed.price`, … actions. Used for the webhook we register through pretix's API
// and in the instructions for registering one by hand.
// Check-ins (domain/checkin-actions.ts) are among them.
import { CHECKIN_ACTIONS } from '../domain/checkin-actions';

export { CHECKIN_ACTIONS };

export const ORDER_ACTIONS: readonly string[] = [
  'pretix.event.order.placed',
  'pretix.event.order.placed.require_approval',
  'pretix.event.order.paid',
  'pretix.event.order.canceled',
  'pretix.event.order.reactivated',
  'pretix.event.order.expired',
  'pretix.event.order.modified',
  'pretix.event.order.contact.changed',
  'pretix.event.order.changed.*',
  'pretix.event.order.approved',
  'pretix.event.order.denied',
  ...CHECKIN_ACTIONS,
];

/** pretix's notification that an event was created in the organizer (`{notification_id, organizer, event, action}`,
 * no order code): subscribed to only by a connection that syncs every event, whose webhook covers all events. */
export const EVENT_ADDED_ACTION = 'pretix.event.added';

/** pretix's notifications about events and dates (ParametrizedEventWebhookEvent: `{notification_id, organizer,
 * event, action}`; ParametrizedSubEventWebhookEvent adds `subevent`, the date's id). They keep marketing events
 * current, so a connection's webhook listens to them while one of its events has the marketing event on. pretix
 * filters them by event like order notifications, except `pretix.event.deleted`: logged on the organizer, it reaches
 * every webhook listening to it, and through the REST API its `event` is null (pretix 2026.8 logs no slug then). */
export const EVENT_CHANGED_ACTION = 'pretix.event.changed';
export const EVENT_DELETED_ACTION = 'pretix.event.deleted';
export const SUBEVENT_ACTIONS: readonly string[] = ['pretix.subevent.added', 'pretix.subevent.changed', 'pretix.subevent.deleted'];
export const MARKETING_EVENT_ACTIONS: readonly string[] = [EVENT_CHANGED_ACTION, EVENT_DELETED_ACTION, ...SUBEVENT_ACTIONS];

/** The action types of a connection's webhook: the order actions, plus new events when it syncs every event, plus
 * event and date changes while one of its events has a marketing event. */
export function webhookActionsFor(connection: { syncAllEvents?: boolean }, options: { marketingEvents?: boolean } = {}): string[] {
  return [...ORDER_ACTIONS, ...(connection.syncAllEvents ? [EVENT_ADDED_ACTION] : []), ...(options.marketingEvents ? MARKETING_EVENT_ACTIONS : [])];
}
