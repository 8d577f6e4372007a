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
