// Changing a mapping does not silently leave existing records as they were: saving says which mappings changed,
// and a backfill limited to them rewrites only those objects, keeping the order's other objects on record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncRecord } from '../../receiver/store/types';
import type { BackfillProgressView } from '../../receiver/sync/backfill';
import { EVENT, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';

describe('re-sync after a mapping change', () => {
  let stack: Stack;
  let path: string;
  let connectionId: string;

  beforeAll(async () => {
    stack = await startStack();
    connectionId = (await stack.connect()).id;
    path = `/connections/${connectionId}/events/${EVENT}`;
    await stack.admin.put(`${path}/mappings?enable=true`, exampleMappingsBody());
    await stack.admin.post(`${path}/backfill`);
    await waitFor(async () => (await stack.admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`)).backfill.state === 'done', 'first backfill');
  });
  afterAll(() => stack.close());

  it('reports the changed mapping and applies only it to existing orders', async () => {
    const body = exampleMappingsBody();
    const deal = body.object_mappings.find((m) => m.id === 3)!;
    deal.property_mappings.push({ pretix_field: 'event_order_code', external_field: 'dealname', value_map: '', overwrite: 'overwrite' });
    const saved = await stack.admin.put<{ resync: { changedMappingIds: string[]; hasSyncedOrders: boolean; hint: string } }>(`${path}/mappings`, body);
    expect(saved.resync).toMatchObject({ changedMappingIds: ['3'], hasSyncedOrders: true });
    expect(saved.resync.hint).toMatch(/backfill/);

    stack.hubspot.resetTraffic();
    await stack.admin.post(`${path}/backfill`, { mappingIds: saved.resync.changedMappingIds });
    await waitFor(async () => (await stack.admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`)).backfill.state === 'done', 'limited backfill');

    expect(stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', 'Q7X3M')?.properties.dealname).toBe('DEMOCON-Q7X3M');
    const routes = stack.hubspot.routeCounts(PORTAL_ID);
    expect(routes['POST /crm/v3/objects/deals/batch/upsert']).toBe(1);
    // Mapping 3 associates with mapping 1, so mapping 1 ran too (its ids are needed); mapping 2 did not.
    expect(routes['POST /crm/v3/objects/contacts/batch/upsert']).toBe(1);
    expect(stack.hubspot.objects(PORTAL_ID, 'contacts').find((c) => c.properties.email === 'john.smith@example.org')).toBeDefined();
    const { record } = await stack.admin.get<{ record: SyncRecord }>(`/records/${connectionId}/${EVENT}/Q7X3M`);
    expect(record.objects.map((o) => o.mappingId).sort()).toEqual(['1', '2', '2', '3']);
  });

  it('an unchanged save reports nothing to re-sync', async () => {
    const again = await stack.admin.put<{ resync: { changedMappingIds: string[] } }>(`${path}/mappings`, exampleMappingsBody());
    // The previous test's change is undone here, so mapping 3 differs again; saving the same body twice does not.
    expect(again.resync.changedMappingIds).toEqual(['3']);
    const twice = await stack.admin.put<{ resync: { changedMappingIds: string[] } }>(`${path}/mappings`, exampleMappingsBody());
    expect(twice.resync.changedMappingIds).toEqual([]);
  });
});
