// A receiver killed with SIGKILL during a backfill continues after the restart from its last finished page:
// every order ends up in HubSpot exactly once, and the pages before the resume point are not read again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillProgressView } from '../../receiver/sync/backfill';
import { startProcessStack, type ProcessStack } from '../helpers/process-stack';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

describe('backfill across a SIGKILL', () => {
  let stack: ProcessStack;
  let codes: string[];

  beforeAll(async () => {
    stack = await startProcessStack({ hubspot: { rateLimit: { limit: Infinity, intervalMs: 10_000 }, latencyMs: 60, recordBodies: false } });
    codes = stack.pretix.generateOrders(ORGANIZER, EVENT, 3_000, { secondPositionRate: 0 });
  }, 60_000);
  afterAll(() => stack?.close());

  it('resumes from the last finished page without duplicates or gaps', async () => {
    const { pretix, hubspot, eventPath } = stack;
    await stack.admin.post(`${eventPath}/backfill`);
    const before = await waitFor(async () => {
      const { backfill } = await stack.admin.get<{ backfill: BackfillProgressView }>(`${eventPath}/backfill`);
      return backfill.nextPage >= 8 ? backfill : null;
    }, 'some pages done', 60_000, 20);
    expect(before.state).toBe('running');
    await stack.kill('SIGKILL');
    // A list request the dead process had in flight is still answered (and recorded) by the fake: let it land first.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const listRequestsBefore = pretix.requests.filter((r) => r.kind === 'orderList').length;

    await stack.restart();
    const { backfill } = await waitFor(async () => {
      const progress = await stack.admin.get<{ backfill: BackfillProgressView }>(`${eventPath}/backfill`);
      return progress.backfill.state === 'done' ? progress : null;
    }, 'backfill done after restart', 90_000, 100);
    expect(stack.receiver.output()).toMatch(/resumed 1 backfill/);

    // The first list request after the restart asked for a page past 1: the last one persisted before the kill
    // (at most the one observed, since the observation can be ahead of the disk by a write or two).
    const afterRestart = pretix.requests.filter((r) => r.kind === 'orderList').slice(listRequestsBefore);
    const firstPage = Number(new URLSearchParams(afterRestart[0]!.query).get('page'));
    expect(firstPage).toBeGreaterThan(1);
    expect(firstPage).toBeLessThanOrEqual(before.nextPage);
    expect(afterRestart.length).toBe(Math.ceil((codes.length + 2) / 50) - firstPage + 1);

    const deals = hubspot.objects(PORTAL_ID, 'deals').map((d) => d.properties.pretix_order_id);
    expect(deals.length).toBe(new Set(deals).size);
    const all = new Set(deals);
    for (const code of [...codes, 'Q7X3M', 'R2D9K']) expect(all.has(code)).toBe(true);
    expect(backfill.total).toBe(codes.length + 2);
  }, 150_000);
});
