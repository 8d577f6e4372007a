// A supervisor or container runtime signals only the process it started. Started with `npm start` (the real npm),
// a SIGTERM to npm's pid alone must reach node: node exits within 10 s, the port is free again, and after a restart
// every order whose webhook was acknowledged with 2xx is in HubSpot, none twice.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_ACTIONS } from '../../receiver/cli/commands';
import { startProcessStack, type ProcessStack } from '../helpers/process-stack';
import { descendantPids, processAlive } from '../helpers/receiver-process';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { orderWebhookSender } from '../helpers/order-webhooks';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('SIGTERM to the `npm start` process alone, in the middle of a burst', () => {
  let stack: ProcessStack;
  /** npm's shell and node, recorded before the signal: a node that outlives npm is no longer npm's descendant. */
  let started: number[] = [];
  const acknowledged = new Set<string>();

  beforeAll(async () => {
    stack = await startProcessStack({ via: 'npm', hubspot: { latencyMs: 40 } });
    stack.pretix.addWebhook(ORGANIZER, { target_url: stack.connection.webhookUrl, all_events: true, limit_events: [], action_types: ORDER_ACTIONS });
  }, 60_000);
  afterAll(async () => {
    // Before the fix node survives npm, still holding the port: end what this test started.
    for (const pid of started.filter(processAlive)) process.kill(pid, 'SIGKILL');
    await stack?.close();
  });

  it('reaches node, which exits within 10 s, frees the port and loses nothing acknowledged', async () => {
    const { pretix, hubspot, connection } = stack;
    const port = Number(new URL(stack.receiver.url).port);
    const codes = pretix.generateOrders(ORGANIZER, EVENT, 400);
    const webhook = orderWebhookSender(connection.webhookUrl);
    const send = async (code: string) => {
      const response = await webhook(code).catch(() => null);
      if (response?.ok) acknowledged.add(code);
    };
    let next = 0;
    const senders = Array.from({ length: 8 }, async () => {
      while (next < codes.length) await send(codes[next++]!);
    });
    await waitFor(() => acknowledged.size >= 100, '100 acknowledged', 30_000, 5);

    const npmPid = stack.receiver.child.pid!;
    started = descendantPids(npmPid);
    expect(started.length).toBeGreaterThan(0);
    const signalledAt = Date.now();
    process.kill(npmPid, 'SIGTERM');
    await waitFor(() => started.every((pid) => !processAlive(pid)), 'node to exit after SIGTERM to npm', 10_000, 20);
    const exitedAfterMs = Date.now() - signalledAt;
    await stack.receiver.exited;
    await Promise.all(senders);
    expect(exitedAfterMs).toBeLessThanOrEqual(10_000);
    expect(await portIsFree(port)).toBe(true);
    expect(acknowledged.size).toBeLessThan(codes.length); // the signal really interrupted the burst

    await stack.start();
    await waitFor(() => {
      const synced = new Set(hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id));
      return [...acknowledged].every((code) => synced.has(code));
    }, 'every acknowledged order in HubSpot', 60_000, 100);
    const deals = hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id);
    expect(deals.length).toBe(new Set(deals).size);
  }, 120_000);
});
