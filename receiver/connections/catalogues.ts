// What mappings are made from and checked against: an event's source fields (the pretix event context, cached by
// EventContextCache) and a portal's HubSpot properties (cached a minute: the settings page asks for them with every
// editor it opens). Shared by the settings API and the event configuration service, so both see the same lists.
import type { PropertyDefinition } from '../hubspot/crm-client';
import { PretixForbiddenError, PretixUnknownEventError } from '../pretix/errors';
import type { HubSpotObjectType } from '../domain/mapping-schema';
import type { Connection } from '../store/types';
import type { EventContext } from '../sync/event-context';
import type { EventContextCache } from '../sync/event-context-cache';
import type { PretixClientLike } from '../sync/ports';
import type { Catalogues } from './mapping-check';

/** Bounds one upstream call (the settings API races each against its answer's deadline); names the upstream. */
export type Race = <T>(work: Promise<T>, what: string) => Promise<T>;
export const noDeadline: Race = (work) => work;

export interface CatalogueDeps {
  contexts: EventContextCache;
  pretixFor(connection: Connection): PretixClientLike & EventLister;
  crmFor(portalId: string): Promise<{ listProperties(objectType: HubSpotObjectType): Promise<PropertyDefinition[]> }>;
  now?: () => number;
}

/** The organizer's events, to tell an unknown event from a forbidden one (pretix answers 403 for both). */
export interface EventLister {
  listEvents?(): Promise<{ slug: string }[]>;
}

const PROPERTY_CACHE_MS = 60_000;

export function createCatalogues(deps: CatalogueDeps) {
  const now = deps.now ?? Date.now;
  const propertyCache = new Map<string, { at: number; value: Promise<PropertyDefinition[]> }>();

  const eventContext = async (connection: Connection, event: string, race: Race = noDeadline): Promise<EventContext> => {
    const pretix = deps.pretixFor(connection);
    try {
      return await race(deps.contexts.get(`${connection.id}:${event}`, pretix, connection.organizer, event), `pretix (${connection.organizer}/${event})`);
    } catch (error) {
      // pretix answers 403 both for an event that does not exist and for one the token may not see; the organizer's
      // event list tells the two apart, so a typo is 404 unknown_event and only a real permission problem a 409.
      if (!(error instanceof PretixForbiddenError) || !pretix.listEvents) throw error;
      const events = await race(pretix.listEvents(), `pretix (${connection.organizer})`).catch(() => null);
      if (events && !events.some((e) => e.slug === event)) throw new PretixUnknownEventError(event, connection.organizer);
      throw error;
    }
  };

  /** `fresh` skips the cache (the property picker, and before creating missing properties). */
  const listProperties = (portalId: string, objectType: HubSpotObjectType, race: Race = noDeadline, fresh = false): Promise<PropertyDefinition[]> => {
    const key = `${portalId}|${objectType}`;
    const cached = propertyCache.get(key);
    if (!fresh && cached && now() - cached.at < PROPERTY_CACHE_MS) return race(cached.value, 'HubSpot');
    const value = deps.crmFor(portalId).then((crm) => crm.listProperties(objectType));
    propertyCache.set(key, { at: now(), value });
    value.catch(() => {
      if (propertyCache.get(key)?.value === value) propertyCache.delete(key);
    });
    return race(value, 'HubSpot');
  };

  return {
    eventContext,
    listProperties,

    /** After properties were created: the next check must see them. */
    forgetProperties(portalId: string, objectType: HubSpotObjectType): void {
      propertyCache.delete(`${portalId}|${objectType}`);
    },

    /** The event's source fields and the properties of every object type the mappings write. */
    async load(connection: Connection, event: string, objectTypes: HubSpotObjectType[], race: Race = noDeadline): Promise<Catalogues> {
      const types = [...new Set(objectTypes)];
      const [ctx, ...lists] = await Promise.all([eventContext(connection, event, race), ...types.map((type) => listProperties(connection.portalId, type, race))]);
      return { ctx: ctx as EventContext, properties: new Map(types.map((type, i) => [type, lists[i] as PropertyDefinition[]])) };
    },
  };
}

export type CatalogueSource = ReturnType<typeof createCatalogues>;
