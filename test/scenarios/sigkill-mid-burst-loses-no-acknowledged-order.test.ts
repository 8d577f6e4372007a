// The receiver is killed with SIGKILL in the middle of a burst of webhooks and started again: every order whose
// webhook was acknowledged with 2xx ends up in HubSpot, and each order's deal is written once per sync it needed:
// counted from the upserts HubSpot received, because the stored deals cannot show a second write (an upsert by the
// unique pretix_order_id overwrites).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_ACTIONS } from '../../receiver/cli/commands';
import { startProcessStack, type ProcessStack } from '../helpers/process-stack';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { orderWebhookSender } from '../helpers/order-webhooks';

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
    const codes = pretix.generateOrders(ORGANIZER, EVENT, 500);
    const webhook = orderWebhookSender(connection.webhookUrl);
    const send = async (code: string) => {
      const response = await webhook(code).catch(() => null);
      if (response?.ok) acknowledged.add(code);
    };
    // Eight senders in parallel, like a busy pretix.
    let next = 0;
    const sendUpTo = (end: number) =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < end) await send(codes[next++]!);
        }),
      );
    // A first wave is synced completely, so that the kill finds orders already done as well as orders still to do.
    const firstWave = 100;
    await sendUpTo(firstWave);
    await waitFor(async () => (await stack.admin.get<{ jobs: unknown[] }>('/jobs')).jobs.length === 0, 'first wave synced', 30_000, 50);
    // Then the burst, and the kill lands while the senders are still sending.
    const senders = sendUpTo(codes.length);
    await waitFor(() => acknowledged.size >= firstWave + 150, '150 more acknowledged', 30_000, 5);
    await stack.kill('SIGKILL');
    await senders;
    expect(acknowledged.size).toBeGreaterThanOrEqual(firstWave + 150);
    expect(acknowledged.size).toBeLessThan(codes.length); // the kill really interrupted the burst

    // What the killed receiver left on disk: the orders whose job is still to do.
    const atKill = await stack.openDataCopy();
    const jobsLeft = new Set((await atKill.store.listJobs({ connectionId: connection.id })).map((job) => job.code));
    await atKill.close();
    // Both kinds of order are there: the first wave done (each later acknowledgement waited for a commit that
    // included those completions), and work the kill left behind.
    expect([...acknowledged].filter((code) => !jobsLeft.has(code)).length).toBeGreaterThanOrEqual(firstWave);
    expect(jobsLeft.size).toBeGreaterThan(0);

    await stack.restart();
    await waitFor(async () => (await stack.admin.get<{ jobs: unknown[] }>('/jobs')).jobs.length === 0, 'queue drained after the restart', 60_000, 100);

    const writes = new Map<string, number>();
    for (const input of hubspot.upsertInputs(PORTAL_ID, 'deals')) {
      expect(input.idProperty).toBe('pretix_order_id');
      writes.set(input.id, (writes.get(input.id) ?? 0) + 1);
    }
    // The exact bound. Every order here has one webhook, so one job; a job leaves the disk only in the commit after
    // its sync succeeded. An order without a job on disk at the kill was synced once and must not be written again.
    // An order whose job is still on disk (queued, or in flight when the kill landed) runs once after the restart;
    // its batch may also have reached HubSpot before the kill, so it was written once or twice. Nothing else writes.
    const outOfBounds = codes.flatMap((code) => {
      const count = writes.get(code) ?? 0;
      const needed = jobsLeft.has(code) ? { min: 1, max: 2 } : acknowledged.has(code) ? { min: 1, max: 1 } : { min: 0, max: 1 };
      return count < needed.min || count > needed.max ? [{ code, count, needed, acknowledged: acknowledged.has(code), jobLeft: jobsLeft.has(code) }] : [];
    });
    expect(outOfBounds).toEqual([]);
    // Every acknowledged order is in HubSpot (the write counts above are of accepted upserts).
    const synced = new Set(hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id));
    expect([...acknowledged].filter((code) => !synced.has(code))).toEqual([]);
  }, 120_000);
});
