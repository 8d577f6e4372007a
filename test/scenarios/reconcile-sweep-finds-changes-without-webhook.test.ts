// pretix fires no webhook for some changes. The reconcile sweep lists orders modified since its watermark and
// syncs those whose sync record is older, using the orders it already listed (no extra order fetch).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepState } from '../../receiver/store/types';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';

describe('reconcile sweep', () => {
  let stack: Stack;
  let path: string;

  beforeAll(async () => {
    stack = await startStack();
    const connection = await stack.connect();
    path = `/connections/${connection.id}/events/${EVENT}`;
    await stack.admin.put(`${path}/mappings?enable=true`, exampleMappingsBody());
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', 'Q7X3M'), 'first sync');
    await waitFor(async () => (await stack.store.listJobs()).length === 0, 'queue drained');
  });
  afterAll(() => stack.close());

  it('queues only the order changed without a webhook and syncs it from the listed data', async () => {
    // The first sweep sees Q7X3M unchanged since its sync (and R2D9K never synced).
    const first = await stack.admin.post<{ sweep: SweepState }>(`${path}/sweep`);
    expect(first.sweep.lastError).toBeNull();
    await waitFor(async () => (await stack.store.listJobs()).length === 0, 'queue drained');

    stack.pretix.updateOrder(ORGANIZER, EVENT, 'Q7X3M', (order) => {
      order.status = 'n'; // a refund back to pending: pretix sends no webhook for it
    });
    stack.pretix.resetStats();
    const { sweep } = await stack.admin.post<{ sweep: SweepState }>(`${path}/sweep`);
    expect(sweep).toMatchObject({ lastFound: 1, lastEnqueued: 1, lastError: null });
    await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', 'Q7X3M')?.properties.dealstage === 'appointmentscheduled', 'deal back to pending');
    const stats = stack.pretix.stats(ORGANIZER);
    expect(stats.orderDetail).toBe(0); // the worker used the order the sweep had listed
    expect(stats.orderList).toBe(1);
  });

  it('moves its watermark, so an unchanged event costs one request', async () => {
    await waitFor(async () => (await stack.store.listJobs()).length === 0, 'queue drained');
    stack.pretix.resetStats();
    const { sweep } = await stack.admin.post<{ sweep: SweepState }>(`${path}/sweep`);
    expect(sweep.lastEnqueued).toBe(0);
    expect(stack.pretix.stats(ORGANIZER).total).toBe(1);
    const { sweeps } = await stack.admin.get<{ sweeps: SweepState[] }>('/sweeps');
    expect(sweeps).toEqual([expect.objectContaining({ event: EVENT, lastEnqueued: 0, watermark: expect.any(String) })]);
    const page = await (await fetch(`${stack.receiverUrl}/`)).text();
    expect(page).toMatch(/Last reconcile sweep [\d-]+ [\d:]+: \d+ modified order\(s\) looked at, 0 queued/);
  });

  it('does not revive a job that failed and waits for a person', async () => {
    await stack.admin.put(`${path}/mappings`, [
      { id: 9, pretix_model: 'Order', external_object_type: 'contacts', pretix_id_field: 'email', external_id_field: 'email', property_mappings: [{ pretix_field: 'order_status', external_field: 'lifecyclestage', value_map: '{"p":"customer"}', overwrite: 'overwrite' }] },
    ]);
    await stack.admin.post(`${path}/orders/Q7X3M/sync`);
    await waitFor(async () => (await stack.store.queueCounts()).failed === 1, 'config failure');
    stack.pretix.updateOrder(ORGANIZER, EVENT, 'Q7X3M', (order) => {
      order.comment = 'touched';
    });
    const { sweep } = await stack.admin.post<{ sweep: SweepState }>(`${path}/sweep`);
    expect(sweep.lastFound).toBe(1);
    expect(sweep.lastEnqueued).toBe(0);
    expect((await stack.store.queueCounts()).failed).toBe(1);
  });
});
