// The pretix webhook action types the receiver subscribes to: every order change that can alter what the mappings
// write (reference/pretix.md §1). Registered strings only: `pretix.event.order.changed.*` covers the concrete
// `.changed.item`, `.changed.price`, … actions. Used for the webhook we register through pretix's API and in the
// instructions for registering one by hand.
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
];

/** pretix's notification that an event was created in the organizer (`{notification_id, organizer, event, action}`,
 * no order code): subscribed to only by a connection that syncs every event, whose webhook covers all events. */
export const EVENT_ADDED_ACTION = 'pretix.event.added';

/** The action types of a connection's webhook: the order actions, plus new events when it syncs every event. */
export function webhookActionsFor(connection: { syncAllEvents?: boolean }): string[] {
  return connection.syncAllEvents ? [...ORDER_ACTIONS, EVENT_ADDED_ACTION] : [...ORDER_ACTIONS];
}
