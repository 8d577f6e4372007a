// The card's "Events" part: the contact's participation in the HubSpot marketing events of pretix events and
// dates, from the sync records that hold what was sent (no HubSpot or pretix request), and why an event with the
// switch on has none (scopes not granted, creation failed).
import type { CardMarketingEvent } from '../../../src/app/shared/api-types';
import type { Store, SyncRecord } from '../../store/types';
import { DEFAULT_APP_URL } from '../../hubspot/object-links';
import { marketingEventAvailability } from '../../sync/marketing-event-sync';

/** HubSpot's object type id of marketing events, for record URLs. */
const MARKETING_EVENT_TYPE_ID = '0-54';
const RANK = { cancelled: 0, registered: 1, reverted: 2, attended: 3 } as const;

export async function contactMarketingEvents(
  store: Pick<Store, 'getEventConfig' | 'listEventConfigs' | 'listConnections' | 'getInstallation'>,
  portalId: string,
  records: SyncRecord[],
  emails: string[],
  appUrl: string,
): Promise<{ marketingEvents: CardMarketingEvent[]; marketingEventNotices: string[] }> {
  const wanted = new Set(emails.map((e) => e.toLowerCase()));
  const byEvent = new Map<string, CardMarketingEvent>();
  for (const record of records) {
    const config = await store.getEventConfig(record.connectionId, record.event);
    for (const p of record.participation ?? []) {
      if (!wanted.has(p.email)) continue;
      const stored = config?.marketingEvents?.[p.externalEventId];
      const state: CardMarketingEvent['state'] = p.state === 'attended' && p.reverted ? 'reverted' : p.state;
      const entry: CardMarketingEvent = {
        connectionId: record.connectionId,
        event: record.event,
        externalEventId: p.externalEventId,
        name: stored?.name ?? record.event,
        state,
        at: new Date(p.at).toISOString(),
        hubspotUrl: stored
          ? `${(appUrl || DEFAULT_APP_URL).replace(/\/+$/, '')}/contacts/${encodeURIComponent(portalId)}/record/${MARKETING_EVENT_TYPE_ID}/${encodeURIComponent(stored.objectId)}`
          : null,
      };
      // Two orders of the contact for one date: the one furthest along is what HubSpot shows.
      const current = byEvent.get(p.externalEventId);
      if (!current || RANK[state] > RANK[current.state]) byEvent.set(p.externalEventId, entry);
    }
  }
  const notices = new Set<string>();
  const availability = await marketingEventAvailability(store, portalId);
  for (const connection of await store.listConnections(portalId)) {
    for (const config of await store.listEventConfigs(connection.id)) {
      if (!config.enabled || !config.marketingEvent?.enabled) continue;
      if (!availability.available) notices.add(availability.reason);
      else if (config.marketingEventProblem) notices.add(`${config.event}: ${config.marketingEventProblem}`);
    }
  }
  const marketingEvents = [...byEvent.values()].sort((a, b) => b.at.localeCompare(a.at));
  return { marketingEvents, marketingEventNotices: [...notices] };
}
