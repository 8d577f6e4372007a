// Check-ins are their own webhook types in pretix (not covered by any order type): `pretix.event.checkin` and
// `pretix.event.checkin.reverted` (pretix 2026.8.0 `register_default_webhook_events`). Their payload carries the
// order code, so they merge into the order's job like any order change: the check-in source fields and the
// marketing-event attendance come from the order as re-read, in the same batches as everything else.
// In the domain layer because the queue tells check-in-only jobs apart (they may wait longer for company), and the
// store sits below the pretix client that registers the webhook.
export const CHECKIN_ACTIONS: readonly string[] = ['pretix.event.checkin', 'pretix.event.checkin.reverted'];

/** Whether a job's triggers are check-ins only. */
export function onlyCheckinTriggers(triggers: readonly string[]): boolean {
  return triggers.length > 0 && triggers.every((action) => CHECKIN_ACTIONS.includes(action));
}
