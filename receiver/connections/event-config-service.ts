// The one owner of an event's object mappings: every entry point (the settings page, the admin API behind the CLI,
// organizer-wide mapping sets later) checks and saves them here, so a typo is refused the same way everywhere
// (400 with field errors keyed like `mappings.0.property_mappings.2.external_field`, type hints as warnings).
// Saving never switches sync on or off and keeps everything else the event's settings hold (webhook id, mode and
// problem); enabling is asked for explicitly and goes through the event service, which registers the pretix webhook.
import type { EventSummary } from '../../src/app/shared/api-types';
import type { ObjectMapping } from '../domain/mapping-schema';
import { ServiceError } from '../lib/service-error';
import type { Connection, EventConfig, Store } from '../store/types';
import { noDeadline, type CatalogueSource, type Race } from './catalogues';
import type { EventService } from './event-service';
import { checkMappings, type CheckResult } from './mapping-check';

export interface EventConfigServiceDeps {
  store: Store;
  catalogues: Pick<CatalogueSource, 'load'>;
  events: Pick<EventService, 'setEnabled'>;
  now?: () => number;
}

/** The mappings name fields or properties that do not exist (or cannot be used): nothing was saved. */
export class InvalidMappingsError extends ServiceError {
  constructor(readonly fieldErrors: Record<string, string>) {
    const count = Object.keys(fieldErrors).length;
    super(400, 'invalid_mappings', `The mappings were not saved: ${count} field${count === 1 ? '' : 's'} need${count === 1 ? 's' : ''} attention.`);
    this.name = 'InvalidMappingsError';
  }
}

export interface SaveMappingsOptions {
  /** Also start syncing the event (registers the pretix webhook); without it, whether it syncs stays as it was. */
  enable?: boolean;
  /** Bounds each pretix/HubSpot call made for the check (the settings API answers within HubSpot's 15 s). */
  race?: Race;
}

export interface SavedMappings {
  config: EventConfig;
  warnings: Record<string, string>;
  /** Mappings that are new or differ from before: orders synced earlier still carry what the old ones wrote. */
  changedMappingIds: string[];
  /** Whether the event had mappings before (and so may have synced orders with them). */
  hadMappings: boolean;
  /** The event after enabling, when `enable` was asked for. */
  enabled?: EventSummary;
}

/** Ids of mappings that are new or differ from before (a reordered but equal mapping does not count). */
export function changedMappingIds(before: ObjectMapping[], after: ObjectMapping[]): string[] {
  const old = new Map(before.map((m) => [String(m.id), JSON.stringify(m)]));
  return after.filter((m) => old.get(String(m.id)) !== JSON.stringify(m)).map((m) => String(m.id));
}

export function createEventConfigService(deps: EventConfigServiceDeps) {
  const now = deps.now ?? Date.now;

  const requireConnection = async (connectionId: string): Promise<Connection> => {
    const connection = await deps.store.getConnection(connectionId);
    if (!connection) throw new ServiceError(404, 'unknown_connection', `No connection ${connectionId}.`);
    return connection;
  };

  /** Field errors and warnings of `mappings` against the event's source fields and the portal's properties. */
  async function check(connectionId: string, event: string, mappings: ObjectMapping[], race: Race = noDeadline): Promise<CheckResult> {
    if (mappings.length === 0) return { fieldErrors: {}, warnings: {} };
    const connection = await requireConnection(connectionId);
    const catalogues = await deps.catalogues.load(connection, event, mappings.map((m) => m.external_object_type), race);
    return checkMappings(mappings, catalogues);
  }

  return {
    check,

    /** Checks, then saves the event's mappings; throws InvalidMappingsError (nothing saved) when a field is wrong. */
    async saveMappings(connectionId: string, event: string, mappings: ObjectMapping[], options: SaveMappingsOptions = {}): Promise<SavedMappings> {
      // Own mappings saved while a set is in use would silently do nothing: say where the change belongs instead.
      const setId = (await deps.store.getEventConfig(connectionId, event))?.mappingSetId;
      if (setId) {
        throw new ServiceError(
          409,
          'uses_mapping_set',
          `Event ${event} syncs with mapping set "${setId}": edit the set, or put the event back on its own mappings first.`,
        );
      }
      const { fieldErrors, warnings } = await check(connectionId, event, mappings, options.race);
      if (Object.keys(fieldErrors).length > 0) throw new InvalidMappingsError(fieldErrors);
      // Read after the (slow) check: a webhook change made meanwhile must not be overwritten with older values.
      const existing = await deps.store.getEventConfig(connectionId, event);
      const before = existing?.mappings ?? [];
      const config: EventConfig = {
        ...existing,
        connectionId,
        event,
        enabled: existing?.enabled ?? false,
        mappings,
        webhookId: existing?.webhookId ?? null,
        updatedAt: new Date(now()).toISOString(),
      };
      await deps.store.saveEventConfig(config);
      const saved: SavedMappings = { config, warnings, changedMappingIds: changedMappingIds(before, mappings), hadMappings: before.length > 0 };
      if (!options.enable) return saved;
      try {
        saved.enabled = await deps.events.setEnabled(connectionId, event, true);
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        throw new ServiceError(error.statusCode, error.code, `The mappings were saved, but the event was not enabled: ${error.message}`);
      }
      saved.config = await deps.store.getEventConfig(connectionId, event) ?? config;
      return saved;
    },
  };
}

export type EventConfigService = ReturnType<typeof createEventConfigService>;
