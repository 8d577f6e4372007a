// Object mappings as the settings page edits them: their DTOs, the catalogues the editor picks from, and the HubSpot
// properties a mapping needs but the portal lacks, created on request. Checking and saving mappings is the event
// configuration service's job (connections/event-config-service.ts), for every entry point alike.
import type {
  HubSpotPropertyDto,
  ObjectMappingDto,
  SourceFieldDto,
  SourceFieldsResponse,
} from '../../../src/app/shared/api-types';
import type { NewProperty, PropertyDefinition } from '../../hubspot/crm-client';
import type { HubSpotObjectType, ObjectMapping } from '../../domain/mapping-schema';
import type { EventContext } from '../../sync/event-context';
import { sourceFieldCatalogue, type PretixModel, type SourceField } from '../../sync/source-fields';
import { isWritable } from '../../connections/mapping-check';

export const PRETIX_PROPERTY_GROUP = { name: 'pretix', label: 'pretix', displayOrder: -1 };

// ---------- DTOs ----------

export function toMappingDto(mapping: ObjectMapping): ObjectMappingDto {
  return {
    id: mapping.id,
    pretix_model: mapping.pretix_model,
    external_object_type: mapping.external_object_type,
    pretix_id_field: mapping.pretix_id_field,
    external_id_field: mapping.external_id_field,
    property_mappings: mapping.property_mappings.map((row) => ({
      pretix_field: row.pretix_field,
      external_field: row.external_field,
      // pretix's own storage format: a JSON-encoded object, or '' for none.
      value_map: Object.keys(row.value_map).length === 0 ? '' : JSON.stringify(row.value_map),
      overwrite: row.overwrite,
    })),
    association_mappings: mapping.association_mappings.map((a) => ({ via_mapping_id: a.via_mapping_id })),
  };
}

export function sourceFieldDto(field: SourceField): SourceFieldDto {
  return {
    key: field.key,
    label: field.label,
    displayLabel: field.displayLabel,
    type: field.type,
    typeLabel: field.typeLabel,
    enumOptions: field.enumOptions ? field.enumOptions.map((o) => ({ value: o.value, label: o.label })) : null,
  };
}

/** The catalogue grouped by pretix's categories, in pretix's category order and field order. */
export function sourceFieldGroups(ctx: EventContext, model?: PretixModel): SourceFieldsResponse {
  const groups = new Map<string, { sortIndex: number; label: string; fields: SourceFieldDto[] }>();
  for (const field of sourceFieldCatalogue(ctx, model)) {
    let group = groups.get(field.category.label);
    if (!group) {
      group = { sortIndex: field.category.sortIndex, label: field.category.label, fields: [] };
      groups.set(field.category.label, group);
    }
    group.fields.push(sourceFieldDto(field));
  }
  return {
    groups: [...groups.values()].sort((a, b) => a.sortIndex - b.sortIndex).map(({ label, fields }) => ({ label, fields })),
  };
}

export function hubspotPropertyDto(property: PropertyDefinition): HubSpotPropertyDto {
  return {
    name: property.name,
    label: property.label,
    type: property.type,
    fieldType: property.fieldType,
    displayLabel: `${property.label} (${property.name} | ${property.type})`,
    hasUniqueValue: property.hasUniqueValue === true,
    options: property.options.map((o) => ({ label: o.label, value: o.value })),
  };
}

/** Properties a mapping can write: hidden and read-only (calculated, HubSpot-maintained) ones are left out. */
export function writableProperties(properties: PropertyDefinition[]): HubSpotPropertyDto[] {
  return properties
    .filter((p) => isWritable(p) && (p as { hidden?: unknown }).hidden !== true)
    .map(hubspotPropertyDto)
    .sort((a, b) => a.label.localeCompare(b.label) || a.name.localeCompare(b.name));
}

// ---------- missing properties ----------

/** A loosely checked mapping for property creation: rows without names are simply skipped. */
export type MappingDraft = Pick<ObjectMappingDto, 'pretix_model' | 'external_object_type' | 'pretix_id_field' | 'external_id_field'> & {
  property_mappings: { pretix_field: string; external_field: string; value_map: string | Record<string, string> }[];
};

export interface PlannedProperty {
  objectType: HubSpotObjectType;
  definition: NewProperty;
  /** Where in the request it came from, for a field error if its name is unusable. */
  path: string;
}

export const HUBSPOT_PROPERTY_NAME = /^[a-z][a-z0-9_]{0,99}$/;

function parseValueMap(raw: string | Record<string, string>): Record<string, string> {
  if (typeof raw !== 'string') return raw;
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    }
  } catch {
    // an unreadable value map creates a plain property
  }
  return {};
}

/** The property definition that fits a pretix source field (reference/hubspot.md §5 types and field types). */
export function definitionFor(name: string, field: SourceField | undefined, valueMap: Record<string, string>): NewProperty {
  const base = {
    name,
    label: field ? `${field.label} (pretix)` : name,
    groupName: PRETIX_PROPERTY_GROUP.name,
    description: field ? `pretix: ${field.displayLabel}. Created by pretix-hubspot.` : 'Created by pretix-hubspot.',
  };
  const mappedValues = [...new Set(Object.values(valueMap))];
  const optionsFrom = (): NewProperty['options'] => {
    if (mappedValues.length > 0) return mappedValues.map((value, displayOrder) => ({ label: value, value, displayOrder }));
    return (field?.enumOptions ?? []).map((o, displayOrder) => ({ label: o.label || o.value, value: o.value, displayOrder }));
  };
  switch (field?.type) {
    case 'N':
      return { ...base, type: 'number', fieldType: 'number' };
    case 'T':
      return { ...base, type: 'string', fieldType: 'textarea' };
    case 'B':
      return mappedValues.length > 0
        ? { ...base, type: 'enumeration', fieldType: 'select', options: optionsFrom() }
        : { ...base, type: 'bool', fieldType: 'booleancheckbox', options: [{ label: 'Yes', value: 'true', displayOrder: 0 }, { label: 'No', value: 'false', displayOrder: 1 }] };
    case 'C':
    case 'M': {
      const options = optionsFrom();
      // An enumeration needs options; a choice field without any (e.g. an event with no locales) becomes text.
      if (!options || options.length === 0) return { ...base, type: 'string', fieldType: 'text' };
      return { ...base, type: 'enumeration', fieldType: field.type === 'M' ? 'checkbox' : 'select', options };
    }
    case 'D':
      return { ...base, type: 'date', fieldType: 'date' };
    case 'W':
      return { ...base, type: 'datetime', fieldType: 'date' };
    case 'TEL':
      return { ...base, type: 'phone_number', fieldType: 'phonenumber' };
    default:
      return { ...base, type: 'string', fieldType: 'text' };
  }
}

/**
 * What is missing for these mappings: identifiers become unique single-line text properties (the only kind
 * HubSpot upserts by), other targets get the type that fits their pretix field. Each name once per object type.
 */
export function planMissingProperties(
  mappings: MappingDraft[],
  ctx: EventContext,
  existing: Map<HubSpotObjectType, Set<string>>,
): { planned: PlannedProperty[]; existingCount: number } {
  const fields = new Map(sourceFieldCatalogue(ctx).map((f) => [f.key, f]));
  const planned = new Map<string, PlannedProperty>();
  const alreadyThere = new Set<string>();

  const consider = (objectType: HubSpotObjectType, name: string, path: string, make: () => NewProperty) => {
    const trimmed = name.trim();
    if (trimmed === '') return;
    const key = `${objectType}|${trimmed}`;
    if (existing.get(objectType)?.has(trimmed)) {
      alreadyThere.add(key);
      return;
    }
    if (!planned.has(key)) planned.set(key, { objectType, definition: make(), path });
  };

  mappings.forEach((mapping, i) => {
    const type = mapping.external_object_type;
    consider(type, mapping.external_id_field, `mappings.${i}.external_id_field`, () => ({
      ...definitionFor(mapping.external_id_field.trim(), undefined, {}),
      ...identifierLabel(fields.get(mapping.pretix_id_field)),
      type: 'string',
      fieldType: 'text',
      hasUniqueValue: true,
    }));
    mapping.property_mappings.forEach((row, j) => {
      consider(type, row.external_field, `mappings.${i}.property_mappings.${j}.external_field`, () =>
        definitionFor(row.external_field.trim(), fields.get(row.pretix_field), parseValueMap(row.value_map)),
      );
    });
  });
  return { planned: [...planned.values()], existingCount: alreadyThere.size };
}

function identifierLabel(field: SourceField | undefined): Partial<Pick<NewProperty, 'label' | 'description'>> {
  return field
    ? { label: `${field.label} (pretix ID)`, description: `pretix: ${field.displayLabel}, unique: used to find the record again. Created by pretix-hubspot.` }
    : { description: 'Unique identifier used by pretix-hubspot to find the record again.' };
}
