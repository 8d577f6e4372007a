// A backfill saturates the portal's HubSpot budget; meanwhile a person opens the contact card and clicks "Sync now"
// on an order the backfill would reach last. The card answers within 2 s and the order is in HubSpot within 3 s
// (from the fake HubSpot's creation timestamp), while the backfill is still running and nothing got a 429: the
// interactive reserve and the queue jump, not luck. Limits scaled down from 110/10 s so the backfill lasts ~10 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactOrdersResponse, SyncOrderResponse } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { BackfillProgressView } from '../../receiver/sync/backfill';
import { startApiStack, type ApiStack } from '../api/signed-client';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from './mappings';

const HUBSPOT = { limit: 55, intervalMs: 5_000 };
const PRETIX = { limit: 120, intervalMs: 10_000 };

describe('Sync now and the card during a backfill that saturates the budget', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  let lastCode: string;
  let buyerEmail: string;
  const path = () => `/connections/${connection.id}/events/${EVENT}/backfill`;

  beforeAll(async () => {
    stack = await startApiStack({
      hubspotRateLimit: HUBSPOT,
      pretixRateLimit: PRETIX,
      env: { HUBSPOT_RATE_LIMIT: `${HUBSPOT.limit}/${HUBSPOT.intervalMs}ms`, PRETIX_RATE_LIMIT: `${PRETIX.limit}/${PRETIX.intervalMs}ms` },
    });
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    const codes = stack.pretix.generateOrders(ORGANIZER, EVENT, 2_500);
    lastCode = codes[codes.length - 1]!;
    buyerEmail = String(stack.pretix.getOrder(ORGANIZER, EVENT, lastCode)!.email);
  }, 60_000);
  afterAll(() => stack.close());

  it('answers the card within 2 s and has the order in HubSpot within 3 s, backfill still running, no 429', async () => {
    await stack.admin.post(path());
    const limiter = stack.app.services.hubspotLimiter;
    // Saturated: background work holds its whole share of the window and more of it waits.
    await waitFor(() => {
      const usage = limiter.usage(PORTAL_ID);
      return usage.inWindow + usage.open >= HUBSPOT.limit - limiter.reserve && usage.waiting.background > 0;
    }, 'the backfill to saturate the HubSpot budget', 20_000);

    const clickedAt = Date.now();
    const [card, syncNow] = await Promise.all([
      stack.api.get<ContactOrdersResponse>('/api/v1/contacts/1/orders', { email: buyerEmail }).then((answer) => ({ answer, at: Date.now() })),
      stack.api.send<SyncOrderResponse>('POST', '/api/v1/orders/sync', { connectionId: connection.id, event: EVENT, code: lastCode }).then((answer) => ({ answer, at: Date.now() })),
    ]);
    expect(card.answer.status).toBe(200);
    expect(card.answer.body.orders.map((o) => o.code)).toContain(lastCode);
    expect(card.at - clickedAt).toBeLessThanOrEqual(2_000);
    expect(syncNow.answer.status).toBe(202);
    expect(syncNow.at - clickedAt).toBeLessThanOrEqual(2_000);

    const deal = await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', lastCode), 'the order in HubSpot', 20_000);
    expect(Date.parse(deal.createdAt) - clickedAt).toBeLessThanOrEqual(3_000);
    // The backfill had not got there by itself: it was still running after the deal existed.
    const { backfill } = await stack.admin.get<{ backfill: BackfillProgressView }>(path());
    expect(backfill.state).toBe('running');
    expect(limiter.usage(PORTAL_ID).admitted.interactive).toBeGreaterThan(0);

    await waitFor(async () => (await stack.admin.get<{ backfill: BackfillProgressView }>(path())).backfill.state !== 'running', 'the backfill to finish', 60_000);
    expect((await stack.admin.get<{ backfill: BackfillProgressView }>(path())).backfill).toMatchObject({ state: 'done', failed: 0 });
    expect(stack.hubspot.rateLimitedCount(PORTAL_ID)).toBe(0);
    expect(stack.pretix.stats(ORGANIZER).throttled).toBe(0);
  }, 120_000);
});
