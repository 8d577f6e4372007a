// The pretix webhook action types the receiver subscribes to: every order change that can alter what the mappings
// write (reference/pretix.md §1), and the check-ins. Registered strings only: `pretix.event.order.changed.*` covers
// the concrete `.changed.item`, `.changed.price`, … actions. Used for the webhook we register through pretix's API
// and in the instructions for registering one by hand.
//
// Check-ins are their own webhook types in pretix (not covered by any order type): `pretix.event.checkin` and
// `pretix.event.checkin.reverted` (pretix 2026.8.0 `register_default_webhook_events`). Their payload carries the
// order code, so they merge into the order's job like any order change: the check-in source fields and the
// marketing-event attendance come from the order as re-read, in the same batches as everything else.
export const CHECKIN_ACTIONS: readonly string[] = ['pretix.event.checkin', 'pretix.event.checkin.reverted'];

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
