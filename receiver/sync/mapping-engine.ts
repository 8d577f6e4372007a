// The pure mapping engine: one pretix order + the event's object mappings → the HubSpot objects to upsert, with
// their identifier and property values. Follows pretix's `sync_order`/`sync_object` (datasync.py); no I/O.
import { SyncConfigError } from '../domain/errors';
import { hubSpotIdentifierValue, toHubSpotValue } from './hubspot-values';
import type { HubSpotObjectType, Mode, ObjectMapping, PropertyMapping } from '../domain/mapping-schema';
import type { PretixOrder, PretixPosition } from '../pretix/schemas';
import type { EventContext } from './event-context';
import {
  MODEL_INPUTS,
  sourceFieldCatalogue,
  sourceFieldValue,
  type FieldValue,
  type SourceField,
} from './source-fields';

export interface PlannedProperty {
  field: string;
  /** The value as HubSpot takes it; null means "empty" (overwrite sends it as ""). */
  value: string | null;
  mode: Mode;
}

export interface PlannedObject {
  mappingId: string;
  mappingIndex: number;
  objectType: HubSpotObjectType;
  /** The position for `OrderPosition` mappings (the first one when several were merged), null for `Order`. */
  positionId: number | null;
  /** Every position that contributed, in order, for `OrderPosition` mappings (several when merged). */
  positionIds?: number[];
  idProperty: string;
  idValue: string;
  /** In mapping order; apply with `assignProperties`. */
  properties: PlannedProperty[];
  associateWithMappings: string[];
}

export interface SkippedObject {
  mappingId: string;
  positionId: number | null;
  reason: string;
}

export interface PlanOptions {
  /** Joins list values (choice answers, statuses); pretix's `list_field_joiner` default is ",". */
  listJoiner?: string;
}

export function planOrderSync(
  order: PretixOrder,
  mappings: ObjectMapping[],
  ctx: EventContext,
  options: PlanOptions = {},
): { objects: PlannedObject[]; skipped: SkippedObject[] } {
  const listJoiner = options.listJoiner ?? ',';
  const catalogue = new Map(sourceFieldCatalogue(ctx).map((f) => [f.key, f]));
  // Check every mapping before computing anything, so a broken mapping fails the same way for every order,
  // including orders that happen to have no position for it.
  const resolved = mappings.map((mapping) => resolveMapping(mapping, catalogue));

  const objects: PlannedObject[] = [];
  const skipped: SkippedObject[] = [];
  resolved.forEach(({ mapping, idField, propertyMappings }, mappingIndex) => {
    const mappingId = String(mapping.id);
    const merged = new Map<string, PlannedObject>();
    const positions: (PretixPosition | undefined)[] = mapping.pretix_model === 'Order' ? [undefined] : order.positions;

    for (const position of positions) {
      const input = { order, position };
      const positionId = position ? position.id : null;
      // Properties before the identifier, as in pretix, so a value-map problem surfaces even for skipped objects.
      const properties = propertyMappings.map(({ pm, field }): PlannedProperty => {
        const value = postProcess(field, sourceFieldValue(field, input, ctx), pm.pretix_field, pm.value_map, listJoiner);
        return { field: pm.external_field, value: toHubSpotValue(value), mode: pm.overwrite };
      });
      const rawId = postProcess(idField, sourceFieldValue(idField, input, ctx), mapping.pretix_id_field, {}, listJoiner);
      const idValue = hubSpotIdentifierValue(mapping.external_id_field, toHubSpotValue(rawId));
      if (idValue === null) {
        skipped.push({ mappingId, positionId, reason: `identifier ${mapping.pretix_id_field} is empty` });
        continue;
      }

      const earlier = merged.get(idValue);
      if (earlier) {
        mergeInto(earlier, properties, positionId);
        continue;
      }
      const object: PlannedObject = {
        mappingId,
        mappingIndex,
        objectType: mapping.external_object_type,
        positionId,
        ...(positionId !== null ? { positionIds: [positionId] } : {}),
        idProperty: mapping.external_id_field,
        idValue,
        properties,
        associateWithMappings: mapping.association_mappings.map((a) => String(a.via_mapping_id)),
      };
      merged.set(idValue, object);
      objects.push(object);
    }
  });
  return { objects, skipped };
}

interface ResolvedMapping {
  mapping: ObjectMapping;
  idField: SourceField;
  propertyMappings: { pm: PropertyMapping; field: SourceField }[];
}

function resolveMapping(mapping: ObjectMapping, catalogue: Map<string, SourceField>): ResolvedMapping {
  const available = MODEL_INPUTS[mapping.pretix_model];
  const resolve = (key: string): SourceField => {
    const field = catalogue.get(key);
    if (!field) throw new SyncConfigError(`Field "${key}" does not exist. Please check your HubSpot settings.`);
    if (!available.includes(field.requiredInput)) {
      throw new SyncConfigError(
        `Mapping ${String(mapping.id)} (${mapping.pretix_model} → ${mapping.external_object_type}) uses field "${key}" ` +
          `(${field.displayLabel}), which needs an order position. Use it in an "Order position" mapping instead.`,
      );
    }
    return field;
  };
  return {
    mapping,
    idField: resolve(mapping.pretix_id_field),
    propertyMappings: mapping.property_mappings.map((pm) => ({ pm, field: resolve(pm.pretix_field) })),
  };
}

/**
 * pretix `get_field_value`: list values of enum fields go through the value map (when one is set), then every list
 * is joined. Anything not in a non-empty value map is a configuration problem, not something to guess.
 */
function postProcess(
  field: SourceField,
  raw: FieldValue,
  pretixField: string,
  valueMap: Record<string, string>,
  listJoiner: string,
): string | boolean | null {
  if (!Array.isArray(raw)) return raw;
  const mapValues = (field.enumOptions?.length ?? 0) > 0 && Object.keys(valueMap).length > 0;
  const items = !mapValues
    ? raw
    : raw.map((item) => {
        if (!Object.hasOwn(valueMap, item)) {
          throw new SyncConfigError(
            `Please update value mapping for field "${pretixField}" - option "${item}" not assigned`,
          );
        }
        return valueMap[item] as string;
      });
  return items.join(listJoiner);
}

/**
 * Two positions of one order that map to the same HubSpot object (say, two tickets with one attendee email) become
 * one object, because HubSpot rejects a batch that names the same id twice. The later position's entries are
 * appended, which under `assignProperties` is the same as syncing the positions one after the other: the later
 * value wins for overwrite, the first non-empty one for if_new/if_empty, and append collects both. Entries that a
 * later overwrite of the same property makes irrelevant are dropped to keep the plan readable.
 */
function mergeInto(target: PlannedObject, later: PlannedProperty[], positionId: number | null): void {
  const combined = [...target.properties, ...later];
  const lastOverwrite = new Map<string, number>();
  combined.forEach((p, i) => {
    if (p.mode === 'overwrite') lastOverwrite.set(p.field, i);
  });
  target.properties = combined.filter((p, i) => i >= (lastOverwrite.get(p.field) ?? -1));
  if (positionId !== null) target.positionIds = [...(target.positionIds ?? []), positionId];
}
