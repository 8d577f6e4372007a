// A claim lasts as long as its instance works on the job, however long the batch takes: two receiver processes on
// one PostgreSQL with a 2 s claim TTL, HubSpot answering so slowly that one batch is held for several TTLs. The
// other instance never takes a job over while its instance lives (every job has one claimer from start to end, read
// from the jobs table), and every order is written to HubSpot exactly once.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncJob } from '../../receiver/store/types';
import { createTestDatabase, skipPostgres } from '../helpers/postgres-cluster';
import { startPostgresReceivers, type PostgresReceivers } from '../helpers/postgres-receivers';
import { orderWebhookSender } from '../helpers/order-webhooks';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

const CLAIM_TTL_MS = 2_000;
/** Each HubSpot request of the batch: a batch makes several in a row, so it is held for well over 3 TTLs. */
const HUBSPOT_LATENCY_MS = 2_500;

describe.skipIf(skipPostgres)('two receivers on one PostgreSQL, a batch held longer than the claim TTL', () => {
  let world: PostgresReceivers;
  let db: pg.Client;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    world = await startPostgresReceivers({ databaseUrl, count: 2, env: { DATABASE_CLAIM_TTL: `${CLAIM_TTL_MS}ms`, LEASE_TTL: '2s', RECONCILE_INTERVAL: '0' } });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await world?.close();
  });

  it('keeps every in-flight job with the instance that claimed it, and writes each order once', async () => {
    world.hubspot.setLatency(HUBSPOT_LATENCY_MS);
    const codes = world.pretix.generateOrders(ORGANIZER, EVENT, 30);
    // Who claimed each job, sampled from the table (every 50 ms) until the queue is empty.
    const claimers = new Map<string, Set<string>>();
    const firstSeen = new Map<string, number>();
    let longestHeldMs = 0;
    const sample = async () => {
      const { rows } = await db.query<{ key: string; claimed_by: string | null; state: string }>('SELECT key, claimed_by, state FROM jobs');
      const t = Date.now();
      for (const row of rows) {
        if (row.state !== 'in_flight' || row.claimed_by === null) continue;
        const set = claimers.get(row.key) ?? new Set<string>();
        set.add(row.claimed_by);
        claimers.set(row.key, set);
        if (!firstSeen.has(row.key)) firstSeen.set(row.key, t);
        longestHeldMs = Math.max(longestHeldMs, t - firstSeen.get(row.key)!);
      }
      return rows;
    };

    // Half to each instance, the second half once the first is in flight: both hold a slow batch of their own, the
    // first one's claims run out (unrenewed) while the second instance is idle and looking for due work.
    const path = new URL(world.connection.webhookUrl).pathname;
    const senders = world.receivers.map((receiver, i) => orderWebhookSender(`${receiver!.url}${path}`, 7_000 + 1_000 * i));
    const half = codes.length / 2;
    for (const code of codes.slice(0, half)) expect((await senders[0]!(code)).status).toBe(200);
    await waitFor(async () => (await sample()).filter((row) => row.state === 'in_flight').length === half, 'first half in flight', 30_000, 50);
    for (const code of codes.slice(half)) expect((await senders[1]!(code)).status).toBe(200);
    await waitFor(async () => (await sample()).length === 0, 'queue drained', 90_000, 50);

    // The slow HubSpot did hold batches for several TTLs (else the test proves nothing).
    expect(longestHeldMs).toBeGreaterThan(3 * CLAIM_TTL_MS);
    expect([...new Set([...claimers.values()].flatMap((set) => [...set]))].length).toBe(2);
    const takenOver = [...claimers].filter(([, set]) => set.size > 1).map(([key]) => key);
    expect(takenOver).toEqual([]);

    const writes = new Map<string, number>();
    for (const input of world.hubspot.upsertInputs(PORTAL_ID, 'deals')) writes.set(input.id, (writes.get(input.id) ?? 0) + 1);
    expect(codes.filter((code) => writes.get(code) !== 1).map((code) => ({ code, writes: writes.get(code) ?? 0 }))).toEqual([]);
    const jobs = (await world.admin.get<{ jobs: SyncJob[] }>('/jobs')).jobs;
    expect(jobs).toEqual([]);
  }, 120_000);
});
