// Mappings checked against what they name: every pretix field against the event's source-field catalogue, every
// HubSpot property against the portal's properties. One rule for every way mappings are saved (settings page,
// admin API and CLI, mapping sets): a typo is refused when it is saved, not found when orders fail.
import type { PropertyDefinition } from '../hubspot/crm-client';
import type { HubSpotObjectType, ObjectMapping } from '../domain/mapping-schema';
import type { EventContext } from '../sync/event-context';
import { sourceFieldCatalogue, type SourceField } from '../sync/source-fields';
import { compatibility } from '../sync/type-compatibility';

/** Whether a mapping may write the property: calculated and HubSpot-maintained ones are read-only. */
export const isWritable = (p: PropertyDefinition) => p.modificationMetadata?.readOnlyValue !== true && p.fieldType !== 'calculation_equation';

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
