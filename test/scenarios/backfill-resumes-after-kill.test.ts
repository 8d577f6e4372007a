// A receiver killed with SIGKILL during a backfill continues after the restart from its last finished page, never
// from before a page the API already showed: progress is on disk before anyone can see it. Every order's deal is
// written once, except those of the pages a restart has to repeat (at most twice), and the pages before the resume
// point are not read again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillProgressView } from '../../receiver/sync/backfill';
import type { FakeHubSpot } from '../fakes/hubspot';
import { startProcessStack, type ProcessStack } from '../helpers/process-stack';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

const PAGE_SIZE = 50;
const FIXTURE_ORDERS = ['Q7X3M', 'R2D9K'];

/** How often each order's deal was sent in an accepted upsert (the fake upserts by pretix_order_id, so counting the
 * stored deals could never find a duplicate write). */
function dealUpsertsPerOrder(hubspot: FakeHubSpot): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of hubspot.requests({ portalId: PORTAL_ID, route: 'POST /crm/v3/objects/deals/batch/upsert' })) {
    if (request.status >= 300) continue;
    for (const input of (request.body as { inputs: { id: string; idProperty: string }[] }).inputs) {
      expect(input.idProperty).toBe('pretix_order_id');
      counts.set(input.id, (counts.get(input.id) ?? 0) + 1);
    }
  }
  return counts;
}

describe('backfill across a SIGKILL', () => {
  let stack: ProcessStack;
  let codes: string[];

  beforeAll(async () => {
    stack = await startProcessStack({ hubspot: { rateLimit: { limit: Infinity, intervalMs: 10_000 }, latencyMs: 60 } });
    codes = stack.pretix.generateOrders(ORGANIZER, EVENT, 3_000, { secondPositionRate: 0 });
  }, 60_000);
  afterAll(() => stack?.close());

  it('resumes at or after the last page the API showed, writing each order once per sync it needed', async () => {
    const { pretix, hubspot, eventPath } = stack;
    await stack.admin.post(`${eventPath}/backfill`);

    // Poll as fast as the API answers, right up to the kill: every answer received came from the live process, so
    // the highest page among them is what a person could have seen last.
    let shown = 0;
    let killing = false;
    let killed = false;
    const poll = (async () => {
      while (!killed) {
        try {
          const { backfill } = await stack.admin.get<{ backfill: BackfillProgressView }>(`${eventPath}/backfill`);
          expect(backfill.state).toBe('running');
          shown = Math.max(shown, backfill.nextPage);
        } catch (error) {
          if (!killing) throw error;
        }
      }
    })();
    await waitFor(() => shown >= 8, 'some pages done', 60_000, 5);
    const listRequestsBefore = pretix.requests.filter((r) => r.kind === 'orderList').length;
    killing = true;
    await stack.kill('SIGKILL');
    killed = true;
    await poll;

    await stack.restart();
    const { backfill } = await waitFor(async () => {
      const progress = await stack.admin.get<{ backfill: BackfillProgressView }>(`${eventPath}/backfill`);
      return progress.backfill.state === 'done' ? progress : null;
    }, 'backfill done after restart', 90_000, 50);
    expect(stack.receiver.output()).toMatch(/resumed 1 backfill/);
    expect(backfill.total).toBe(codes.length + FIXTURE_ORDERS.length);

    // The restarted process lists its pages one after another up to the last; a list request the dead process had in
    // flight may still be recorded after the kill, and is a page at or past the resume point, so the restart's run
    // is the last ascending run of pages.
    const lastPage = Math.ceil((codes.length + FIXTURE_ORDERS.length) / PAGE_SIZE);
    const pages = pretix.requests
      .filter((r) => r.kind === 'orderList')
      .slice(listRequestsBefore)
      .map((r) => Number(new URLSearchParams(r.query).get('page')));
    let runStart = pages.length - 1;
    while (runStart > 0 && pages[runStart - 1] === pages[runStart]! - 1) runStart -= 1;
    const firstPage = pages[runStart]!;
    expect(runStart).toBeLessThanOrEqual(1);
    expect(pages.at(-1)).toBe(lastPage);
    expect(pages.length - runStart).toBe(lastPage - firstPage + 1);
    // Durable before visible: the restart never starts before a page the API showed.
    expect(firstPage).toBeGreaterThanOrEqual(shown);

    const upserts = dealUpsertsPerOrder(hubspot);
    const ordered = [...FIXTURE_ORDERS, ...codes]; // pretix lists by creation time: the fixtures' orders come first
    ordered.forEach((code, index) => {
      const page = Math.floor(index / PAGE_SIZE) + 1;
      const written = upserts.get(code) ?? 0;
      // Pages finished before the resume point were synced once; the repeated pages at most once more.
      if (page < firstPage) expect(written, `order ${code} on page ${page}`).toBe(1);
      else expect(written, `order ${code} on page ${page}`).toBeGreaterThanOrEqual(1);
      expect(written, `order ${code} on page ${page}`).toBeLessThanOrEqual(2);
    });
    expect(upserts.size).toBe(ordered.length);
  }, 150_000);
});
