// Organizer-wide mapping sets: named object mappings of a connection that events use instead of their own. A set is
// checked like an event's mappings (through the event-config service) but against EACH event that uses it, so a
// question identifier that one event lacks is refused for that event by name. Editing a set re-syncs, in the
// background, the orders of every enabled event that uses it, for the mappings that changed only (the backfill
// runner's `mappingIds`, as `--apply changed` does for one event); the pretix and HubSpot clients' rate limiters
// keep those runs within both limits. The answer waits only until those backfills are on disk (started side by side,
// so their journal lines share fsyncs), never for the re-sync itself: HubSpot gives a settings-page call 15 s.
// A set is deleted only while nothing uses it: events (409 naming them) or "sync every event" as its default set.
import { z } from 'zod';
import type { ObjectMapping } from '../domain/mapping-schema';
import { SyncConfigError } from '../domain/errors';
import { ServiceError } from '../lib/service-error';
import type { EventConfig, MappingSet, Store } from '../store/types';
import { BackfillConflictError, type BackfillRunner } from '../sync/backfill';
import { noDeadline, type Race } from './catalogues';
import { effectiveMappings } from './effective-mappings';
import { changedMappingIds, InvalidMappingsError, type EventConfigService } from './event-config-service';

export const mappingSetIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit');

/** Events whose mappings are checked side by side when a set is saved (catalogue reads in flight: 5 per event). */
const CHECKS_AT_ONCE = 4;

export interface MappingSetServiceDeps {
  store: Store;
  eventConfigs: Pick<EventConfigService, 'check'>;
  backfills: Pick<BackfillRunner, 'start'>;
  now?: () => number;
}

export interface MappingSetSummary {
  set: MappingSet;
  /** Slugs of the events that use the set. */
  events: string[];
}

export interface Resync {
  changedMappingIds: string[];
  /** Events whose orders are being synced again (a background backfill of the changed mappings). */
  started: string[];
  /** Enabled events that use the set but could not start one now (a backfill already runs, …): what to do. */
  notStarted: { event: string; reason: string }[];
}

export interface SavedMappingSet extends MappingSetSummary {
  /** Type hints per event, keyed like the field errors. */
  warnings: Record<string, string>;
  resync: Resync;
}

/** Field errors of one event, keyed `events.<slug>.mappings.…` so that the answer names the event. */
const forEvent = (event: string, errors: Record<string, string>) =>
  Object.fromEntries(Object.entries(errors).map(([key, message]) => [`events.${event}.${key}`, `${event}: ${message}`]));

export function createMappingSetService(deps: MappingSetServiceDeps) {
  const now = deps.now ?? Date.now;
  const { store } = deps;

  const requireConnection = async (connectionId: string) => {
    if (!await store.getConnection(connectionId)) throw new ServiceError(404, 'unknown_connection', `No connection ${connectionId}.`);
  };
  const requireSet = async (connectionId: string, id: string): Promise<MappingSet> => {
    const set = await store.getMappingSet(connectionId, id);
    if (!set) throw new ServiceError(404, 'unknown_mapping_set', `No mapping set "${id}" on this connection.`);
    return set;
  };
  const usersOf = async (connectionId: string, id: string): Promise<EventConfig[]> =>
    (await store.listEventConfigs(connectionId)).filter((e) => e.mappingSetId === id);

  /** Checks `mappings` against every event in `events`; throws InvalidMappingsError naming the events that fail. */
  async function checkAgainst(connectionId: string, events: string[], mappings: ObjectMapping[], race: Race) {
    const fieldErrors: Record<string, string> = {};
    const warnings: Record<string, string> = {};
    const failing: string[] = [];
    // A few events at a time: a cold catalogue costs 5 pretix requests that each wait for pretix's answer, so 50
    // events one after the other could take longer than hubspot.fetch waits; the organizer's rate limiter (which
    // keeps a reserve for exactly these interactive calls) still paces them. Results are merged in event order.
    const results = new Array<Awaited<ReturnType<typeof deps.eventConfigs.check>>>(events.length);
    let next = 0;
    const lane = async () => {
      while (next < events.length) {
        const index = next++;
        results[index] = await deps.eventConfigs.check(connectionId, events[index]!, mappings, race);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHECKS_AT_ONCE, events.length) }, lane));
    events.forEach((event, index) => {
      const result = results[index]!;
      if (Object.keys(result.fieldErrors).length > 0) failing.push(event);
      Object.assign(fieldErrors, forEvent(event, result.fieldErrors));
      Object.assign(warnings, forEvent(event, result.warnings));
    });
    if (failing.length > 0) {
      const error = new InvalidMappingsError(fieldErrors);
      error.message = `The mapping set was not saved: it does not fit event${failing.length === 1 ? '' : 's'} ${failing.join(', ')} (${Object.keys(fieldErrors).length} field(s) need attention).`;
      throw error;
    }
    return warnings;
  }

  async function resync(connectionId: string, events: EventConfig[], changed: string[]): Promise<Resync> {
    const result: Resync = { changedMappingIds: changed, started: [], notStarted: [] };
    if (changed.length === 0) return result;
    // Side by side: each start only saves its backfill (one journal line) and launches it, so 200 of them cost a few
    // shared fsyncs; the runs themselves go on in the background, paced by the shared rate limiters.
    const outcomes = await Promise.all(
      events
        .filter((config) => config.enabled)
        .map(async (config) => {
          try {
            await deps.backfills.start(connectionId, config.event, changed);
            return { event: config.event, reason: null };
          } catch (error) {
            if (!(error instanceof BackfillConflictError || error instanceof SyncConfigError)) throw error;
            return { event: config.event, reason: error.message };
          }
        }),
    );
    for (const { event, reason } of outcomes) {
      if (reason === null) result.started.push(event);
      else result.notStarted.push({ event, reason });
    }
    return result;
  }

  async function save(connectionId: string, id: string, input: { name?: string; mappings: ObjectMapping[] }, race: Race = noDeadline): Promise<SavedMappingSet> {
    await requireConnection(connectionId);
    mappingSetIdSchema.parse(id);
    const users = await usersOf(connectionId, id);
    const warnings = await checkAgainst(connectionId, users.map((e) => e.event), input.mappings, race);
    // Read after the (slow) checks, like the event-config service does.
    const existing = await store.getMappingSet(connectionId, id);
    const set: MappingSet = {
      connectionId,
      id,
      name: input.name ?? existing?.name ?? id,
      mappings: input.mappings,
      updatedAt: new Date(now()).toISOString(),
    };
    await store.saveMappingSet(set);
    const changed = existing ? changedMappingIds(existing.mappings, set.mappings) : [];
    const current = await usersOf(connectionId, id);
    return { set, events: current.map((e) => e.event), warnings, resync: await resync(connectionId, current, changed) };
  }

  return {
    async list(connectionId: string): Promise<MappingSetSummary[]> {
      await requireConnection(connectionId);
      const sets = await store.listMappingSets(connectionId);
      return Promise.all(sets.map(async (set) => ({ set, events: (await usersOf(connectionId, set.id)).map((e) => e.event) })));
    },

    async get(connectionId: string, id: string): Promise<MappingSetSummary> {
      await requireConnection(connectionId);
      return { set: await requireSet(connectionId, id), events: (await usersOf(connectionId, id)).map((e) => e.event) };
    },

    /** Creates or replaces a set; refused (nothing saved) when it does not fit one of the events that use it. */
    save,

    /**
     * Deletes a set nothing uses. Refused with 409 while events sync with it (they are named: assign them another set
     * or their own mappings first) or while it is the default set of "sync every event"; silently detaching would
     * change what those events write to HubSpot.
     */
    async delete(connectionId: string, id: string): Promise<{ deleted: string }> {
      await requireConnection(connectionId);
      await requireSet(connectionId, id);
      const users = (await usersOf(connectionId, id)).map((e) => e.event).sort();
      if (users.length > 0) {
        throw new ServiceError(
          409,
          'mapping_set_in_use',
          `Mapping set "${id}" was not deleted: ${users.length} event(s) sync with it (${users.join(', ')}). Give them another set or their own mappings first.`,
        );
      }
      if ((await store.getConnection(connectionId))?.defaultMappingSetId === id) {
        throw new ServiceError(409, 'mapping_set_is_default', `Mapping set "${id}" was not deleted: it is the set that "sync every event" gives new events. Choose another default first.`);
      }
      await store.deleteMappingSet(connectionId, id);
      return { deleted: id };
    },

    /** A set made of what `event` syncs with now (its own mappings, or its set's). */
    async copyFromEvent(connectionId: string, event: string, id: string, name?: string, race: Race = noDeadline): Promise<SavedMappingSet> {
      await requireConnection(connectionId);
      const mappings = await effectiveMappings(store, await store.getEventConfig(connectionId, event));
      if (mappings.length === 0) throw new ServiceError(409, 'no_mappings', `Event ${event} has no mappings to copy.`);
      return save(connectionId, id, { name, mappings }, race);
    },

    /**
     * Makes `event` sync with set `id` (checked against the event first), or with its own mappings again (`null`).
     * Returns which mappings now differ from what the event synced with, for the re-sync the caller may offer.
     */
    async assign(connectionId: string, event: string, id: string | null, race: Race = noDeadline) {
      await requireConnection(connectionId);
      if (id !== null) {
        const set = await requireSet(connectionId, id);
        await checkAgainst(connectionId, [event], set.mappings, race);
      }
      const existing = await store.getEventConfig(connectionId, event);
      const before = await effectiveMappings(store, existing);
      const config: EventConfig = {
        ...existing,
        connectionId,
        event,
        enabled: existing?.enabled ?? false,
        mappings: existing?.mappings ?? [],
        webhookId: existing?.webhookId ?? null,
        mappingSetId: id,
        updatedAt: new Date(now()).toISOString(),
      };
      await store.saveEventConfig(config);
      return { config, changedMappingIds: changedMappingIds(before, await effectiveMappings(store, config)), hadMappings: before.length > 0 };
    },
  };
}

export type MappingSetService = ReturnType<typeof createMappingSetService>;
