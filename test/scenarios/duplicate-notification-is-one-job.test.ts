// pretix may deliver the same notification twice, and sends several notifications for one order in a row:
// a repeated notification_id is acknowledged but queues nothing; several triggers merge into one job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';

describe('duplicate notification ids', () => {
  let stack: Stack;
  let connectionId: string;

  beforeAll(async () => {
    // A worker that never runs, so the queue can be inspected before anything is synced.
    stack = await startStack();
    await stack.app.services.worker.stop();
    connectionId = (await stack.connect()).id;
    await stack.admin.put(`/connections/${connectionId}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  it('answers a redelivery with 200 "duplicate" and keeps one job', async () => {
    const placed = await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    const calls = await stack.pretix.redeliver(placed.notificationId);
    expect(calls.map((c) => c.status)).toEqual([200]);
    expect(await stack.store.listJobs()).toHaveLength(1);
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.paid');
    const jobs = await stack.store.listJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.triggers).toEqual(['pretix.event.order.placed', 'pretix.event.order.paid']);
  });

  it('syncs that one job once', async () => {
    stack.app.services.worker.start();
    await waitFor(async () => (await stack.store.listJobs()).length === 0, 'job done');
    expect(stack.hubspot.requestCount({ portalId: PORTAL_ID, route: 'batch/upsert' })).toBe(3); // one per mapping
    expect(stack.hubspot.objects(PORTAL_ID, 'deals')).toHaveLength(1);
  });
});
