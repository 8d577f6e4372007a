import type { ContactOrdersResponse } from '../api-types';
import { segment } from '../lib/receiver';
import { useReceiver, type ReceiverResource } from '../lib/useReceiver';

/**
 * GET /api/v1/contacts/:contactId/orders?portalId=…&email=…&email=… — the pretix orders of this contact.
 * Waits (`ready` false) until the CRM properties are known, so the request carries the emails.
 */
export function useContactOrders(
  portalId: number,
  contactId: number,
  emails: readonly string[],
  ready: boolean,
): ReceiverResource<ContactOrdersResponse> {
  const path = ready ? `/api/v1/contacts/${segment(contactId)}/orders` : null;
  return useReceiver<ContactOrdersResponse>(portalId, path, { email: emails });
}
