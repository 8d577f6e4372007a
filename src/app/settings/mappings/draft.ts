// The mapping editor's working copy and every edit to it, as a pure reducer (tested without rendering).
// Rows and mappings get client keys so that errors and warnings stay attached to the right row when rows
// are added, removed or moved; the receiver addresses them by index ("mappings.0.property_mappings.2.…"),
// so indices are translated to keys when an answer arrives and keys are dropped again when saving.
import type {
  HubSpotObjectType,
  MappingMode,
  MappingsResponse,
  ObjectMappingDto,
  PretixModel,
  PropertyMappingDto,
  SaveMappingsRequest,
} from '../api-types';

export interface DraftRow extends PropertyMappingDto {
  key: string;
}

export interface DraftMapping extends Omit<ObjectMappingDto, 'property_mappings'> {
  key: string;
  property_mappings: DraftRow[];
}

export interface Draft {
  mappings: DraftMapping[];
  /** Messages keyed `${mappingKey}.${field}` or `${rowKey}.${field}` (from a rejected save). */
  errors: Record<string, string>;
  /** Incompatible-type hints keyed like `errors`, or by the bare mapping/row key. */
  warnings: Record<string, string>;
  /** fieldErrors that name no field the editor shows (e.g. "mappings"). */
  generalErrors: string[];
  dirty: boolean;
  nextKey: number;
}

export type MappingField = 'pretix_model' | 'external_object_type' | 'pretix_id_field' | 'external_id_field';
export type RowField = 'pretix_field' | 'external_field' | 'value_map' | 'overwrite';

export type DraftAction =
  | { type: 'addMapping'; pretixModel: PretixModel; objectType: HubSpotObjectType }
  | { type: 'removeMapping'; mappingKey: string }
  | { type: 'moveMapping'; mappingKey: string; by: -1 | 1 }
  | { type: 'setMappingField'; mappingKey: string; field: MappingField; value: string }
  | { type: 'setAssociations'; mappingKey: string; viaMappingIds: (number | string)[] }
  | { type: 'addRow'; mappingKey: string }
  | { type: 'removeRow'; mappingKey: string; rowKey: string }
  | { type: 'moveRow'; mappingKey: string; rowKey: string; by: -1 | 1 }
  | { type: 'setRowField'; mappingKey: string; rowKey: string; field: RowField; value: string }
  | { type: 'rejected'; fieldErrors: Record<string, string> }
  | { type: 'saved'; response: MappingsResponse };

export const MODE_LABELS: Record<MappingMode, string> = {
  overwrite: 'Overwrite',
  if_new: 'Fill if new',
  if_empty: 'Fill if empty',
  append: 'Add to list',
};

export const MODEL_LABELS: Record<PretixModel, string> = { Order: 'Order', OrderPosition: 'Order position' };

export const OBJECT_TYPE_LABELS: Record<HubSpotObjectType, string> = {
  contacts: 'Contacts',
  deals: 'Deals',
  companies: 'Companies',
};

/** "Order → Contacts by email", the name the card and the receiver use too. */
export const mappingLabel = (mapping: Pick<ObjectMappingDto, 'pretix_model' | 'external_object_type' | 'external_id_field'>): string =>
  `${MODEL_LABELS[mapping.pretix_model]} → ${OBJECT_TYPE_LABELS[mapping.external_object_type]} by ${mapping.external_id_field || '…'}`;

export function draftFromResponse(response: MappingsResponse): Draft {
  let nextKey = 0;
  const mappings = response.mappings.map((mapping) => ({
    ...mapping,
    association_mappings: mapping.association_mappings.map((association) => ({ ...association })),
    key: `m${nextKey++}`,
    property_mappings: mapping.property_mappings.map((row) => ({ ...row, key: `r${nextKey++}` })),
  }));
  const draft: Draft = { mappings, errors: {}, warnings: {}, generalErrors: [], dirty: false, nextKey };
  const { keyed } = keyByPath(draft, response.warnings);
  return { ...draft, warnings: keyed };
}

export function toSaveRequest(draft: Pick<Draft, 'mappings'>): SaveMappingsRequest {
  return {
    mappings: draft.mappings.map((mapping) => ({
      id: mapping.id,
      pretix_model: mapping.pretix_model,
      external_object_type: mapping.external_object_type,
      pretix_id_field: mapping.pretix_id_field,
      external_id_field: mapping.external_id_field,
      property_mappings: mapping.property_mappings.map((row) => ({
        pretix_field: row.pretix_field,
        external_field: row.external_field,
        value_map: row.value_map,
        overwrite: row.overwrite,
      })),
      association_mappings: mapping.association_mappings.map((association) => ({ via_mapping_id: association.via_mapping_id })),
    })),
  };
}

/**
 * Translates "mappings.1.property_mappings.0.external_field" into "<rowKey>.external_field" and
 * "mappings.1.pretix_id_field" into "<mappingKey>.pretix_id_field"; a path that stops at a row or
 * mapping maps to its bare key. Anything else is returned as `unplaced`.
 */
export function keyByPath(draft: Pick<Draft, 'mappings'>, byPath: Readonly<Record<string, string>>) {
  const keyed: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const [path, message] of Object.entries(byPath)) {
    const parts = path.split('.');
    const mapping = parts[0] === 'mappings' ? draft.mappings[Number(parts[1])] : undefined;
    if (!mapping || parts.length < 2) {
      unplaced.push(path === 'mappings' || path === '' ? message : `${path}: ${message}`);
      continue;
    }
    if (parts[2] === 'property_mappings' && parts.length >= 4) {
      const row = mapping.property_mappings[Number(parts[3])];
      if (!row) {
        unplaced.push(`${path}: ${message}`);
        continue;
      }
      keyed[parts.length > 4 ? `${row.key}.${parts.slice(4).join('.')}` : row.key] = message;
      continue;
    }
    keyed[parts.length > 2 ? `${mapping.key}.${parts.slice(2).join('.')}` : mapping.key] = message;
  }
  return { keyed, unplaced };
}

/** A client id for a new mapping: one more than the largest numeric id, so associations can point at it before saving. */
export function nextMappingId(mappings: readonly Pick<ObjectMappingDto, 'id'>[]): number {
  const numeric = mappings.map((mapping) => Number(mapping.id)).filter((id) => Number.isInteger(id));
  return numeric.length === 0 ? 1 : Math.max(...numeric) + 1;
}

/** The identifier pair pretix's HubSpot plugin starts with for each combination. */
function defaultIdentifier(model: PretixModel, objectType: HubSpotObjectType): Pick<ObjectMappingDto, 'pretix_id_field' | 'external_id_field'> {
  if (objectType === 'contacts') {
    return { pretix_id_field: model === 'Order' ? 'email' : 'attendee_email', external_id_field: 'email' };
  }
  if (objectType === 'deals') {
    return { pretix_id_field: model === 'Order' ? 'event_order_code' : 'ticket_id', external_id_field: '' };
  }
  return { pretix_id_field: 'invoice_address_company', external_id_field: 'name' };
}

/** Associations may only point at mappings that come earlier (they are synced first). */
function pruneAssociations(mappings: DraftMapping[]): DraftMapping[] {
  return mappings.map((mapping, index) => {
    const earlier = new Set(mappings.slice(0, index).map((m) => String(m.id)));
    const kept = mapping.association_mappings.filter((association) => earlier.has(String(association.via_mapping_id)));
    return kept.length === mapping.association_mappings.length ? mapping : { ...mapping, association_mappings: kept };
  });
}

function move<T>(items: T[], index: number, by: -1 | 1): T[] {
  const target = index + by;
  if (index < 0 || target < 0 || target >= items.length) return items;
  const copy = items.slice();
  const [item] = copy.splice(index, 1);
  copy.splice(target, 0, item as T);
  return copy;
}

function withoutKeys(record: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => key !== prefix && !key.startsWith(`${prefix}.`)));
}

function updateMapping(draft: Draft, mappingKey: string, update: (mapping: DraftMapping) => DraftMapping): DraftMapping[] {
  return draft.mappings.map((mapping) => (mapping.key === mappingKey ? update(mapping) : mapping));
}

export function draftReducer(draft: Draft, action: DraftAction): Draft {
  switch (action.type) {
    case 'addMapping': {
      const mapping: DraftMapping = {
        key: `m${draft.nextKey}`,
        id: nextMappingId(draft.mappings),
        pretix_model: action.pretixModel,
        external_object_type: action.objectType,
        ...defaultIdentifier(action.pretixModel, action.objectType),
        property_mappings: [],
        association_mappings: [],
      };
      return { ...draft, mappings: [...draft.mappings, mapping], nextKey: draft.nextKey + 1, dirty: true };
    }
    case 'removeMapping':
      return {
        ...draft,
        mappings: pruneAssociations(draft.mappings.filter((mapping) => mapping.key !== action.mappingKey)),
        errors: withoutKeys(draft.errors, action.mappingKey),
        dirty: true,
      };
    case 'moveMapping': {
      const index = draft.mappings.findIndex((mapping) => mapping.key === action.mappingKey);
      return { ...draft, mappings: pruneAssociations(move(draft.mappings, index, action.by)), dirty: true };
    }
    case 'setMappingField':
      return {
        ...draft,
        mappings: updateMapping(draft, action.mappingKey, (mapping) => ({ ...mapping, [action.field]: action.value })),
        errors: withoutKeys(draft.errors, `${action.mappingKey}.${action.field}`),
        dirty: true,
      };
    case 'setAssociations':
      return {
        ...draft,
        mappings: pruneAssociations(
          updateMapping(draft, action.mappingKey, (mapping) => ({
            ...mapping,
            association_mappings: action.viaMappingIds.map((id) => ({ via_mapping_id: id })),
          })),
        ),
        errors: withoutKeys(draft.errors, `${action.mappingKey}.association_mappings`),
        dirty: true,
      };
    case 'addRow': {
      const row: DraftRow = { key: `r${draft.nextKey}`, pretix_field: '', external_field: '', value_map: '', overwrite: 'overwrite' };
      return {
        ...draft,
        mappings: updateMapping(draft, action.mappingKey, (mapping) => ({
          ...mapping,
          property_mappings: [...mapping.property_mappings, row],
        })),
        nextKey: draft.nextKey + 1,
        dirty: true,
      };
    }
    case 'removeRow':
      return {
        ...draft,
        mappings: updateMapping(draft, action.mappingKey, (mapping) => ({
          ...mapping,
          property_mappings: mapping.property_mappings.filter((row) => row.key !== action.rowKey),
        })),
        errors: withoutKeys(draft.errors, action.rowKey),
        warnings: withoutKeys(draft.warnings, action.rowKey),
        dirty: true,
      };
    case 'moveRow':
      return {
        ...draft,
        mappings: updateMapping(draft, action.mappingKey, (mapping) => ({
          ...mapping,
          property_mappings: move(
            mapping.property_mappings,
            mapping.property_mappings.findIndex((row) => row.key === action.rowKey),
            action.by,
          ),
        })),
        dirty: true,
      };
    case 'setRowField':
      return {
        ...draft,
        mappings: updateMapping(draft, action.mappingKey, (mapping) => ({
          ...mapping,
          property_mappings: mapping.property_mappings.map((row) =>
            row.key === action.rowKey ? { ...row, [action.field]: action.value } : row,
          ),
        })),
        errors: withoutKeys(draft.errors, `${action.rowKey}.${action.field}`),
        // A type warning was about the old field pair; the receiver re-checks on save.
        warnings:
          action.field === 'pretix_field' || action.field === 'external_field' ? withoutKeys(draft.warnings, action.rowKey) : draft.warnings,
        dirty: true,
      };
    case 'rejected': {
      const { keyed, unplaced } = keyByPath(draft, action.fieldErrors);
      return { ...draft, errors: keyed, generalErrors: unplaced };
    }
    case 'saved':
      return draftFromResponse(action.response);
  }
}

/** pretix's value_map is a JSON-encoded object (option identifier → HubSpot value) or "". */
export function parseValueMap(valueMap: string): { map: Record<string, string>; invalid: boolean } {
  if (!valueMap.trim()) return { map: {}, invalid: false };
  try {
    const parsed: unknown = JSON.parse(valueMap);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { map: {}, invalid: true };
    return {
      map: Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([key, value]) => [key, String(value ?? '')])),
      invalid: false,
    };
  } catch {
    return { map: {}, invalid: true };
  }
}

/**
 * Encodes the non-empty entries, in option order; entries for options the field no longer offers are kept
 * (after the others) rather than silently dropped. "" when nothing is mapped.
 */
export function encodeValueMap(options: readonly { value: string }[], map: Readonly<Record<string, string>>): string {
  const known = new Set(options.map((option) => option.value));
  const ordered = [...options.map((option) => option.value), ...Object.keys(map).filter((key) => !known.has(key))];
  const entries = ordered.map((key) => [key, map[key] ?? ''] as const).filter(([, value]) => value !== '');
  return entries.length === 0 ? '' : JSON.stringify(Object.fromEntries(entries));
}
