// shutDown() in the receiver's own process, over real HTTP against the loopback fakes, with HubSpot answering slowly:
// intake closes first (503 + Retry-After on every route, nothing stored), the syncs under way are cut off at the
// deadline and their jobs go back in line (a backfill stays resumable), and the whole stop stays within the
// deadline plus its short graces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutDown } from '../../receiver/shutdown';
import { EVENT, ORGANIZER, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';

describe('shutDown()', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    const connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  it('closes intake at once, cuts off slow syncs at the deadline and puts their jobs back', async () => {
    const { pretix, hubspot, store, app } = stack;
    let hubspotRequestsArrived = 0;
    hubspot.setLatency(() => {
      hubspotRequestsArrived += 1;
      return 3_000;
    });
    // Queued while the worker waits, so that its next cycle finds them all.
    await app.services.worker.stop();
    for (const code of pretix.generateOrders(ORGANIZER, EVENT, 150)) await pretix.emit(ORGANIZER, EVENT, code, 'pretix.event.order.placed');
    app.services.worker.start();
    // The flush policy claims whole batches: 100 in flight, 50 waiting for the next cycle.
    await waitFor(async () => (await store.queueCounts()).inFlight === 100, 'the worker to claim a batch', 10_000);
    await waitFor(() => hubspotRequestsArrived > 0, 'the batch to be under way in HubSpot', 10_000, 5);

    const startedAt = Date.now();
    const stopping = shutDown({ server: app.server, intake: app.intake, services: app.services, store, timeoutMs: 1_000, logger: app.server.log });

    const [late] = pretix.generateOrders(ORGANIZER, EVENT, 1);
    const delivery = await pretix.emit(ORGANIZER, EVENT, late!, 'pretix.event.order.placed');
    expect(delivery.calls.map((call) => call.status)).toEqual([503, 503, 503, 503]);
    const health = await fetch(`${stack.receiverUrl}/healthz`);
    expect(health.status).toBe(503);
    expect(health.headers.get('retry-after')).toBe('10');
    expect(await health.json()).toMatchObject({ error: 'shutting_down' });

    await stopping;
    // The batch under way (3 s per HubSpot call) is given the whole 1 s deadline, then at most the cut's and the
    // server's half-second graces.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(Date.now() - startedAt).toBeLessThan(2_500);
    const jobs = await store.listJobs();
    expect(jobs.map((job) => job.code)).not.toContain(late);
    expect(jobs).toHaveLength(150);
    for (const job of jobs) expect(job).toMatchObject({ state: 'pending', attempts: 0 });
    expect(hubspot.objects('4242', 'deals')).toHaveLength(0);
  });
});

describe('shutDown() during a backfill', () => {
  let stack: Stack;
  let eventPath: string;

  beforeAll(async () => {
    stack = await startStack();
    const connection = await stack.connect();
    eventPath = `/connections/${connection.id}/events/${EVENT}`;
    await stack.admin.put(`${eventPath}/mappings?enable=true`, exampleMappingsBody());
    stack.pretix.generateOrders(ORGANIZER, EVENT, 300);
  });
  afterAll(() => stack.close());

  it('cuts its batches off at the deadline and leaves it running, to resume from its first unfinished page', async () => {
    const { pretix, hubspot, store, app } = stack;
    hubspot.setLatency(3_000); // every batch needs several calls: none can finish within the deadline
    const connectionId = eventPath.split('/')[2]!;
    await stack.admin.post(`${eventPath}/backfill`);
    // Four pages read: at least one batch of 100 is under way in HubSpot.
    await waitFor(() => pretix.stats(ORGANIZER).orderList >= 5, 'the backfill to read its first pages', 10_000);

    const startedAt = Date.now();
    await shutDown({ server: app.server, intake: app.intake, services: app.services, store, timeoutMs: 1_000, logger: app.server.log });
    expect(Date.now() - startedAt).toBeLessThan(2_500);

    // Not failed, not canceled, nothing counted: the cut batches' orders are neither synced nor failed jobs.
    expect(await store.getBackfill(connectionId, EVENT)).toMatchObject({ state: 'running', nextPage: 1, processed: 0, failed: 0, error: null });
    expect(await store.listJobs()).toEqual([]);
  });
});
