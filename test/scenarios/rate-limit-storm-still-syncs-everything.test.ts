// A burst of orders against HubSpot with a tight rate limit and a storm of injected 429s: everything is synced,
// and the receiver's own pacing never sends a request over the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';

const LIMIT = { limit: 8, intervalMs: 1_000 };

describe('429 storm', () => {
  let stack: Stack;
  let codes: string[];

  beforeAll(async () => {
    stack = await startStack({
      hubspotRateLimit: LIMIT,
      pretixRateLimit: { limit: 30, intervalMs: 1_000 },
      env: { HUBSPOT_RATE_LIMIT: '8/1s', PRETIX_RATE_LIMIT: '30/1s', SYNC_RETRY_BASE: '100ms' },
    });
    const connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    codes = stack.pretix.generateOrders(ORGANIZER, EVENT, 250);
  });
  afterAll(() => stack.close());

  it('syncs 250 orders through 429s with Retry-After', async () => {
    stack.hubspot.failNext({ count: 6, status: 429, retryAfterSeconds: 1 });
    await Promise.all(codes.map((code) => stack.pretix.emit(ORGANIZER, EVENT, code, 'pretix.event.order.placed')));
    await waitFor(async () => (await stack.store.listJobs()).length === 0, 'all jobs done', 60_000);
    const deals = stack.hubspot.objects(PORTAL_ID, 'deals');
    expect(new Set(deals.map((d) => d.properties.pretix_order_id))).toEqual(new Set(codes));
    expect((await stack.store.queueCounts()).failed).toBe(0);
  }, 90_000);

  it('never exceeded either limit', () => {
    expect(stack.hubspot.maxRequestsInAnyWindow(PORTAL_ID)).toBeLessThanOrEqual(LIMIT.limit);
    // Only the six injected 429s: our own pacing caused none.
    expect(stack.hubspot.rateLimitedCount(PORTAL_ID)).toBe(6);
    expect(stack.pretix.maxRequestsInAnyWindow(ORGANIZER, 1_000)).toBeLessThanOrEqual(30);
  });
});
