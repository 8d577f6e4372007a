// Turns source-field values into the strings HubSpot's CRM API accepts for property values.
// HubSpot takes every property value as a string: booleans as "true"/"false", numbers as decimal strings,
// datetimes as ISO 8601; an empty value is sent as "" (we keep null until the very end so modes can tell "empty").

/** A source value after value maps and list joining, or a number from elsewhere. */
export type SourceValue = string | boolean | number | null | undefined;

export function toHubSpotValue(value: SourceValue): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return numberToDecimalString(value);
  return value;
}

/** Plain decimal notation: HubSpot rejects exponent notation such as "1e21". */
function numberToDecimalString(value: number): string {
  if (!Number.isFinite(value)) return '';
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

/**
 * The identifier value as HubSpot matches it. HubSpot stores contact emails in lower case and matches `email`
 * case-insensitively, so lower-casing keeps two spellings of one address from becoming two batch inputs.
 */
export function hubSpotIdentifierValue(idProperty: string, value: string | null): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  return idProperty === 'email' ? trimmed.toLowerCase() : trimmed;
}
