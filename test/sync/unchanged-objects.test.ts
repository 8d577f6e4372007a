// The pieces that decide which writes a batch leaves out: the fingerprint of a planned write, the canonical JSON it
// digests, and which job triggers write everything.
import { describe, expect, it } from 'vitest';
import { objectMappingSchema } from '../../receiver/domain/mapping-schema';
import type { PlannedObject } from '../../receiver/sync/mapping-engine';
import { canonicalJson, plannedFingerprint, triggersForceRewrite } from '../../receiver/sync/unchanged-objects';

const mapping = (overwrite = 'overwrite') =>
  objectMappingSchema.parse({
    id: 1,
    pretix_model: 'Order',
    external_object_type: 'contacts',
    pretix_id_field: 'email',
    external_id_field: 'email',
    property_mappings: [{ pretix_field: 'invoice_address_city', external_field: 'city', value_map: '', overwrite }],
  });
const planned = (value: string | null, idValue = 'ann@example.org'): PlannedObject => ({
  mappingId: '1',
  mappingIndex: 0,
  objectType: 'contacts',
  positionId: null,
  idProperty: 'email',
  idValue,
  properties: [{ field: 'city', value, mode: 'overwrite' }],
  associateWithMappings: [],
});

describe('canonicalJson', () => {
  it('gives the same text whatever order the keys were built in, and leaves undefined out as JSON does', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
    expect(canonicalJson({ a: { c: null, d: [1, { e: 3, f: 2 }] }, b: 1 })).toBe(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } }));
  });
});

describe('plannedFingerprint', () => {
  it('is equal for the same planned write and differs when a value, the identifier or the mapping changes', () => {
    const same = plannedFingerprint(mapping(), planned('Berlin'));
    expect(plannedFingerprint(mapping(), planned('Berlin'))).toBe(same);
    expect(plannedFingerprint(mapping(), planned('Hamburg'))).not.toBe(same);
    expect(plannedFingerprint(mapping(), planned(null))).not.toBe(same);
    expect(plannedFingerprint(mapping(), planned('Berlin', 'bob@example.org'))).not.toBe(same);
    expect(plannedFingerprint(mapping('if_empty'), planned('Berlin'))).not.toBe(same);
  });
});

describe('triggersForceRewrite', () => {
  it('writes everything for a person (Sync now, a retry) and a backfill, not for webhooks and the sweep', () => {
    expect(triggersForceRewrite(['pretix.event.checkin', 'pretix.event.order.paid', 'reconcile'])).toBe(false);
    expect(triggersForceRewrite(['pretix.event.checkin', 'manual'])).toBe(true);
    expect(triggersForceRewrite(['pretix.event.order.placed', 'manual_retry'])).toBe(true);
    expect(triggersForceRewrite(['backfill'])).toBe(true);
  });
});
