// Three receiver processes on one PostgreSQL behind a round-robin proxy, as compose.yaml runs them (with three):
// a burst of 1,000 orders spread over them, one of them killed with SIGKILL in the middle of it. Every acknowledged
// order reaches HubSpot, each deal written once (twice at most for a job that was in flight at the kill: its batch
// may have reached HubSpot before the kill and its claim expires to another instance), counted from the upserts
// the fake HubSpot received; the three together stay within the portal's 110 requests per 10 s, without a 429.
// Then: the same delivery reaching two instances at the same moment is one job; a backfill whose instance dies is
// finished by another.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncJob } from '../../receiver/store/types';
import type { BackfillProgressView } from '../../receiver/sync/backfill';
import { createTestDatabase } from '../helpers/postgres-cluster';
import { startPostgresReceivers, type PostgresReceivers } from '../helpers/postgres-receivers';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { REPO_ROOT } from '../helpers/receiver-process';
import { waitFor } from '../helpers/wait-for';

// Runs once receiver/main.ts opens a PostgreSQL store on DATABASE_URL with the shared coordination (skipped, visibly,
// on a branch without them).
const main = readFileSync(join(REPO_ROOT, 'receiver/main.ts'), 'utf8');
const integrated = existsSync(join(REPO_ROOT, 'receiver/store/postgres/pool.ts')) && /PostgresStore/.test(main) && main.includes('openPostgresCoordination');

describe.skipIf(!integrated)('three receivers on one PostgreSQL', () => {
  let world: PostgresReceivers;

  beforeAll(async () => {
    // A slow HubSpot keeps jobs in flight when the kill lands. Claims and leases expire within seconds here. A live
    // instance's claims are renewed through its batches however long they wait for the shared budget: before the
    // renewal stopped deadlocking with the instance's own completions, 3 s cost 17 orders written once too often.
    world = await startPostgresReceivers({ databaseUrl: await createTestDatabase(), count: 3, hubspot: { latencyMs: 40 }, env: { LEASE_TTL: '2s', DATABASE_CLAIM_TTL: '3s' } });
    world.pretix.addWebhook(ORGANIZER, { target_url: world.connection.webhookUrl, all_events: true, limit_events: [], action_types: ['pretix.event.order.placed'] });
  }, 120_000);
  afterAll(() => world?.close());

  const drained = () => waitFor(async () => (await world.admin.get<{ jobs: SyncJob[] }>('/jobs')).jobs.length === 0, 'queue drained', 120_000, 200);

  it('syncs every acknowledged order of a 1,000-order burst exactly once although one instance is killed mid-burst', async () => {
    const { pretix, hubspot } = world;
    const burst = pretix.placeOrders(ORGANIZER, EVENT, 1_000, { lanes: 8 });
    await waitFor(() => Object.values(world.proxy.served()).reduce((a, b) => a + b, 0) >= 400, '400 deliveries through the proxy', 60_000, 5);
    // What was in flight at the kill (on any instance): the only jobs that may be written twice.
    const inFlightBefore = (await world.instance(0).get<{ jobs: SyncJob[] }>('/jobs')).jobs.filter((job) => job.state === 'in_flight').map((job) => job.code);
    await world.kill(2);
    const inFlightAfter = (await world.instance(0).get<{ jobs: SyncJob[] }>('/jobs')).jobs.filter((job) => job.state === 'in_flight').map((job) => job.code);
    const mayRepeat = new Set([...inFlightBefore, ...inFlightAfter]);
    const placed = await burst;
    const acknowledged = placed.filter((order) => order.firstAckAt !== null).map((order) => order.code);
    expect(acknowledged.length).toBe(1_000); // pretix's immediate retries reached a live instance
    await drained();

    const writes = new Map<string, number>();
    for (const input of hubspot.upsertInputs(PORTAL_ID, 'deals')) writes.set(input.id, (writes.get(input.id) ?? 0) + 1);
    const outOfBounds = acknowledged.flatMap((code) => {
      const count = writes.get(code) ?? 0;
      const max = mayRepeat.has(code) ? 2 : 1;
      return count < 1 || count > max ? [{ code, count, max }] : [];
    });
    expect(outOfBounds).toEqual([]);
    expect(hubspot.rateLimitedCount(PORTAL_ID)).toBe(0);
    expect(hubspot.maxRequestsInAnyWindow(PORTAL_ID)).toBeLessThanOrEqual(110);
  }, 240_000);

  it('makes one job of the same delivery reaching two instances at the same moment', async () => {
    const codes = world.pretix.generateOrders(ORGANIZER, EVENT, 20);
    const path = new URL(world.connection.webhookUrl).pathname;
    const answers = await Promise.all(
      codes.flatMap((code, i) => {
        const body = JSON.stringify({ notification_id: 900_000 + i, organizer: ORGANIZER, event: EVENT, code, action: 'pretix.event.order.placed' });
        return [0, 1].map((index) => fetch(`${world.receivers[index]!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => ({ code, status: r.status, body: (await r.json()) as { status?: string } })));
      }),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    for (const code of codes) {
      const results = answers.filter((answer) => answer.code === code).map((answer) => answer.body.status).sort();
      expect(results).toEqual(['duplicate', 'queued']);
    }
    await drained();
    const writes = new Map<string, number>();
    for (const input of world.hubspot.upsertInputs(PORTAL_ID, 'deals')) writes.set(input.id, (writes.get(input.id) ?? 0) + 1);
    for (const code of codes) expect(writes.get(code)).toBe(1);
  }, 120_000);

  it('finishes a backfill on another instance when the instance running it dies', async () => {
    world.pretix.generateOrders(ORGANIZER, EVENT, 3_000);
    await world.instance(0).post(`${world.eventPath}/backfill`);
    await waitFor(async () => (await world.instance(1).get<{ backfill: BackfillProgressView }>(`${world.eventPath}/backfill`)).backfill.nextPage >= 5, 'backfill past page 5', 60_000, 50);
    await world.kill(0);
    const { backfill } = await waitFor(async () => {
      const progress = await world.instance(1).get<{ backfill: BackfillProgressView }>(`${world.eventPath}/backfill`);
      return progress.backfill.state === 'done' ? progress : null;
    }, 'backfill done on another instance', 180_000, 200);
    expect(backfill.failed).toBe(0);
    const deals = new Set(world.hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id));
    expect(deals.size).toBeGreaterThanOrEqual(backfill.total! - 2);
  }, 240_000);
});
