// Links from our records to the HubSpot UI, e.g. for the sync log and the card.
import type { HubSpotObjectType } from '../domain/mapping-schema';

/** HubSpot's object type ids, which record URLs use instead of names. */
export const OBJECT_TYPE_IDS: Record<HubSpotObjectType, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
};

export const DEFAULT_APP_URL = 'https://app.hubspot.com';

/**
 * `https://app.hubspot.com/contacts/{portalId}/record/0-1/{id}`. The app URL is a parameter because portals
 * in other data centres live elsewhere (app-eu1.hubspot.com); the `/contacts/` segment is fixed for every
 * object type in HubSpot's URL scheme.
 */
export function hubspotRecordUrl(
  appUrl: string,
  portalId: string | number,
  objectType: HubSpotObjectType,
  id: string | number,
): string {
  const base = (appUrl || DEFAULT_APP_URL).replace(/\/+$/, '');
  const portal = encodeURIComponent(String(portalId));
  return `${base}/contacts/${portal}/record/${OBJECT_TYPE_IDS[objectType]}/${encodeURIComponent(String(id))}`;
}
