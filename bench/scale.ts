// `npm run bench -- scale`: several receiver processes on one PostgreSQL (a throwaway cluster, TCP on loopback,
// fsync off as in the tests), each figure beside the one-instance figure of the same run, and lowdb (one process)
// and a bare Fastify route beside those. Bounded: about two and a half minutes on two cores.
//  - intake: acknowledged webhook deliveries per second, autocannon's 32 connections through the round-robin proxy
//    (in this process, as the tests run it) and, beside it, straight at the instances (split over them), 5 s each
//    after a 5 s warm-up. Every delivery is a new order (no two merge into one job row). The instances run at the
//    real rate limits then, as in production, so their workers spend little CPU beside the intake. Beside the straight
//    figure, where its CPU went (bench/process-cpu.ts) and how many deliveries each statement carried: on a machine
//    with fewer cores than busy processes, that is what says what limits it;
//  - sync: 3,000 orders placed in pretix as a burst (16 lanes, each webhook through the proxy), limits lifted, from
//    the first placement until the queue is empty: orders per second, a fresh set of instances for it.
// The three-instance backfill under one shared budget is `npm run bench -- scale-budget` (runSharedBudgetBackfill).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { startPostgresReceivers, type PostgresReceivers } from '../test/helpers/postgres-receivers';
import { startProcessStack, type ProcessStack } from '../test/helpers/process-stack';
import { EVENT, ORGANIZER, PORTAL_ID } from '../test/helpers/stack';
import type { PublicConnection } from '../receiver/connections/connection-service';
import type { QueueCounts } from '../receiver/store/types';
import type { BackfillProgressView } from '../receiver/sync/backfill';
import type { FakePretix } from '../test/fakes/pretix';
import { freePort } from '../test/helpers/free-port';
import { buyerAndDealMappings } from '../test/helpers/mappings';
import { startPostgresCluster } from '../test/helpers/postgres-cluster';
import { adminClientFor, connectFakePretix, receiverEnv, startReceiverFakes } from '../test/helpers/receiver-fakes';
import { descendantPids, startReceiverProcess, type ReceiverProcess } from '../test/helpers/receiver-process';
import { cpuDuring, type CpuTime } from './process-cpu';
import { tempDir } from '../test/helpers/temp-dir';
import { minimumSeconds, REAL_LIMITS } from './backfill';
import { minimumSecondsWithReserve } from './reserve-bound';
import { interactiveRule } from '../receiver/lib/interactive-rule';

const LIFTED = { limit: 1_000_000, intervalMs: 10_000 };
const LIFTED_ENV = { HUBSPOT_RATE_LIMIT: '1000000/10s', PRETIX_RATE_LIMIT: '1000000/10s', RECONCILE_INTERVAL: '0' };
export const REAL_ENV = { HUBSPOT_RATE_LIMIT: '110/10s', PRETIX_RATE_LIMIT: '360/1m', RECONCILE_INTERVAL: '0' };
const DURATION_SEC = 5;
const CONNECTIONS = 32;
const SYNC_ORDERS = 3_000;

const benchStart = performance.now();
/** Progress on stderr, with the seconds since the benchmark started: where a slow run spends its time. */
const progress = (message: string) => process.stderr.write(`[scale ${((performance.now() - benchStart) / 1000).toFixed(1)} s] ${message}\n`);

export interface ScaleResult {
  bareRps: number;
  lowdb: { intakeRps: number; syncOrdersPerSecond: number };
  postgres: { instances: number; intakeRps: number; directIntakeRps: number; directIntakeCost: IntakeCost; syncOrdersPerSecond: number }[];
}

interface LoadResult {
  /** Acknowledged (2xx) requests per second, summed over the URLs. */
  rps: number;
  /** Acknowledged requests in all. */
  acknowledged: number;
}

/** autocannon's `connections` split over `urls` for DURATION_SEC. */
async function load(urls: string[], connections: number, body: () => string): Promise<LoadResult> {
  const share = Math.max(1, Math.floor(connections / urls.length));
  const results = await Promise.all(
    urls.map(
      (url) =>
        new Promise<autocannon.Result>((resolve, reject) =>
          autocannon(
            { url, method: 'POST', connections: share, duration: DURATION_SEC, headers: { 'content-type': 'application/json' }, requests: [{ setupRequest: (r) => ({ ...r, body: body() }) }] },
            (error, result) => (error ? reject(error) : resolve(result)),
          ),
        ),
    ),
  );
  for (const result of results) if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: results.reduce((sum, result) => sum + result.requests.average, 0), acknowledged: results.reduce((sum, result) => sum + result['2xx'], 0) };
}

let notification = 5_000_000;
/** A webhook of a new order each time: its own notification and its own job (the code need not exist in pretix for
 * the intake, which never asks pretix). */
const newOrderPayload = () => {
  notification += 1;
  return JSON.stringify({ notification_id: notification, organizer: ORGANIZER, event: EVENT, code: `B${notification.toString(36).toUpperCase()}`, action: 'pretix.event.order.placed' });
};

/** Warm-up, then the measurement of each set of URLs in turn (same warm instances). */
async function intake(targets: string[][]): Promise<number[]> {
  await load(targets[0]!, CONNECTIONS, newOrderPayload);
  const rates: number[] = [];
  for (const urls of targets) rates.push((await load(urls, CONNECTIONS, newOrderPayload)).rps);
  return rates;
}

/** Where one intake measurement's CPU went, per acknowledged delivery, and how the deliveries shared statements. */
export interface IntakeCost {
  /** Deliveries per accept_webhooks statement: how many requests each round trip carried. */
  deliveriesPerAccept: number;
  /** Every statement the instances ran (the workers' too), per delivery. */
  statementsPerDelivery: number;
  /** CPU time (user + system) per delivery, in µs: the receiver processes, PostgreSQL (server and backends), and
   * this process (autocannon; the fakes and the proxy sit idle meanwhile). */
  receiversUs: number;
  postgresUs: number;
  benchmarkUs: number;
  /** Share of the machine's CPU left idle. */
  idleShare: number;
}

/** One straight measurement, its CPU per process group and its statements (pg_stat_statements, reset first). */
async function measuredIntake(world: PostgresReceivers, databaseUrl: string): Promise<{ rps: number; cost: IntakeCost }> {
  const running = await benchCluster();
  const stats = new pg.Client({ connectionString: running.adminUrl });
  await stats.connect();
  try {
    const serverPid = await running.serverPid();
    await stats.query('SELECT pg_stat_statements_reset()');
    const { result, groups, idleShare } = await cpuDuring(
      {
        receivers: () => world.receivers.flatMap((receiver) => (receiver?.child.pid ? [receiver.child.pid, ...descendantPids(receiver.child.pid)] : [])),
        postgres: () => [serverPid, ...descendantPids(serverPid)],
        benchmark: () => [process.pid],
      },
      () => load(directWebhookUrls(world), CONNECTIONS, newOrderPayload),
    );
    const { rows } = await stats.query<{ statements: string; accepts: string }>(
      `SELECT coalesce(sum(calls), 0) AS statements, coalesce(sum(calls) FILTER (WHERE query LIKE '%accept_webhooks(%'), 0) AS accepts
         FROM pg_stat_statements JOIN pg_database ON pg_database.oid = pg_stat_statements.dbid WHERE datname = $1`,
      [new URL(databaseUrl).pathname.slice(1)],
    );
    const deliveries = Math.max(1, result.acknowledged);
    const perDelivery = (time: CpuTime | undefined) => ((time?.userUs ?? 0) + (time?.systemUs ?? 0)) / deliveries;
    return {
      rps: result.rps,
      cost: {
        deliveriesPerAccept: deliveries / Math.max(1, Number(rows[0]!.accepts)),
        statementsPerDelivery: Number(rows[0]!.statements) / deliveries,
        receiversUs: perDelivery(groups.receivers),
        postgresUs: perDelivery(groups.postgres),
        benchmarkUs: perDelivery(groups.benchmark),
        idleShare,
      },
    };
  } finally {
    await stats.end();
  }
}

/** SYNC_ORDERS orders placed in pretix over 16 lanes (each webhook delivered as pretix does), until the queue is
 * empty: orders per second. */
async function syncThroughput(pretix: FakePretix, jobsLeft: () => Promise<number>, dealsInHubSpot: () => number): Promise<number> {
  const started = performance.now();
  const placed = await pretix.placeOrders(ORGANIZER, EVENT, SYNC_ORDERS, { lanes: 16 });
  const unacknowledged = placed.filter((order) => order.firstAckAt === null).length;
  if (unacknowledged > 0) throw new Error(`${unacknowledged} webhooks were not acknowledged`);
  progress(`  placed in ${((performance.now() - started) / 1000).toFixed(1)} s; waiting for the queue to empty`);
  while ((await jobsLeft()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  const seconds = (performance.now() - started) / 1000;
  if (dealsInHubSpot() < SYNC_ORDERS) throw new Error(`${dealsInHubSpot()} deals in HubSpot for ${SYNC_ORDERS} orders`);
  return SYNC_ORDERS / seconds;
}

/** What is left to do, from the admin API's counts (not the job list, whose size would slow what it watches). */
const queueLeft = async (admin: { get<T>(path: string): Promise<T> }) => {
  const { queue } = await admin.get<{ queue: QueueCounts }>('/status');
  if (queue.failed > 0) throw new Error(`${queue.failed} jobs failed`);
  return queue.pending + queue.inFlight;
};

async function bareRoute(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/acceptance-servers.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const { bare } = JSON.parse(line) as { bare: string };
    const [rps] = await intake([[bare]]);
    return rps!;
  } finally {
    child.kill('SIGTERM');
  }
}

const webhookPath = (connection: PublicConnection) => new URL(connection.webhookUrl).pathname;
const directWebhookUrls = (world: PostgresReceivers) => world.receivers.map((receiver) => `${receiver!.url}${webhookPath(world.connection)}`);
export const addOrderWebhook = (pretix: FakePretix, url: string) =>
  pretix.addWebhook(ORGANIZER, { target_url: url, all_events: true, limit_events: [], action_types: ['pretix.event.order.placed'] });

async function withLowdb<T>(env: Record<string, string>, rateLimit: typeof LIFTED, work: (stack: ProcessStack) => Promise<T>): Promise<T> {
  const stack = await startProcessStack({ hubspot: { rateLimit, recordBodies: false }, env });
  try {
    return await work(stack);
  } finally {
    await stack.close();
  }
}

export async function withPostgres<T>(instances: number, env: Record<string, string>, rateLimit: typeof LIFTED, work: (world: PostgresReceivers, databaseUrl: string) => Promise<T>): Promise<T> {
  const databaseUrl = await freshDatabase();
  const world = await startPostgresReceivers({ databaseUrl, count: instances, hubspot: { rateLimit, recordBodies: false }, env });
  try {
    return await work(world, databaseUrl);
  } finally {
    await world.close();
  }
}

// One throwaway cluster for the benchmark run (the tests get theirs from vitest's global setup), a fresh database per
// measurement so that one run's rows never slow the next. pg_stat_statements counts every statement the instances
// run (pg_stat_database's counters reach the view only when a busy backend next reports, up to seconds later).
let cluster: Awaited<ReturnType<typeof startPostgresCluster>> | null = null;
async function benchCluster(): Promise<NonNullable<typeof cluster>> {
  if (!cluster) {
    cluster = await startPostgresCluster({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').finally(() => admin.end());
  }
  return cluster;
}
let databases = 0;
async function freshDatabase(): Promise<string> {
  const running = await benchCluster();
  const admin = new pg.Client({ connectionString: running.adminUrl });
  await admin.connect();
  const name = `bench_${databases++}`;
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  return `postgres://postgres@127.0.0.1:${running.port}/${name}`;
}

/** Stops the benchmark's cluster (bench/run.ts calls it at the end). */
export async function stopBenchCluster(): Promise<void> {
  await cluster?.stop();
  cluster = null;
}

export async function runScaleBenchmark(): Promise<ScaleResult> {
  progress('bare Fastify route');
  const bareRps = await bareRoute();
  progress(`bare route ${bareRps.toFixed(0)} req/s`);

  progress('lowdb, one process: intake');
  const [lowdbIntake] = await withLowdb(REAL_ENV, REAL_LIMITS.hubspot, (stack) => intake([[stack.connection.webhookUrl]]));
  progress(`lowdb intake ${lowdbIntake!.toFixed(0)} req/s; sync`);
  const lowdbSync = await withLowdb(LIFTED_ENV, LIFTED, (stack) => {
    addOrderWebhook(stack.pretix, stack.connection.webhookUrl);
    return syncThroughput(stack.pretix, () => queueLeft(stack.admin), () => stack.hubspot.objects(PORTAL_ID, 'deals').length);
  });
  progress(`lowdb sync ${lowdbSync.toFixed(0)} orders/s`);

  const postgres: ScaleResult['postgres'] = [];
  for (const instances of [1, 2, 3]) {
    progress(`PostgreSQL, ${instances} instance(s): intake (through the proxy, then straight)`);
    const { intakeRps, direct } = await withPostgres(instances, REAL_ENV, REAL_LIMITS.hubspot, async (world, databaseUrl) => {
      const [proxiedRps] = await intake([[`${world.proxy.url}${webhookPath(world.connection)}`]]);
      return { intakeRps: proxiedRps!, direct: await measuredIntake(world, databaseUrl) };
    });
    const directIntakeRps = direct.rps;
    progress(`  intake ${intakeRps.toFixed(0)} req/s through the proxy, ${directIntakeRps.toFixed(0)} straight; sync`);
    const syncOrdersPerSecond = await withPostgres(instances, LIFTED_ENV, LIFTED, async (world, databaseUrl) => {
      addOrderWebhook(world.pretix, world.connection.webhookUrl);
      // Straight from the table: cheaper than any admin call, and it asks nothing of the instances being measured.
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const jobsLeft = async () => {
          const { rows } = await db.query<{ n: string; failed: string }>("SELECT count(*) AS n, count(*) FILTER (WHERE state = 'failed') AS failed FROM jobs");
          if (Number(rows[0]!.failed) > 0) throw new Error(`${rows[0]!.failed} jobs failed`);
          return Number(rows[0]!.n);
        };
        return await syncThroughput(world.pretix, jobsLeft, () => world.hubspot.objects(PORTAL_ID, 'deals').length);
      } finally {
        await db.end();
      }
    });
    progress(`  sync ${syncOrdersPerSecond.toFixed(0)} orders/s`);
    postgres.push({ instances, intakeRps, directIntakeRps, directIntakeCost: direct.cost, syncOrdersPerSecond });
  }
  progress('done');
  return { bareRps, lowdb: { intakeRps: lowdbIntake!, syncOrdersPerSecond: lowdbSync }, postgres };
}

export interface SharedBudgetBackfillResult {
  instances: number;
  orders: number;
  seconds: number;
  hubspotRequests: number;
  pretixRequests: number;
  theoreticalSeconds: number;
  efficiency: number;
  /** The least time with the interactive reserve counted (bench/reserve-bound.ts), and the efficiency against it. */
  reserveBoundSeconds: number;
  reserveBoundEfficiency: number;
  hubspotMaxInWindow: number;
  pretixMaxInWindow: number;
  hubspot429: number;
  pretix429: number;
}

/**
 * The global budget at the real limits: `instances` receiver processes on one PostgreSQL, each backfilling one
 * event (its share of 10,000 orders) of one organizer into one portal at the same moment. Efficiency as bench/backfill.ts computes it: the least time
 * all their requests together need under the limits, over the time taken.
 */
export async function runSharedBudgetBackfill(instances: number, totalOrders = 10_000): Promise<SharedBudgetBackfillResult> {
  const databaseUrl = await freshDatabase();
  const { pretix, hubspot, close: closeFakes } = await startReceiverFakes({ pretix: { rateLimit: REAL_LIMITS.pretix, maxRecordedRequests: 100 }, hubspot: { rateLimit: REAL_LIMITS.hubspot, recordBodies: false } });
  const dir = await tempDir();
  const receivers: ReceiverProcess[] = [];
  try {
    // One event per instance, so that each backfill has orders of its own.
    const events = Array.from({ length: instances }, (_, i) => (i === 0 ? EVENT : `${EVENT}-${i}`));
    const template = pretix.eventState(ORGANIZER, EVENT);
    for (const event of events.slice(1)) pretix.addEvent(ORGANIZER, { ...template.event, slug: event }, { settings: template.settings, items: template.items, questions: template.questions, checkinLists: template.checkinLists });
    const perEvent = Math.floor(totalOrders / instances);
    for (const event of events) pretix.generateOrders(ORGANIZER, event, event === EVENT ? perEvent - 2 : perEvent, { startDate: '2025-01-01T00:00:00Z', spacingMs: 60_000 });
    for (let i = 0; i < instances; i += 1) {
      receivers.push(await startReceiverProcess({ ...receiverEnv(hubspot, { port: await freePort(), dataFile: `${dir.path}/instance-${i}/state.json` }), RECONCILE_INTERVAL: '0', DATABASE_URL: databaseUrl }));
    }
    const admins = receivers.map((receiver) => adminClientFor(receiver.url));
    const paths: string[] = [];
    // One store for all (DATABASE_URL selects the PostgreSQL store): one connection, one event per instance.
    const connection = await connectFakePretix(admins[0]!, pretix);
    for (const [i, admin] of admins.entries()) {
      const path = `/connections/${connection.id}/events/${events[i]}`;
      await admin.put(`${path}/mappings?enable=true`, buyerAndDealMappings());
      paths.push(path);
    }
    pretix.resetStats();
    hubspot.resetTraffic();
    // Let the set-up's requests leave the windows before the clock starts (as bench/backfill.ts does).
    await new Promise((resolve) => setTimeout(resolve, REAL_LIMITS.hubspot.intervalMs + 200));
    const started = performance.now();
    await Promise.all(admins.map((admin, i) => admin.post(`${paths[i]}/backfill`)));
    await Promise.all(
      admins.map(async (admin, i) => {
        for (;;) {
          const { backfill } = await admin.get<{ backfill: BackfillProgressView }>(`${paths[i]}/backfill`);
          if (backfill.state === 'done') return;
          if (backfill.state !== 'running') throw new Error(`backfill ${i} ended ${backfill.state}: ${backfill.error}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const hubspotRequests = hubspot.requestCount({ portalId: PORTAL_ID });
    const pretixRequests = pretix.stats(ORGANIZER).total;
    const theoreticalSeconds = Math.max(minimumSeconds(hubspotRequests, REAL_LIMITS.hubspot), minimumSeconds(pretixRequests, REAL_LIMITS.pretix));
    const reserveBoundSeconds = Math.max(
      minimumSecondsWithReserve(hubspotRequests, REAL_LIMITS.hubspot, interactiveRule('hubspot', REAL_LIMITS.hubspot.limit)),
      minimumSecondsWithReserve(pretixRequests, REAL_LIMITS.pretix, interactiveRule('pretix', REAL_LIMITS.pretix.limit)),
    );
    return {
      instances,
      orders: perEvent * instances,
      seconds,
      hubspotRequests,
      pretixRequests,
      theoreticalSeconds,
      efficiency: theoreticalSeconds / seconds,
      reserveBoundSeconds,
      reserveBoundEfficiency: reserveBoundSeconds / seconds,
      hubspotMaxInWindow: hubspot.maxRequestsInAnyWindow(PORTAL_ID),
      pretixMaxInWindow: pretix.maxRequestsInAnyWindow(ORGANIZER),
      hubspot429: hubspot.rateLimitedCount(PORTAL_ID),
      pretix429: pretix.stats(ORGANIZER).throttled,
    };
  } finally {
    await Promise.all(receivers.map((receiver) => receiver.killAll()));
    await closeFakes();
    await dir.remove();
  }
}
