// "Sync all existing orders": an event enabled on a running shop brings in the orders it already has, page by page,
// within both rate limits; a second backfill meanwhile is refused; a backfill can be canceled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillProgressView } from '../../receiver/sync/backfill';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';

describe('backfill', () => {
  let stack: Stack;
  let path: string;
  let codes: string[];

  beforeAll(async () => {
    stack = await startStack({
      hubspotRateLimit: { limit: 20, intervalMs: 1_000 },
      pretixRateLimit: { limit: 10, intervalMs: 1_000 },
      env: { HUBSPOT_RATE_LIMIT: '20/1s', PRETIX_RATE_LIMIT: '10/1s' },
    });
    const connection = await stack.connect();
    path = `/connections/${connection.id}/events/${EVENT}`;
    await stack.admin.put(`${path}/mappings?enable=true`, exampleMappingsBody());
    codes = stack.pretix.generateOrders(ORGANIZER, EVENT, 430);
  });
  afterAll(() => stack.close());

  it('refuses a backfill of an event that is not enabled or unknown', async () => {
    await expect(stack.admin.post(`${path.replace(EVENT, 'otherevent')}/backfill`)).rejects.toThrow(/not enabled/);
  });

  it('syncs every order of the event, refusing a second run meanwhile', async () => {
    const started = await stack.admin.post<{ backfill: BackfillProgressView }>(`${path}/backfill`);
    expect(started.backfill.state).toBe('running');
    await expect(stack.admin.post(`${path}/backfill`)).rejects.toThrow(/already running/);
    const { backfill } = await waitFor(async () => {
      const progress = await stack.admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`);
      return progress.backfill.state === 'running' ? null : progress;
    }, 'backfill done', 60_000, 100);
    const total = codes.length + 2; // plus the two fixture orders
    expect(backfill).toMatchObject({ state: 'done', total, processed: total, failed: 0, nextPage: Math.ceil(total / 50) + 1 });
    expect(backfill.synced + backfill.skipped).toBe(total);
    const deals = new Set(stack.hubspot.objects(PORTAL_ID, 'deals').map((d) => d.properties.pretix_order_id));
    for (const code of [...codes, 'Q7X3M', 'R2D9K']) expect(deals.has(code)).toBe(true);
    const page = await (await fetch(`${stack.receiverUrl}/`)).text();
    expect(page).toContain(`${backfill.synced} synced, ${backfill.skipped} skipped, 0 failed`);
    expect(page).toMatch(/Backfill done/);
  }, 90_000);

  it('read the orders in pages and stayed within both limits', () => {
    const stats = stack.pretix.stats(ORGANIZER);
    expect(stats.orderList).toBe(Math.ceil((codes.length + 2) / 50));
    expect(stats.orderDetail).toBe(0);
    expect(stack.hubspot.maxRequestsInAnyWindow(PORTAL_ID)).toBeLessThanOrEqual(20);
    expect(stack.hubspot.rateLimitedCount(PORTAL_ID)).toBe(0);
    expect(stack.pretix.maxRequestsInAnyWindow(ORGANIZER, 1_000)).toBeLessThanOrEqual(10);
    expect(stats.throttled).toBe(0);
  });

  it('can be canceled, keeping what was synced', async () => {
    stack.pretix.generateOrders(ORGANIZER, EVENT, 2_000);
    stack.hubspot.setLatency(300);
    await stack.admin.post(`${path}/backfill`);
    await waitFor(async () => (await stack.admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`)).backfill.processed > 0, 'some progress', 30_000, 50);
    const { backfill } = await stack.admin.delete<{ backfill: BackfillProgressView }>(`${path}/backfill`);
    expect(backfill.state).toBe('canceled');
    expect(backfill.processed).toBeLessThan(codes.length + 2_000);
    expect(backfill.nextPage).toBeGreaterThan(1);
    stack.hubspot.setLatency(0);
    await expect(stack.admin.delete(`${path}/backfill`)).rejects.toThrow(/No backfill/);
  }, 60_000);

  it('a backfill that fails midway says why and keeps the progress it made', async () => {
    // Enough pages that the listing is still going when pretix starts refusing.
    stack.pretix.generateOrders(ORGANIZER, EVENT, 5_000);
    stack.hubspot.setLatency(100);
    const dealWritesBefore = stack.hubspot.upsertInputs(PORTAL_ID, 'deals').length;
    const dealsWrittenByThisRun = () => new Set(stack.hubspot.upsertInputs(PORTAL_ID, 'deals').slice(dealWritesBefore).map((input) => input.id));
    await stack.admin.post(`${path}/backfill`);
    await waitFor(async () => (await stack.admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`)).backfill.nextPage > 2, 'two pages done', 30_000, 20);
    stack.pretix.failNext({ count: 20, status: 403, match: 'orderList' });
    const { backfill, dealsWritten, hubspotBusy } = await waitFor(async () => {
      const progress = await stack.admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`);
      // Read HubSpot's side in the same turn as the state, before anything else can happen.
      return progress.backfill.state === 'failed' ? { ...progress, dealsWritten: dealsWrittenByThisRun().size, hubspotBusy: stack.hubspot.requestsInProgress() } : null;
    }, 'backfill failed', 30_000, 50);
    expect(backfill.error).toMatch(/403|permission/);
    expect(backfill.processed).toBeGreaterThan(0);
    expect(backfill.nextPage).toBeGreaterThan(2);
    // Batches that were in flight when pretix refused finished first, so the failed state counts exactly the orders
    // whose deals HubSpot wrote, and HubSpot holds none of their requests any more (a batch still running at 100 ms
    // per request would be in there)...
    expect(dealsWritten).toBe(backfill.processed);
    expect(hubspotBusy).toBe(0);
    stack.hubspot.setLatency(0);
    // ...and nothing changes afterwards: once HubSpot is quiet and the store has written everything, the same state
    // and no further deal written by this run.
    await waitFor(() => stack.hubspot.requestsInProgress() === 0, 'HubSpot quiet');
    await stack.store.flush();
    const later = await stack.admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`);
    expect(later.backfill).toEqual(backfill);
    expect(dealsWrittenByThisRun().size).toBe(backfill.processed);
  }, 60_000);
});
