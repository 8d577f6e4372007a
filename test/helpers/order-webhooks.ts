// pretix's order-placed webhook as the SIGKILL/SIGTERM scenarios send it by hand (a fresh notification id each time),
// so that they can count exactly which deliveries were acknowledged while they interrupt the receiver.
import { EVENT, ORGANIZER } from './stack';

/** Returns a sender for `webhookUrl`: each call POSTs one order's webhook with the next notification id. */
export function orderWebhookSender(webhookUrl: string, firstNotificationId = 1_000): (code: string) => Promise<Response> {
  let notification = firstNotificationId;
  return (code) =>
    fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notification_id: notification++, organizer: ORGANIZER, event: EVENT, code, action: 'pretix.event.order.placed' }),
    });
}
