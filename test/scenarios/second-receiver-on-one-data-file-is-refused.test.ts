// Two receivers on one DATA_FILE: the second must stop at once, naming the file and the first one's pid, without
// touching the data (before the lock it replayed the journal, checkpointed and deleted the segments the first was
// still appending to, and webhooks the first acknowledged afterwards were gone after its next restart).
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_ACTIONS } from '../../receiver/cli/commands';
import { directorySnapshot } from '../helpers/data-snapshot';
import { startProcessStack, type ProcessStack } from '../helpers/process-stack';
import { runReceiverExpectingExit } from '../helpers/receiver-process';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { orderWebhookSender } from '../helpers/order-webhooks';

describe('a second receiver on the same data file', () => {
  let stack: ProcessStack;

  beforeAll(async () => {
    stack = await startProcessStack();
    stack.pretix.addWebhook(ORGANIZER, { target_url: stack.connection.webhookUrl, all_events: true, limit_events: [], action_types: ORDER_ACTIONS });
  }, 60_000);
  afterAll(() => stack?.close());

  it('exits at once naming the file and the holder, and the first loses nothing', async () => {
    const { pretix, hubspot, connection } = stack;
    const codes = pretix.generateOrders(ORGANIZER, EVENT, 60);
    const acknowledged: string[] = [];
    const webhook = orderWebhookSender(connection.webhookUrl, 5_000);
    const send = async (code: string) => {
      const response = await webhook(code);
      expect(response.ok).toBe(true);
      acknowledged.push(code);
    };
    // HubSpot holds its answers while the second process tries, so the first has its jobs in flight and writes
    // nothing meanwhile: the webhooks are in its journal, not yet in a checkpoint (what the second one used to replay,
    // checkpoint and delete).
    stack.hubspot.setLatency(15_000); // below the receiver's 20 s HubSpot timeout: held, not failed
    await Promise.all(codes.slice(0, 30).map(send));

    // The second process: the same DATA_FILE and, as a second `npm start` would, the same port.
    const dataDir = dirname(stack.env.DATA_FILE!);
    const before = await directorySnapshot(dataDir);
    const started = Date.now();
    const second = await runReceiverExpectingExit(stack.env);
    const tookMs = Date.now() - started;
    const after = await directorySnapshot(dataDir);
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(stack.env.DATA_FILE);
    expect(second.output).toContain(`pid ${stack.receiver.child.pid}`);
    expect(second.output).not.toContain('EADDRINUSE'); // it stopped at the lock, before it got anywhere near the port
    expect(tookMs, `the second process took ${tookMs} ms`).toBeLessThan(10_000);
    // Nothing written or deleted by the second one.
    expect(after).toEqual(before);
    stack.hubspot.setLatency(0);

    // The first one still takes webhooks, then dies without a chance to checkpoint.
    expect((await fetch(`${stack.receiver.url}/healthz`)).ok).toBe(true);
    await Promise.all(codes.slice(30).map(send));
    await stack.restart('SIGKILL');

    await waitFor(() => {
      const synced = new Set(hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id));
      return acknowledged.every((code) => synced.has(code));
    }, 'every acknowledged order in HubSpot', 60_000, 100);
    expect(acknowledged).toHaveLength(codes.length);
  }, 120_000);
});
