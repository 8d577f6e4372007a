// syncOrderBatch against an in-memory HubSpot (CrmClientLike): the requests a batch makes are the ones
// hubspotRequestsPerBatch promises the flush policy, whatever the batch's size, and failures stay with their orders.
import { describe, expect, it } from 'vitest';
import { objectMappingSchema, type ObjectMapping } from '../../receiver/domain/mapping-schema';
import type { PretixOrder } from '../../receiver/pretix/schemas';
import { hubspotRequestsPerBatch, syncOrderBatch } from '../../receiver/sync/sync-batch';
import type { SyncRecord } from '../../receiver/store/types';
import { fixtureContext, paidOrder } from './event-context';
import { MemoryCrm } from './memory-ports';

const contacts = (overwrite = 'if_empty') =>
  objectMappingSchema.parse({
    id: 1,
    pretix_model: 'Order',
    external_object_type: 'contacts',
    pretix_id_field: 'email',
    external_id_field: 'email',
    property_mappings: [
      { pretix_field: 'invoice_address_city', external_field: 'city', value_map: '', overwrite: 'overwrite' },
      { pretix_field: 'invoice_address_company', external_field: 'company', value_map: '', overwrite },
    ],
  });
const deals = objectMappingSchema.parse({
  id: 2,
  pretix_model: 'Order',
  external_object_type: 'deals',
  pretix_id_field: 'order_code',
  external_id_field: 'pretix_order_id',
  property_mappings: [{ pretix_field: 'order_total', external_field: 'amount', value_map: '', overwrite: 'overwrite' }],
  association_mappings: [{ via_mapping_id: 1 }],
});

function orders(n: number): PretixOrder[] {
  const template = paidOrder();
  return Array.from({ length: n }, (_, i) => ({ ...template, code: `B${String(i).padStart(4, '0')}`, email: `buyer${i}@example.org` }));
}

async function sync(crm: MemoryCrm, batch: PretixOrder[], mappings: ObjectMapping[], previous = new Map<string, SyncRecord>()) {
  return syncOrderBatch({
    orders: batch,
    mappings,
    context: fixtureContext(),
    crm,
    portalId: '42',
    connectionId: 'c1',
    recordKey: (code) => `c1:democon:${code}`,
    previousRecord: async (code) => previous.get(code),
    now: () => new Date('2026-03-01T10:00:00Z'),
  });
}

describe('hubspotRequestsPerBatch', () => {
  it('counts a read per mapping with a mode that needs current values, an upsert per mapping and one call per association', () => {
    expect(hubspotRequestsPerBatch([contacts('if_empty'), deals])).toBe(4);
    expect(hubspotRequestsPerBatch([contacts('overwrite'), deals])).toBe(3);
    expect(hubspotRequestsPerBatch([])).toBe(0);
  });

  it.each([1, 10, 100])('is what a batch of %i orders really sends', async (n) => {
    for (const mappings of [[contacts('if_empty'), deals], [contacts('overwrite'), deals], [contacts('append')]]) {
      const crm = new MemoryCrm();
      const outcomes = await sync(crm, orders(n), mappings);
      expect(outcomes.every((o) => o.record)).toBe(true);
      expect(crm.calls).toHaveLength(hubspotRequestsPerBatch(mappings));
    }
  });
});

describe('syncOrderBatch', () => {
  it('writes each mapping as one read and one upsert for all orders, then associates', async () => {
    const crm = new MemoryCrm();
    const outcomes = await sync(crm, orders(3), [contacts(), deals]);
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts', 'upsert deals', 'associate deals>contacts']);
    expect(outcomes.map((o) => o.record?.objects.map((x) => x.objectType))).toEqual([
      ['contacts', 'deals'],
      ['contacts', 'deals'],
      ['contacts', 'deals'],
    ]);
  });

  it("fails only the order whose object HubSpot refused; the others' records are complete", async () => {
    const crm = new MemoryCrm();
    crm.failUpsertFor.add('B0001');
    const outcomes = await sync(crm, orders(3), [contacts(), deals]);
    expect(outcomes.map((o) => (o.record ? 'synced' : o.failure.failureClass))).toEqual(['synced', 'permanent', 'synced']);
    expect(outcomes[1]!.failure?.message).toContain('deals B0001');
  });

  it('does not associate again what the previous record already associated', async () => {
    const crm = new MemoryCrm();
    const [order] = orders(1);
    const [first] = await sync(crm, [order!], [contacts(), deals]);
    crm.calls.length = 0;
    await sync(crm, [order!], [contacts(), deals], new Map([[order!.code, first!.record!]]));
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts', 'upsert deals']);
  });
});
