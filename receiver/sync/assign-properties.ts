// Update modes, after pretix's `assign_properties` (pretix/pretix: src/pretix/base/datasync/utils.py): which of the
// planned property values to send, given the object's current values in HubSpot.
import { SyncConfigError } from '../domain/errors';
import type { PlannedProperty } from './mapping-engine';

/**
 * Returns only the properties to send.
 * - `overwrite`: always, an empty value as "" (clearing the property).
 * - `if_new`: only for an object being created, only a non-empty value, and only if no earlier entry set the field.
 * - `if_empty`: only a non-empty value, and only if the field is empty in HubSpot or as set by an earlier entry.
 * - `append`: adds a non-empty value to the `listSep`-separated list (separator removed from the item), unless it is
 *   already in it; when nothing changes, the field is not sent.
 *
 * "Current value" means the value an earlier entry of this call set, else the existing one, so several entries for
 * one field (for example two tickets merged into one contact) behave like syncing them one after the other.
 * Unlike pretix, a `false` boolean arrives here as the text "false" and so counts as a value.
 */
export function assignProperties(
  planned: PlannedProperty[],
  existing: Record<string, string | null> | undefined,
  isNew: boolean,
  listSep = ';',
): Record<string, string> {
  const out: Record<string, string> = {};
  const current = (field: string): string => (Object.hasOwn(out, field) ? out[field] : existing?.[field]) ?? '';

  for (const { field, value, mode } of planned) {
    if (mode === 'overwrite') {
      out[field] = value ?? '';
      continue;
    }
    if (mode === 'if_new' && !isNew) continue;
    if (!value) continue;

    if (mode === 'if_new' || mode === 'if_empty') {
      if (!current(field)) out[field] = value;
    } else if (mode === 'append') {
      const appended = appendToList(current(field), value, listSep);
      if (appended !== null) out[field] = appended;
    } else {
      throw new SyncConfigError(`Invalid update mode ${String(mode)}`);
    }
  }
  return out;
}

/** The new list, or null when the item is already there (or empty once the separator is removed). */
function appendToList(currentValue: string, newItem: string, listSep: string): string | null {
  const item = newItem.split(listSep).join('');
  if (item.trim() === '') return null;
  // Compared trimmed, so "a; b" typed by a person in HubSpot already contains "b".
  const items = currentValue.split(listSep).filter((existingItem) => existingItem.trim() !== '');
  if (items.some((existingItem) => existingItem.trim() === item.trim())) return null;
  return [...items, item].join(listSep);
}

/**
 * The HubSpot properties whose current values must be read before writing: those of every mode but overwrite
 * (if_new needs the read too, to learn whether the object exists). Empty means the batch read can be skipped.
 */
export function readPropertiesNeeded(objects: { properties: PlannedProperty[] }[]): string[] {
  const needed = new Set<string>();
  for (const object of objects) {
    for (const property of object.properties) if (property.mode !== 'overwrite') needed.add(property.field);
  }
  return [...needed];
}
