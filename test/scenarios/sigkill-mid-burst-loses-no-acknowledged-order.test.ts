// The receiver is killed with SIGKILL in the middle of a burst of webhooks and started again: every order whose
// webhook was acknowledged with 2xx ends up in HubSpot, and none twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_ACTIONS } from '../../receiver/cli/commands';
import { startProcessStack, type ProcessStack } from '../helpers/process-stack';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

describe('SIGKILL in the middle of a burst', () => {
  let stack: ProcessStack;
  const acknowledged = new Set<string>();

  beforeAll(async () => {
    // A slow HubSpot keeps jobs in flight when the kill lands.
    stack = await startProcessStack({ hubspot: { latencyMs: 40 } });
    stack.pretix.addWebhook(ORGANIZER, { target_url: stack.connection.webhookUrl, all_events: true, limit_events: [], action_types: ORDER_ACTIONS });
  }, 60_000);
  afterAll(() => stack?.close());

  it('syncs every acknowledged order after a restart', async () => {
    const { pretix, hubspot, connection } = stack;
    const codes = pretix.generateOrders(ORGANIZER, EVENT, 400);
    let notification = 1_000;
    const send = async (code: string) => {
      const body = JSON.stringify({ notification_id: notification++, organizer: ORGANIZER, event: EVENT, code, action: 'pretix.event.order.placed' });
      const response = await fetch(connection.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => null);
      if (response?.ok) acknowledged.add(code);
    };
    // Eight senders in parallel, like a busy pretix; the kill lands while they are still sending.
    let next = 0;
    const senders = Array.from({ length: 8 }, async () => {
      while (next < codes.length) await send(codes[next++]!);
    });
    await waitFor(() => acknowledged.size >= 150, '150 acknowledged', 30_000, 5);
    await stack.kill('SIGKILL');
    await Promise.all(senders);
    expect(acknowledged.size).toBeGreaterThanOrEqual(150);
    expect(acknowledged.size).toBeLessThan(codes.length); // the kill really interrupted the burst

    await stack.restart();
    await waitFor(() => {
      const synced = new Set(hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id));
      return [...acknowledged].every((code) => synced.has(code));
    }, 'every acknowledged order in HubSpot', 60_000, 100);
    const deals = hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id);
    expect(deals.length).toBe(new Set(deals).size); // no duplicates
  }, 120_000);
});
