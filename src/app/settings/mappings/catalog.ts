// Options for the mapping editor's selects, from the receiver's catalogues of pretix source fields and
// HubSpot properties. A value that is set but missing from the catalogue (a field that was removed, a
// property not created yet) stays selectable and is labelled as such, so opening the editor never
// silently changes a mapping.
import type { HubSpotPropertyDto, SourceFieldDto, SourceFieldsResponse } from '../api-types';

export interface Option {
  label: string;
  value: string;
}

export function findSourceField(catalog: SourceFieldsResponse | undefined, key: string): SourceFieldDto | undefined {
  for (const group of catalog?.groups ?? []) {
    const field = group.fields.find((candidate) => candidate.key === key);
    if (field) return field;
  }
  return undefined;
}

export function sourceFieldGroup(catalog: SourceFieldsResponse | undefined, key: string): string | undefined {
  return catalog?.groups.find((group) => group.fields.some((field) => field.key === key))?.label;
}

/**
 * Fields in catalogue order, i.e. grouped by pretix's categories, labelled like pretix:
 * "Order code [Text (one line)]". (Select has no option groups; the editor shows the group of the chosen
 * field as the select's description.)
 */
export function sourceFieldOptions(catalog: SourceFieldsResponse | undefined, current: string): Option[] {
  const options = (catalog?.groups ?? []).flatMap((group) =>
    group.fields.map((field) => ({ label: field.displayLabel, value: field.key })),
  );
  if (current && !options.some((option) => option.value === current)) {
    options.unshift({ label: `${current} (not offered for this event)`, value: current });
  }
  return options;
}

/** HubSpot properties labelled "First name (firstname | string)". */
export function propertyOptions(
  properties: readonly HubSpotPropertyDto[] | undefined,
  current: string,
  accept: (property: HubSpotPropertyDto) => boolean = () => true,
): Option[] {
  const options = (properties ?? []).filter(accept).map((property) => ({ label: property.displayLabel, value: property.name }));
  if (current && !options.some((option) => option.value === current)) {
    options.unshift({ label: `${current} (missing in HubSpot)`, value: current });
  }
  return options;
}

/** Upsert keys must be `email` or a property with unique values (HubSpot's batch upsert rule). */
export const isIdentifierProperty = (property: HubSpotPropertyDto): boolean =>
  property.name === 'email' || property.hasUniqueValue;
