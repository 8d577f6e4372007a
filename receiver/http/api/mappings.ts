// Object mappings as the settings page edits them: checked against the event's source-field catalogue and the
// portal's HubSpot properties before they are saved, with type hints as warnings; and the HubSpot properties a
// mapping needs but the portal lacks, created on request.
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
import { compatibility } from '../../sync/type-compatibility';

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

const isWritable = (p: PropertyDefinition) => p.modificationMetadata?.readOnlyValue !== true && p.fieldType !== 'calculation_equation';

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

// ---------- validation against the catalogues ----------

export interface Catalogues {
  ctx: EventContext;
  properties: Map<HubSpotObjectType, PropertyDefinition[]>;
}

export interface CheckResult {
  fieldErrors: Record<string, string>;
  warnings: Record<string, string>;
}

const list = (values: string[], max = 8) =>
  values.length > max ? `${values.slice(0, max).join(', ')}, …` : values.join(', ');

/**
 * Every pretix field must be in the event's catalogue for the mapping's model, every HubSpot property must exist
 * for the object type (identifiers: `email` or a unique-value property), value maps must use the field's option
 * identifiers and, for dropdowns, the property's option values. Type mismatches are warnings.
 */
export function checkMappings(mappings: ObjectMapping[], catalogues: Catalogues): CheckResult {
  const fieldErrors: Record<string, string> = {};
  const warnings: Record<string, string> = {};
  const allFields = new Map(sourceFieldCatalogue(catalogues.ctx).map((f) => [f.key, f]));

  mappings.forEach((mapping, i) => {
    const at = `mappings.${i}`;
    const modelFields = new Map(sourceFieldCatalogue(catalogues.ctx, mapping.pretix_model).map((f) => [f.key, f]));
    const properties = new Map((catalogues.properties.get(mapping.external_object_type) ?? []).map((p) => [p.name, p]));
    const type = mapping.external_object_type;

    const sourceField = (key: string, path: string): SourceField | undefined => {
      const field = modelFields.get(key);
      if (field) return field;
      fieldErrors[path] = allFields.has(key)
        ? `"${allFields.get(key)!.label}" belongs to an order position: use it in an OrderPosition mapping.`
        : `pretix has no field "${key}" for this event.`;
      return undefined;
    };
    const property = (name: string, path: string): PropertyDefinition | undefined => {
      const found = properties.get(name);
      if (!found) {
        fieldErrors[path] = `HubSpot has no ${type} property "${name}". Create it (Create missing properties) or pick another one.`;
        return undefined;
      }
      if (!isWritable(found)) {
        fieldErrors[path] = `The HubSpot property "${found.label}" (${name}) is read-only and cannot be written.`;
        return undefined;
      }
      return found;
    };

    const idField = sourceField(mapping.pretix_id_field, `${at}.pretix_id_field`);
    const idProperty = property(mapping.external_id_field, `${at}.external_id_field`);
    if (idProperty && idProperty.name !== 'email' && idProperty.hasUniqueValue !== true) {
      fieldErrors[`${at}.external_id_field`] =
        `"${idProperty.label}" (${idProperty.name}) cannot identify ${type}: HubSpot upserts only by email or by a property with unique values.`;
    } else if (idField && idProperty) {
      const fit = compatibility(idField.type, idProperty.type, idProperty.fieldType);
      if (!fit.ok && fit.hint) warnings[`${at}.external_id_field`] = fit.hint;
    }

    mapping.property_mappings.forEach((row, j) => {
      const rowAt = `${at}.property_mappings.${j}`;
      const field = sourceField(row.pretix_field, `${rowAt}.pretix_field`);
      const target = property(row.external_field, `${rowAt}.external_field`);
      const mapped = Object.entries(row.value_map);

      if (field?.enumOptions && field.enumOptions.length > 0 && mapped.length > 0) {
        const known = new Set(field.enumOptions.map((o) => o.value));
        const unknown = mapped.map(([key]) => key).filter((key) => !known.has(key));
        if (unknown.length > 0) {
          fieldErrors[`${rowAt}.value_map`] =
            `${list(unknown.map((k) => `"${k}"`))} ${unknown.length === 1 ? 'is not an option' : 'are not options'} of "${field.label}" (options: ${list([...known])}).`;
          return;
        }
      }
      if (target?.type === 'enumeration' && target.options.length > 0) {
        const allowed = new Set(target.options.map((o) => o.value));
        const wrong = [...new Set(mapped.map(([, value]) => value))].filter((value) => !allowed.has(value));
        if (wrong.length > 0) {
          fieldErrors[`${rowAt}.value_map`] =
            `${list(wrong.map((v) => `"${v}"`))} ${wrong.length === 1 ? 'is not an option' : 'are not options'} of the HubSpot property "${target.label}" (options: ${list([...allowed])}).`;
          return;
        }
        if (mapped.length === 0 && field?.enumOptions && field.enumOptions.length > 0) {
          const unmatched = field.enumOptions.map((o) => o.value).filter((value) => !allowed.has(value));
          if (unmatched.length > 0) {
            warnings[`${rowAt}.value_map`] =
              `pretix options ${list(unmatched.map((v) => `"${v}"`))} are not options of "${target.label}": add a value map.`;
          }
        }
      }
      if (field && target) {
        const fit = compatibility(field.type, target.type, target.fieldType);
        if (!fit.ok && fit.hint) warnings[`${rowAt}.external_field`] = fit.hint;
      }
    });
  });
  return { fieldErrors, warnings };
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
