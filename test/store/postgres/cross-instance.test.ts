// What must hold when several receiver instances share one PostgreSQL database: duplicates arriving at two
// instances at once make one job, concurrent claims are disjoint, a dead instance's claims are taken over once
// they run out (and not before), and migrations run by instances starting together are harmless.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMigrations } from '../../../receiver/store/postgres/migrations';
import { openPostgresStore, type PostgresStore } from '../../../receiver/store/postgres/postgres-store';
import { createTestDatabase, skipPostgres } from '../../helpers/postgres-cluster';
import { connection, key, trigger } from '../contract/store-contract';

describe.skipIf(skipPostgres)('PostgreSQL store across instances', () => {
  let url: string;
  let clock: number;
  const stores: PostgresStore[] = [];
  const instance = async (name: string, claimTtlMs = 60_000) => {
    const store = await openPostgresStore(url, { instanceId: name, claimTtlMs, clock: () => clock });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    url = await createTestDatabase();
    clock = 1_000_000;
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('takes a notification delivered to two instances at the same moment in once', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    for (let n = 1; n <= 25; n += 1) {
      const results = await Promise.all([a.acceptWebhook(`c1:${n}`, trigger(`O${n}`), 1000 + n), b.acceptWebhook(`c1:${n}`, trigger(`O${n}`), 1000 + n)]);
      expect(results.sort()).toEqual(['duplicate', 'queued']);
    }
    expect(await a.listJobs()).toHaveLength(25);
    expect((await a.getJob(key('O7')))?.triggers).toEqual(['pretix.event.order.placed']);
  });

  it('answers every kind of delivery within one shared statement as it would answer it alone', async () => {
    const a = await instance('a');
    await a.saveConnection(connection('c1'));
    await a.saveEventConfig({ connectionId: 'c1', event: 'democon', enabled: true, mappings: [], updatedAt: 'z' });
    const basis = { webhookFingerprint: 'fp-c1', organizer: 'org-c1' };
    expect(await a.acceptWebhook('c1:1', trigger('HASJOB'), 1000)).toBe('queued');
    // Counted, and its failures kept: a failed statement would send its items the merging way and hide it.
    let statements = 0;
    const failures: unknown[] = [];
    const query = a.pool.query.bind(a.pool);
    a.pool.query = ((config: unknown, values?: unknown) => {
      const result = query(config as never, values as never) as unknown as Promise<unknown>;
      if ((config as { name?: string }).name === 'accept_webhooks') {
        statements += 1;
        result.catch((error: unknown) => failures.push(error));
      }
      return result;
    }) as typeof a.pool.query;
    // Asked in one turn of the event loop, they share one statement.
    const results = await Promise.all([
      a.acceptWebhook('c1:2', trigger('FIRST'), 1001),
      a.acceptWebhook('c1:3', trigger('NEW'), 1002, basis),
      a.acceptWebhook('c1:3', trigger('NEW'), 1002, basis), // the same notification again
      a.acceptWebhook('c1:4', trigger('TWICE'), 1003),
      a.acceptWebhook('c1:5', trigger('TWICE', 'pretix.event.order.paid'), 1003), // the same order, another notification
      a.acceptWebhook('c1:6', trigger('HASJOB', 'pretix.event.order.paid'), 1004, basis), // an order with a job
      a.acceptWebhook('c1:7', trigger('STALE'), 1005, { ...basis, webhookFingerprint: 'fp-replaced' }),
      a.acceptWebhook('c1:1', trigger('HASJOB'), 1006), // seen before
    ]);
    expect(failures).toEqual([]);
    expect(statements).toBe(1);
    expect(results).toEqual(['queued', 'queued', 'duplicate', 'queued', 'merged', 'merged', 'stale', 'duplicate']);
    const triggers = Object.fromEntries((await a.listJobs()).map((job) => [job.code, job.triggers]));
    expect(triggers).toEqual({
      HASJOB: ['pretix.event.order.placed', 'pretix.event.order.paid'],
      FIRST: ['pretix.event.order.placed'],
      NEW: ['pretix.event.order.placed'],
      TWICE: ['pretix.event.order.placed', 'pretix.event.order.paid'],
    });
    // Taken in once each; the stale one not at all (its redelivery is new).
    expect(await a.acceptWebhook('c1:5', trigger('TWICE', 'pretix.event.order.paid'), 2000)).toBe('duplicate');
    expect(await a.acceptWebhook('c1:7', trigger('STALE'), 2000, basis)).toBe('queued');
  });

  it('makes one pending job of two notifications of one order arriving at two instances at once', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    for (let n = 1; n <= 25; n += 1) {
      const results = await Promise.all([
        a.acceptWebhook(`c1:${2 * n}`, trigger(`O${n}`), 1000),
        b.acceptWebhook(`c1:${2 * n + 1}`, trigger(`O${n}`, 'pretix.event.order.paid'), 1000),
      ]);
      expect(results.sort()).toEqual(['merged', 'queued']);
    }
    const jobs = await a.listJobs();
    expect(jobs).toHaveLength(25);
    expect(jobs.every((j) => j.triggers.length === 2 && j.state === 'pending')).toBe(true);
  });

  it('takes in webhooks arriving together in shared statements, with duplicates and orders that have a job among them', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    // 200 orders; each gets its placed notification at both instances (a duplicate) and a paid one at one of them
    // (a merge), all asked for at once, so that every instance's calls share batches.
    const calls: Promise<string>[] = [];
    for (let n = 1; n <= 200; n += 1) {
      calls.push(a.acceptWebhook(`c1:${n}`, trigger(`O${n}`), 1000));
      calls.push(b.acceptWebhook(`c1:${n}`, trigger(`O${n}`), 1000));
      calls.push((n % 2 ? a : b).acceptWebhook(`c1:${10_000 + n}`, trigger(`O${n}`, 'pretix.event.order.paid'), 1001));
    }
    const results = await Promise.all(calls);
    const count = (r: string) => results.filter((x) => x === r).length;
    expect({ queued: count('queued'), merged: count('merged'), duplicate: count('duplicate') }).toEqual({ queued: 200, merged: 200, duplicate: 200 });
    const jobs = await a.listJobs();
    expect(jobs).toHaveLength(200);
    for (const job of jobs) expect([...job.triggers].sort()).toEqual(['pretix.event.order.paid', 'pretix.event.order.placed']);
    // Every notification is remembered once: a redelivery of any of them is a duplicate.
    expect(await b.acceptWebhook('c1:10077', trigger('O77', 'pretix.event.order.paid'), 2000)).toBe('duplicate');
    expect(await a.acceptWebhook('c1:77', trigger('O77'), 2000)).toBe('duplicate');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM seen_notifications');
      expect(Number(rows[0]!.n)).toBe(400);
    } finally {
      await db.end();
    }
  });

  it('gives concurrent claims of two instances disjoint sets of jobs that together are all of them', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    await a.enqueue(Array.from({ length: 300 }, (_, i) => trigger(`O${i}`)), 1000);
    const rounds = await Promise.all([a, b, a, b, a, b].map((s) => s.claimDueJobs(2000, 60)));
    const keys = rounds.flat().map((j) => j.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(300);
    const { rows } = await a.pool.query<{ claimed_by: string; n: string }>("SELECT claimed_by, count(*) AS n FROM jobs WHERE state = 'in_flight' GROUP BY 1");
    expect(rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(300);
  });

  it('makes an exclusive claim take nothing while another instance is claiming, and everything due once it is done', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    await a.enqueue(Array.from({ length: 10 }, (_, i) => trigger(`O${i}`)), 1000);
    // The claims' lock, held as an exclusive claim holds it while its statement runs.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query("SELECT pg_advisory_xact_lock(hashtextextended('claim:due', 0))");
      expect(await b.claimDueJobs(2000, 100, { exclusive: true })).toEqual([]);
      // A claim that does not ask for exclusivity (one process on its own) is not held up.
      expect(await a.claimDueJobs(2000, 4)).toHaveLength(4);
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    expect(await b.dueSummary(2000, 100)).toMatchObject({ due: 6 });
    expect(await b.claimDueJobs(2000, 100, { exclusive: true })).toHaveLength(6);
  });

  it("takes a dead instance's claims over once they run out, and not while they hold", async () => {
    const a = await instance('a', 10_000);
    await a.enqueue(Array.from({ length: 10 }, (_, i) => trigger(`O${i}`)), 1000);
    expect(await a.claimDueJobs(2000, 100)).toHaveLength(10);
    // "a" dies: its claims are neither completed nor renewed.
    await a.close();
    stores.splice(stores.indexOf(a), 1);

    const b = await instance('b', 10_000);
    clock += 5_000;
    expect(await b.recoverInFlight(clock)).toBe(0);
    expect(await b.claimDueJobs(clock, 100)).toEqual([]);
    expect(await b.nextDueAt()).toBe(1_000_000 + 10_000);
    expect(await b.dueSummary(clock, 100)).toMatchObject({ due: 0 });

    clock += 5_001;
    // Waiting for a claim again, since they were first due: the flush policy sees them as long overdue.
    expect(await b.dueSummary(clock, 100)).toEqual({ due: 10, oldestAt: 1000, oldestPromptAt: 1000, newestAt: 1000 });
    const taken = await b.claimDueJobs(clock, 100);
    expect(taken).toHaveLength(10);
    await b.completeJobs(taken.map((j) => j.key), clock);
    expect(await b.listJobs()).toEqual([]);
  });

  it('keeps renewing the claims of a long batch while its jobs are completed in turns, and no other instance takes one', async () => {
    // The real clock: renewals run on the store's own timer. A short TTL (renewal every 100 ms) and a claim of 600
    // jobs completed 50 at a time, each completion a transaction that locks its rows in key order while the renewal
    // rewrites the rest: the renewal must neither deadlock with them nor pile up and starve the pool.
    const ttlMs = 300;
    const open = async (name: string) => {
      const store = await openPostgresStore(url, { instanceId: name, claimTtlMs: ttlMs, poolSettings: { connectionTimeoutMs: 2_000 } });
      stores.push(store);
      return store;
    };
    const [a, b] = [await open('a'), await open('b')];
    const codes = Array.from({ length: 600 }, (_, i) => `O${String(i).padStart(4, '0')}`);
    // Queued in reverse order, so that the table's rows do not lie in key order (as webhooks arriving in any order).
    const queuedAt = Date.now() - 1_000;
    for (const [i, code] of [...codes].reverse().entries()) await a.enqueue([trigger(code)], queuedAt + i);
    const claimed = await a.claimDueJobs(Date.now(), 600);
    expect(claimed).toHaveLength(600);

    const takenByB: string[] = [];
    let done = false;
    const watching = (async () => {
      while (!done) {
        takenByB.push(...(await b.claimDueJobs(Date.now(), 600)).map((job) => job.key));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const startedAt = Date.now();
    const keys = claimed.map((job) => job.key);
    try {
      for (let i = 0; i < keys.length; i += 50) {
        await a.completeJobs(keys.slice(i, i + 50), Date.now());
        // Held for several TTLs in all.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      done = true;
      await watching;
    }
    expect(Date.now() - startedAt).toBeGreaterThan(3 * ttlMs);
    expect(takenByB).toEqual([]);
    expect(await a.listJobs()).toEqual([]);
  });

  it('drops the outcome of an instance whose claim was taken over: the job is synced by one instance at a time', async () => {
    const a = await instance('a', 10_000);
    const b = await instance('b', 10_000);
    await a.enqueue([trigger('A')], 1000);
    expect(await a.claimDueJobs(2000, 10)).toHaveLength(1);
    // "a" stalls past its lease (no renewal reached the database) and "b" takes the job over.
    await a.pool.query('UPDATE jobs SET claim_expires_at = $1', [clock - 1]);
    expect((await b.claimDueJobs(clock, 10)).map((j) => j.key)).toEqual([key('A')]);
    await a.completeJobs([key('A')], clock);
    await a.failJob(key('A'), { failureClass: 'transient', message: 'late', nextAttemptAt: clock }, clock);
    await a.releaseJobs([key('A')], clock);
    expect(await b.getJob(key('A'))).toMatchObject({ state: 'in_flight', attempts: 0 });
    expect(await a.claimDueJobs(clock, 10)).toEqual([]);
    // recoverInFlight of "a" (a restart) leaves the live claim of "b" alone.
    expect(await a.recoverInFlight(clock)).toBe(0);
    await b.completeJobs([key('A')], clock);
    expect(await b.getJob(key('A'))).toBeUndefined();
  });

  it('completes, of one batch, only the jobs this instance still holds; a job to rerun goes back in line', async () => {
    const a = await instance('a', 10_000);
    const b = await instance('b', 10_000);
    await a.enqueue([trigger('A'), trigger('B'), trigger('C'), trigger('D')], 1000);
    expect(await a.claimDueJobs(2000, 10)).toHaveLength(4);
    await a.acceptWebhook('c1:9', trigger('D', 'pretix.event.order.paid'), 2500);
    await a.pool.query('UPDATE jobs SET claim_expires_at = $1 WHERE key = $2', [clock - 1, key('B')]);
    expect((await b.claimDueJobs(clock, 10)).map((j) => j.key)).toEqual([key('B')]);
    await a.completeJobs([key('D'), key('C'), key('B'), key('A'), key('missing')], 3000);
    expect((await a.listJobs()).map((j) => [j.key, j.state])).toEqual([
      [key('B'), 'in_flight'],
      [key('D'), 'pending'],
    ]);
    expect(await a.getJob(key('D'))).toMatchObject({ rerun: false, nextAttemptAt: 3000 });
  });

  it('runs migrations once, however many instances start at the same moment, and again harmlessly', async () => {
    const pools = Array.from({ length: 3 }, () => new pg.Pool({ connectionString: url, max: 2 }));
    try {
      const applied = await Promise.all(pools.map((p) => runMigrations(p)));
      expect(applied.filter((versions) => versions.length > 0)).toHaveLength(1);
      expect(await runMigrations(pools[0]!)).toEqual([]);
      const { rows } = await pools[0]!.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
      expect(Number(rows[0]!.n)).toBe(applied.flat().length);
      // Three stores opening together on the migrated database work side by side.
      const opened = await Promise.all(['x', 'y', 'z'].map((name) => instance(name)));
      await Promise.all(opened.map((s, i) => s.enqueue([trigger(`O${i}`)], 1000)));
      expect(await opened[0]!.listJobs()).toHaveLength(3);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
