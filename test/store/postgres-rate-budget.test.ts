// The shared rate budget and the leases in a real PostgreSQL (a throwaway cluster): three limiters, each with its
// own pool as three receiver instances would have, never let more than `limit` requests touch one window together;
// a slot costs about one round trip; leases go to one holder however many race for them.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Priority } from '../../receiver/lib/rate-limiter';
import type { BudgetWindow } from '../../receiver/lib/shared-budget';
import { createSharedRateLimiter } from '../../receiver/lib/shared-rate-limiter';
import { createPostgresLeases, LEASES_SCHEMA } from '../../receiver/store/postgres/leases';
import { createPostgresBudget, RATE_BUDGET_SCHEMA } from '../../receiver/store/postgres/rate-budget';
import { createTestDatabase } from '../helpers/postgres-cluster';
import { waitFor } from '../helpers/wait-for';

let databaseUrl: string;
const pools: pg.Pool[] = [];
const pool = () => {
  const created = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pools.push(created);
  return created;
};

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  await pool().query(RATE_BUDGET_SCHEMA + LEASES_SCHEMA);
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

const seeded = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

describe('PostgreSQL rate budget', () => {
  it('keeps three instances together within `limit` per window, with about one round trip per request', async () => {
    const intervalMs = 500;
    // 5 ms of safety: a release reaches the database a moment after the instance saw the answer.
    const window: BudgetWindow = { limit: 20, reserve: 2, graceMs: 100, windowMs: intervalMs + 5, holdMs: 5000 };
    const budgets = [0, 1, 2].map(() => createPostgresBudget(pool(), { scope: 'test-a', window }));
    const limiters = budgets.map((budget) => createSharedRateLimiter({ budget, intervalMs }));
    const random = seeded(11);
    type Request = { priority: Priority; admittedAt: number; releasedAt: number | null };
    const requests: Request[] = [];
    const violations: string[] = [];
    const aliveAt = (t: number) => requests.filter((r) => r.admittedAt <= t && (r.releasedAt === null || r.releasedAt > t - intervalMs)).length;
    const startedAt = Date.now();
    const runs = limiters.flatMap((limiter, instance) =>
      Array.from({ length: 60 }, async (_, i) => {
        const priority: Priority = i % 10 === 9 ? 'interactive' : 'background';
        const release = await limiter.acquire('portal-1', priority);
        const request: Request = { priority, admittedAt: Date.now(), releasedAt: null };
        requests.push(request);
        const alive = aliveAt(request.admittedAt);
        if (alive > window.limit) violations.push(`${priority} on ${instance}: ${alive} alive`);
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(random() * 40)));
        request.releasedAt = Date.now();
        release();
      }),
    );
    await Promise.all(runs);
    const elapsed = Date.now() - startedAt;
    expect(violations).toEqual([]);
    expect(requests).toHaveLength(180);
    // Limited by the window, not by the database: 180 requests at 20 per window need 8 more windows at least, and
    // the window was kept full (each slot also counts its answer time, ≤ 42 ms).
    expect(elapsed).toBeGreaterThanOrEqual(8 * intervalMs);
    expect(elapsed).toBeLessThan(10 * (intervalMs + 60) + 2000);
    const trips = budgets.reduce((sum, budget) => sum + budget.roundTrips(), 0);
    // All three saturated on one key, slots leaving every 25 ms: the odd refused take (another instance got the slot
    // that left) costs a trip more; measured 1.1–1.6 here (2.3 before waiters took turns). Bounded so a herd shows.
    const perRequest = trips / requests.length;
    process.stderr.write(`postgres rate budget: ${perRequest.toFixed(2)} round trips per request (3 saturated instances, 500 ms window)\n`);
    expect(perRequest).toBeLessThan(2);
    await Promise.all(budgets.map((budget) => budget.close()));
  }, 60_000);

  it('counts the slot of an instance that died mid-request until its hold time and one window have passed', async () => {
    const window: BudgetWindow = { limit: 1, reserve: 0, graceMs: 0, windowMs: 200, holdMs: 300 };
    const dead = createSharedRateLimiter({ budget: createPostgresBudget(pool(), { scope: 'test-b', window }), intervalMs: 200 });
    const alive = createSharedRateLimiter({ budget: createPostgresBudget(pool(), { scope: 'test-b', window }), intervalMs: 200 });
    const takenAt = Date.now();
    await dead.acquire('p'); // never released
    await alive.acquire('p');
    expect(Date.now() - takenAt).toBeGreaterThanOrEqual(490);
  });

  it('keeps scopes apart: a HubSpot portal and a pretix organizer of the same name have their own windows', async () => {
    const window: BudgetWindow = { limit: 1, reserve: 0, graceMs: 0, windowMs: 60_000, holdMs: 1000 };
    const hubspot = createPostgresBudget(pool(), { scope: 'hubspot', window });
    const pretix = createPostgresBudget(pool(), { scope: 'pretix', window });
    expect((await hubspot.take('same', 'background')).granted).toBe(true);
    expect((await pretix.take('same', 'background')).granted).toBe(true);
    expect(await hubspot.take('same', 'interactive')).toMatchObject({ granted: false, used: 1 });
    await waitFor(() => hubspot.inWindow('same') === 1, 'usage read from the database');
  });
});

describe('PostgreSQL leases', () => {
  it('gives a lease to exactly one of many racing instances, and to another once it expires or is released', async () => {
    const instances = Array.from({ length: 8 }, (_, i) => createPostgresLeases(pool(), `instance-${i}`));
    const won = await Promise.all(instances.map((leases) => leases.acquire('backfill:c1:democon', 300)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = instances[won.indexOf(true)]!;
    const other = instances[(won.indexOf(true) + 1) % instances.length]!;
    expect(await other.renew('backfill:c1:democon', 300)).toBe(false);
    expect(await winner.renew('backfill:c1:democon', 300)).toBe(true);
    // The winner stops renewing (its instance died): once the lease ran out, someone else gets it.
    await waitFor(() => other.acquire('backfill:c1:democon', 10_000), 'expired lease taken over', 5000, 50);
    expect(await winner.renew('backfill:c1:democon', 300)).toBe(false);
    await other.release('backfill:c1:democon');
    expect(await winner.acquire('backfill:c1:democon', 300)).toBe(true);
  });
});
