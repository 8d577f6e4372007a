// pretix's organizer webhooks: the management API's validation (src/pretix/api/serializers/webhooks.py) and the
// delivery rules of src/pretix/api/webhooks.py as they behave without a task broker: one POST, then up to three
// immediate retries on a non-2xx answer or a network error, 410 disables the webhook. See reference/pretix.md §1
// and "Driving a real pretix" §2 and §4.
import type { Json, WebhookCall, WebhookRecord } from './types';

/** Action types registered by pretix core (`register_default_webhook_events`); only these can be subscribed. */
export const REGISTERED_ACTION_TYPES: ReadonlySet<string> = new Set([
  'pretix.event.order.placed',
  'pretix.event.order.placed.require_approval',
  'pretix.event.order.paid',
  'pretix.event.order.canceled',
  'pretix.event.order.reactivated',
  'pretix.event.order.expired',
  'pretix.event.order.expirychanged',
  'pretix.event.order.modified',
  'pretix.event.order.contact.changed',
  'pretix.event.order.changed.*',
  'pretix.event.order.approved',
  'pretix.event.order.denied',
  'pretix.event.order.deleted',
  'pretix.event.order.refund.created',
  'pretix.event.order.refund.created.externally',
  'pretix.event.order.refund.requested',
  'pretix.event.order.refund.done',
  'pretix.event.order.refund.canceled',
  'pretix.event.order.refund.failed',
  'pretix.event.order.payment.confirmed',
  'pretix.event.checkin',
  'pretix.event.checkin.reverted',
  'pretix.event.added',
  'pretix.event.changed',
  'pretix.event.deleted',
  'pretix.event.live.activated',
  'pretix.event.live.deactivated',
  'pretix.event.testmode.activated',
  'pretix.event.testmode.deactivated',
  'pretix.subevent.added',
  'pretix.subevent.changed',
  'pretix.subevent.deleted',
  'pretix.event.item.*',
  // Registered by pretix 2026.8.0 (get_all_webhook_events), missing from reference/pretix.md's list.
  'pretix.event.quota.*',
  'pretix.event.orders.waitinglist.added',
  'pretix.event.orders.waitinglist.changed',
  'pretix.event.orders.waitinglist.deleted',
  'pretix.event.orders.waitinglist.voucher_assigned',
  'pretix.voucher.added',
  'pretix.voucher.changed',
  'pretix.voucher.deleted',
  'pretix.customer.created',
  'pretix.customer.changed',
  'pretix.customer.anonymized',
  'pretix.giftcards.created',
  'pretix.giftcards.modified',
  'pretix.giftcards.transaction.*',
]);

/** `LogEntry.webhook_type`: the exact type if registered, else the nearest registered `<prefix>.*`, else none
 * (e.g. `pretix.event.order.unpaid` fires nothing). */
export function webhookTypeFor(action: string): string | null {
  if (REGISTERED_ACTION_TYPES.has(action)) return action;
  const parts = action.split('.');
  for (let i = parts.length - 1; i > 0; i -= 1) {
    const wildcard = `${parts.slice(0, i).join('.')}.*`;
    if (REGISTERED_ACTION_TYPES.has(wildcard)) return wildcard;
  }
  return null;
}

export type FieldErrors = Record<string, string[]>;

const REQUIRED = 'This field is required.';

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True' || value === 1 || value === '1') return true;
  if (value === 'false' || value === 'False' || value === 0 || value === '0') return false;
  return undefined;
}

/** Django's URLValidator, roughly: http(s), and a host that is an IP literal, `localhost` or has a dot. */
function isValidUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname;
  return host === 'localhost' || host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host) || /\.[a-z]{2,}$/i.test(host);
}

/**
 * Validates a create (`existing` undefined), full update (PUT, `partial` false) or PATCH body.
 * Returns the new record fields, or DRF-shaped field errors.
 */
export function validateWebhookBody(
  body: unknown,
  existing: WebhookRecord | undefined,
  partial: boolean,
  organizerEvents: ReadonlySet<string>,
): { ok: true; value: Omit<WebhookRecord, 'id'> } | { ok: false; errors: FieldErrors } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    const got = Array.isArray(body) ? 'list' : typeof body === 'string' ? 'str' : String(body);
    return { ok: false, errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] } };
  }
  const data = body as Json;
  const errors: FieldErrors = {};
  const has = (key: string) => Object.prototype.hasOwnProperty.call(data, key);
  const value: Omit<WebhookRecord, 'id'> = existing
    ? { enabled: existing.enabled, target_url: existing.target_url, all_events: existing.all_events,
        limit_events: [...existing.limit_events], action_types: [...existing.action_types], comment: existing.comment }
    : { enabled: true, target_url: '', all_events: true, limit_events: [], action_types: [], comment: null };

  for (const key of ['enabled', 'all_events'] as const) {
    if (!has(key)) continue;
    const parsed = toBoolean(data[key]);
    if (parsed === undefined) errors[key] = ['Must be a valid boolean.'];
    else value[key] = parsed;
  }

  if (has('target_url')) {
    const url = data.target_url;
    if (typeof url !== 'string' || url === '') errors.target_url = [url === '' ? 'This field may not be blank.' : 'Not a valid string.'];
    else if (url.length > 1024) errors.target_url = ['Ensure this field has no more than 1024 characters.'];
    else if (!isValidUrl(url)) errors.target_url = ['Enter a valid URL.'];
    else value.target_url = url;
  } else if (!partial) {
    errors.target_url = [REQUIRED];
  }

  if (has('action_types')) {
    const types = data.action_types;
    if (!Array.isArray(types)) {
      errors.action_types = [`Expected a list of items but got type "${typeof types}".`];
    } else {
      const invalid = types.find((t) => typeof t !== 'string' || !REGISTERED_ACTION_TYPES.has(t));
      if (invalid !== undefined) errors.action_types = [`Invalid action type "${String(invalid)}".`];
      // pretix answers with the listeners sorted by action type, whatever order they were sent in.
      else value.action_types = [...new Set(types as string[])].sort();
    }
  } else if (!partial) {
    errors.action_types = [REQUIRED];
  }

  if (has('limit_events')) {
    const slugs = data.limit_events;
    if (!Array.isArray(slugs)) {
      errors.limit_events = [`Expected a list of items but got type "${typeof slugs}".`];
    } else {
      // The related field's queryset is the organizer's events, so another organizer's event is "not found" too.
      const unknown = slugs.find((s) => typeof s !== 'string' || !organizerEvents.has(s));
      if (unknown !== undefined) errors.limit_events = [`Object with slug=${String(unknown)} does not exist.`];
      else value.limit_events = [...new Set(slugs as string[])];
    }
  } else if (!partial) {
    // pretix 2026.8.0 requires it on create and PUT, even with all_events=true (seen against the real server).
    errors.limit_events = [REQUIRED];
  }

  if (has('comment')) {
    const comment = data.comment;
    if (comment !== null && typeof comment !== 'string') errors.comment = ['Not a valid string.'];
    else value.comment = comment;
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (value.limit_events.length > 0 && value.all_events) {
    return { ok: false, errors: { non_field_errors: ['You can set either limit_events or all_events.'] } };
  }
  return { ok: true, value };
}

export function webhookMatches(webhook: WebhookRecord, type: string, event: string): boolean {
  return (
    webhook.enabled &&
    webhook.action_types.includes(type) &&
    (webhook.all_events || webhook.limit_events.includes(event))
  );
}

const MAX_ATTEMPTS = 4;

/**
 * Sends one notification to one webhook like pretix's eager `send_webhook`: up to four back-to-back POSTs, success
 * is 2xx only (redirects are not followed and count as failures), 410 disables the webhook and stops.
 */
export async function deliver(
  webhook: WebhookRecord,
  notificationId: number,
  payload: Json,
  options: { timeoutMs: number; redelivery: boolean; record: (call: WebhookCall) => void },
): Promise<void> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const started = Date.now();
    const call: WebhookCall = {
      webhookId: webhook.id,
      notificationId,
      url: webhook.target_url,
      payload,
      status: 0,
      attempt,
      redelivery: options.redelivery,
      durationMs: 0,
      answeredAt: 0,
    };
    try {
      const response = await fetch(webhook.target_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'python-requests/2.32.3' },
        body: JSON.stringify(payload),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      call.status = response.status;
    } catch (error) {
      call.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    call.answeredAt = Date.now();
    call.durationMs = call.answeredAt - started;
    options.record(call);
    if (call.status >= 200 && call.status < 300) return;
    if (call.status === 410) {
      webhook.enabled = false;
      return;
    }
  }
}
