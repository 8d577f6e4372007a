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

async function sync(crm: MemoryCrm, batch: PretixOrder[], mappings: ObjectMapping[], previous = new Map<string, SyncRecord>(), force?: (code: string) => boolean) {
  return syncOrderBatch({
    ...(force ? { force } : {}),
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
    await sync(crm, [order!], [contacts(), deals], new Map([[order!.code, first!.record!]]), () => true);
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts', 'upsert deals']);
  });
});

describe('syncOrderBatch leaves objects alone whose planned write did not change', () => {
  const records = (outcomes: Awaited<ReturnType<typeof sync>>) => new Map(outcomes.map((o) => [o.code, o.record!]));

  it('sends nothing for orders planned exactly as their last write, and keeps that write in the record', async () => {
    const crm = new MemoryCrm();
    const batch = orders(3);
    const first = await sync(crm, batch, [contacts(), deals]);
    expect(first.every((o) => o.record!.objects.every((x) => typeof x.fingerprint === 'string'))).toBe(true);
    crm.calls.length = 0;
    const second = await sync(crm, batch, [contacts(), deals], records(first));
    expect(crm.calls).toEqual([]);
    expect(second.map((o) => o.record!.objects)).toEqual(first.map((o) => o.record!.objects));
    expect(second.map((o) => o.record!.associations)).toEqual(first.map((o) => o.record!.associations));
  });

  it('writes only the mapping whose values changed, and associates it through the kept object', async () => {
    const crm = new MemoryCrm();
    const [order] = orders(1);
    const [first] = await sync(crm, [order!], [contacts(), deals]);
    crm.calls.length = 0;
    const changed = { ...order!, total: '999.00' };
    const [second] = await sync(crm, [changed], [contacts(), deals], records([first!]));
    // The deal's id in HubSpot is the same, so its association with the kept contact is already recorded.
    expect(crm.calls).toEqual(['upsert deals']);
    expect(crm.objects.get(`deals:${order!.code}`)!.properties.amount).toBe('999.00');
    expect(second!.record!.objects.find((o) => o.objectType === 'contacts')).toEqual(first!.record!.objects.find((o) => o.objectType === 'contacts'));
    expect(second!.record!.objects.find((o) => o.objectType === 'deals')!.fingerprint).not.toBe(first!.record!.objects.find((o) => o.objectType === 'deals')!.fingerprint);

    crm.calls.length = 0;
    const [third] = await sync(crm, [{ ...changed, email: 'someone.else@example.org' }], [contacts(), deals], records([second!]));
    // A new contact (another identifier): written and associated with the unchanged deal.
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts', 'associate deals>contacts']);
    expect(third!.record!.objects.find((o) => o.objectType === 'deals')).toEqual(second!.record!.objects.find((o) => o.objectType === 'deals'));
  });

  it('writes everything when told to (a person asked, a backfill)', async () => {
    const crm = new MemoryCrm();
    const batch = orders(2);
    const first = await sync(crm, batch, [contacts(), deals]);
    crm.calls.length = 0;
    await sync(crm, batch, [contacts(), deals], records(first), (code) => code === batch[1]!.code);
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts', 'upsert deals']);
    expect(crm.upsertSizes.slice(-2)).toEqual([1, 1]);
  });

  it('writes again after a mapping edit (a mode change is one), and for records from before fingerprints', async () => {
    const crm = new MemoryCrm();
    const [order] = orders(1);
    const [first] = await sync(crm, [order!], [contacts('if_empty'), deals]);
    crm.calls.length = 0;
    await sync(crm, [order!], [contacts('append'), deals], records([first!]));
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts']);

    crm.calls.length = 0;
    const old = { ...first!.record!, objects: first!.record!.objects.map(({ fingerprint: _, ...rest }) => rest) };
    await sync(crm, [order!], [contacts('if_empty'), deals], new Map([[order!.code, old]]));
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts', 'upsert deals']);
  });

  it('writes an object whose last write failed', async () => {
    const crm = new MemoryCrm();
    const [order] = orders(1);
    crm.failUpsertFor.add(order!.code);
    const [failed] = await sync(crm, [order!], [contacts(), deals]);
    expect(failed!.failure).toBeDefined();
    crm.failUpsertFor.clear();
    // The worker keeps the previous record (here: none) for a failed order; the contact that went through is not in it.
    crm.calls.length = 0;
    await sync(crm, [order!], [contacts(), deals]);
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts', 'upsert deals', 'associate deals>contacts']);
  });

  it('sends a shared object whole when one of the orders sharing it changed, so the newer order still wins', async () => {
    const crm = new MemoryCrm();
    const [older, newer] = orders(2).map((o, i) => ({ ...o, email: 'shared@example.org', datetime: `2026-02-0${i + 1}T10:00:00Z` }));
    const first = await sync(crm, [older!, newer!], [contacts(), deals]);
    crm.calls.length = 0;
    crm.upsertSizes.length = 0;
    const moved = { ...older!, invoice_address: { ...older!.invoice_address!, city: 'Hamburg' } };
    await sync(crm, [moved, newer!], [contacts(), deals], records(first));
    // The older order's contact values changed, the newer's did not: the contact goes with both, the newer last.
    expect(crm.calls).toEqual(['read contacts', 'upsert contacts']);
    expect(crm.upsertSizes).toEqual([1]);
    expect(crm.objects.get('contacts:shared@example.org')!.properties.city).toBe(newer!.invoice_address!.city);
  });
});
