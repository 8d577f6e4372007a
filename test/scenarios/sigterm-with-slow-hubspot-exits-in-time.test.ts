// SIGTERM while HubSpot answers every request in 2 s and a few hundred jobs are claimed: intake stops first (new
// webhooks get 503 with Retry-After and are not stored), in-flight HubSpot requests get until SHUTDOWN_TIMEOUT
// (default 8 s), unfinished jobs go back in line, and the process exits within 10 s. After a restart every
// acknowledged order is in HubSpot, none twice, and none of the refused ones is queued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_ACTIONS } from '../../receiver/cli/commands';
import type { SyncJob } from '../../receiver/store/types';
import { startProcessStack, type ProcessStack } from '../helpers/process-stack';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { orderWebhookSender } from '../helpers/order-webhooks';

describe('SIGTERM with a slow HubSpot', () => {
  let stack: ProcessStack;
  let send: ((code: string) => Promise<Response>) | null = null;
  const webhook = (code: string) => (send ??= orderWebhookSender(stack.connection.webhookUrl, 5_000))(code);

  beforeAll(async () => {
    stack = await startProcessStack({ hubspot: { latencyMs: 2_000 } });
    stack.pretix.addWebhook(ORGANIZER, { target_url: stack.connection.webhookUrl, all_events: true, limit_events: [], action_types: ORDER_ACTIONS });
  }, 60_000);
  afterAll(() => stack?.close());

  it('stops intake, exits within 10 s, and the restarted receiver syncs every acknowledged order', async () => {
    const { pretix, hubspot, receiver } = stack;
    const codes = pretix.generateOrders(ORGANIZER, EVENT, 300);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < codes.length) expect((await webhook(codes[next++]!)).status).toBe(200);
      }),
    );
    // The worker is in the middle of its cycle: HubSpot has answered a first request, hundreds of jobs remain.
    await waitFor(() => hubspot.requestCount({ portalId: PORTAL_ID }) >= 1, 'a first HubSpot answer', 30_000, 20);

    const signalledAt = Date.now();
    receiver.child.kill('SIGTERM');
    await waitFor(async () => (await fetch(`${receiver.url}/healthz`)).status === 503, 'the receiver to start draining', 5_000, 10);

    const refused = pretix.generateOrders(ORGANIZER, EVENT, 10);
    for (const code of refused) {
      const response = await webhook(code);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await response.json()) as { error: string }).error).toBe('shutting_down');
    }

    await receiver.exited;
    const exitedAfterMs = Date.now() - signalledAt;
    expect(exitedAfterMs).toBeLessThanOrEqual(10_000);
    expect(receiver.child.exitCode).toBe(0);
    expect(hubspot.objects(PORTAL_ID, 'deals').length).toBeLessThan(codes.length); // the deadline cut the cycle short

    hubspot.setLatency(0);
    await stack.start();
    // Put back, not failed: nothing waits for a person, and no attempt was counted against a job.
    const { jobs } = await stack.admin.get<{ jobs: SyncJob[] }>('/jobs');
    expect(jobs.filter((job) => job.state === 'failed')).toEqual([]);
    expect(jobs.filter((job) => job.attempts > 0)).toEqual([]);
    expect(jobs.filter((job) => refused.includes(job.code))).toEqual([]);

    await waitFor(() => {
      const synced = new Set(hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id));
      return codes.every((code) => synced.has(code));
    }, 'every acknowledged order in HubSpot', 60_000, 100);
    const deals = hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id);
    expect(deals.length).toBe(new Set(deals).size);
    expect(deals.filter((code) => refused.includes(code!))).toEqual([]);
  }, 120_000);
});
