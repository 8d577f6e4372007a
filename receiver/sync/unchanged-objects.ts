// Which CRM writes of a batch would change nothing: an object whose planned write (its mapping as defined, its
// identifier, the property values and modes planned for it) is exactly the one that last reached HubSpot for it is
// not read or upserted again. A check-in storm re-plans every checked-in order, and without this each batch
// re-upserted contacts and deals whose mapped values had not moved (3–4 requests a batch for nothing).
//
// Why a person's request, a backfill and a mapping edit still write everything:
//   - "Sync now" and a retry are how a person repairs HubSpot: after someone edited or deleted a value there, they
//     expect pretix's value back, whatever our records say;
//   - a backfill ("Sync all existing orders", and the re-sync a mapping edit starts, which is a backfill of the
//     changed mappings) is asked for when HubSpot and our records may disagree (a new portal, objects merged or
//     removed there, a restored data file): it writes what pretix holds;
//   - the webhooks and the reconcile sweep say "pretix changed", and for them only what pretix changed is news.
// So an Overwrite mapping means "pretix's value is written whenever pretix's data for it changes": an edit made in
// HubSpot to a value pretix did not change stays until pretix changes it or someone clicks Sync now. The same holds
// for "Fill if empty" and "Add to list" (a value emptied or removed in HubSpot is refilled with the next change).
import { createHash } from 'node:crypto';
import type { ObjectMapping } from '../domain/mapping-schema';
import type { PlannedObject } from './mapping-engine';

/** Job triggers that write every object, changed or not (see above). Webhook actions and 'reconcile' do not. */
const REWRITE_TRIGGERS: ReadonlySet<string> = new Set(['manual', 'manual_retry', 'backfill']);

/** Whether a job with these triggers writes every object of its order, unchanged ones included. */
export function triggersForceRewrite(triggers: readonly string[]): boolean {
  return triggers.some((trigger) => REWRITE_TRIGGERS.has(trigger));
}

/**
 * A digest of everything that decides what one object's write sends: the mapping's whole definition (so a mapping
 * edit, a mode change included, writes again), the object's type and identifier, and the planned values with their
 * modes, in order. A hash rather than the values themselves: the record stays small and holds no more of a person
 * than it did.
 */
export function plannedFingerprint(mapping: ObjectMapping, object: PlannedObject): string {
  const planned = {
    mapping,
    objectType: object.objectType,
    idProperty: object.idProperty,
    idValue: object.idValue,
    properties: object.properties.map((p) => [p.field, p.value, p.mode]),
  };
  return createHash('sha256').update(canonicalJson(planned)).digest('base64url');
}

/** JSON with object keys sorted, so that equal content gives equal text whatever order its keys were built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
