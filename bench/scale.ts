// `npm run bench -- scale`: several receiver processes on one PostgreSQL (a throwaway cluster, TCP on loopback,
// fsync off as in the tests), each figure beside the one-instance figure of the same run, and lowdb (one process)
// and a bare Fastify route beside those. Bounded: about three minutes on two cores.
//  - intake: acknowledged webhook deliveries per second. autocannon's 96 connections in all (32 for each of three
//    instances), split over the instances measured: the same offered load for every row, and enough to keep three
//    instances busy (with 32 in all, each of three got 10, and its batches shrank to a third of one instance's).
//    Every delivery is a new order (no two merge into one job row). Three instances run all along and the load goes
//    to one, two or all three of them; the bare route, lowdb and those three are measured in turn, 1 s each after a
//    3 s warm-up, in 15 rounds by default (`--rounds N` for more; each round starts one further along), and every
//    ratio is taken within a round: this host's speed changes by a quarter and more from one second to the next, and
//    short alternating measurements keep most of that out of the ratios. After each round a pause as long as a measurement shows what the backlog left by
//    the rounds so far costs in the background. The instances run at the real rate limits, as in production, so
//    their workers spend little CPU beside the intake. Beside each figure, where its CPU went (bench/process-cpu.ts)
//    and how many deliveries each statement carried: on a machine with fewer cores than busy processes, that is what
//    says what limits it;
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
const DURATION_SEC = 1;
/** Long enough for every process's JIT and pools to settle before the first round. */
const WARM_UP_SEC = 3;
const CONNECTIONS = 96;
/** Rounds of the intake by default; `npm run bench -- scale --rounds N` for more (a narrower interval of each median). */
const DEFAULT_ROUNDS = 15;
const MAX_INSTANCES = 3;
const SYNC_ORDERS = 3_000;

const benchStart = performance.now();
/** Progress on stderr, with the seconds since the benchmark started: where a slow run spends its time. */
const progress = (message: string) => process.stderr.write(`[scale ${((performance.now() - benchStart) / 1000).toFixed(1)} s] ${message}\n`);

/** One round of the intake: every target measured once, one after the other. */
export interface IntakeRound {
  bareRps: number;
  lowdbRps: number;
  /** By the number of instances the load went to: [0] is one instance. */
  postgres: { rps: number; cost: IntakeCost }[];
  /** A pause as long as a measurement after the round: the CPU (µs per second) that the backlog of the rounds so far
   * costs in the background, which every later measurement shares the machine with. */
  pause: { receiversUs: number; postgresUs: number; lowdbUs: number; idleShare: number };
}

export interface ScaleResult {
  rounds: IntakeRound[];
  lowdbSyncOrdersPerSecond: number;
  /** By the number of instances, as `postgres` above. */
  syncOrdersPerSecond: number[];
}

interface LoadResult {
  /** Acknowledged (2xx) requests per second, summed over the URLs. */
  rps: number;
  /** Acknowledged requests in all. */
  acknowledged: number;
}

/** autocannon's `connections` split over `urls` for `seconds`. */
async function load(urls: string[], connections: number, body: () => string, seconds = DURATION_SEC): Promise<LoadResult> {
  const share = Math.max(1, Math.floor(connections / urls.length));
  const results = await Promise.all(
    urls.map(
      (url) =>
        new Promise<autocannon.Result>((resolve, reject) =>
          autocannon(
            { url, method: 'POST', connections: share, duration: seconds, headers: { 'content-type': 'application/json' }, requests: [{ setupRequest: (r) => ({ ...r, body: body() }) }] },
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

/** A process and everything it started (none when it is gone). */
const processTree = (pid: number | undefined) => (pid ? [pid, ...descendantPids(pid)] : []);
/** Every receiver process of the world, and PostgreSQL's server with its backends. */
const worldProcesses = (world: PostgresReceivers, serverPid: number) => ({
  receivers: () => world.receivers.flatMap((receiver) => processTree(receiver?.child.pid)),
  postgres: () => processTree(serverPid),
});

/** One measurement of `urls` (some of the world's instances), its CPU per process group (every instance counts, the
 * idle ones too) and its statements (pg_stat_statements, reset first). */
async function measuredIntake(world: PostgresReceivers, databaseUrl: string, urls: string[]): Promise<{ rps: number; cost: IntakeCost }> {
  const running = await benchCluster();
  const stats = new pg.Client({ connectionString: running.adminUrl });
  await stats.connect();
  try {
    const serverPid = await running.serverPid();
    await stats.query('SELECT pg_stat_statements_reset()');
    const { result, groups, idleShare } = await cpuDuring(
      {
        ...worldProcesses(world, serverPid),
        benchmark: () => [process.pid],
      },
      () => load(urls, CONNECTIONS, newOrderPayload),
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

/** The bare route of bench/acceptance-servers.ts, in a child process of its own until `stop`. */
async function startBareRoute(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/acceptance-servers.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const { bare } = JSON.parse(line) as { bare: string };
  return { url: bare, stop: () => child.kill('SIGTERM') };
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

/** CPU per second of the instances and of lowdb's process while no load is sent, for one measurement's length. */
async function backgroundCpu(world: PostgresReceivers, lowdb: ProcessStack): Promise<IntakeRound['pause']> {
  const running = await benchCluster();
  const serverPid = await running.serverPid();
  const { groups, idleShare } = await cpuDuring(
    { ...worldProcesses(world, serverPid), lowdb: () => processTree(lowdb.receiver.child.pid) },
    () => new Promise((resolve) => setTimeout(resolve, DURATION_SEC * 1000)),
  );
  const perSecond = (time: CpuTime | undefined) => ((time?.userUs ?? 0) + (time?.systemUs ?? 0)) / DURATION_SEC;
  return { receiversUs: perSecond(groups.receivers), postgresUs: perSecond(groups.postgres), lowdbUs: perSecond(groups.lowdb), idleShare };
}

/** The intake rounds: the bare route, lowdb and one world of MAX_INSTANCES instances, all running throughout. */
async function intakeRounds(count: number): Promise<IntakeRound[]> {
  const bare = await startBareRoute();
  try {
    return await withLowdb(REAL_ENV, REAL_LIMITS.hubspot, (lowdb) =>
      withPostgres(MAX_INSTANCES, REAL_ENV, REAL_LIMITS.hubspot, async (world, databaseUrl) => {
        const instanceUrls = directWebhookUrls(world);
        // In this order: the bare route, lowdb, then one, two, three instances.
        const targets: (() => Promise<{ rps: number; cost?: IntakeCost }>)[] = [
          () => load([bare.url], CONNECTIONS, newOrderPayload),
          () => load([lowdb.connection.webhookUrl], CONNECTIONS, newOrderPayload),
          ...instanceUrls.map((_, i) => () => measuredIntake(world, databaseUrl, instanceUrls.slice(0, i + 1))),
        ];
        progress('intake warm-up');
        for (const urls of [[bare.url], [lowdb.connection.webhookUrl], instanceUrls]) await load(urls, CONNECTIONS, newOrderPayload, WARM_UP_SEC);
        const rounds: IntakeRound[] = [];
        for (let round = 0; round < count; round += 1) {
          const figures: { rps: number; cost?: IntakeCost }[] = [];
          for (let k = 0; k < targets.length; k += 1) {
            const index = (round + k) % targets.length;
            figures[index] = await targets[index]!();
          }
          const [bareFigure, lowdbFigure, ...instanceFigures] = figures;
          const result: IntakeRound = {
            bareRps: bareFigure!.rps,
            lowdbRps: lowdbFigure!.rps,
            postgres: instanceFigures.map(({ rps, cost }) => ({ rps, cost: cost! })),
            pause: await backgroundCpu(world, lowdb),
          };
          progress(`round ${round + 1}/${count}: bare ${result.bareRps.toFixed(0)}, lowdb ${result.lowdbRps.toFixed(0)}, PostgreSQL ${result.postgres.map((p) => p.rps.toFixed(0)).join(' / ')} req/s`);
          rounds.push(result);
        }
        return rounds;
      }),
    );
  } finally {
    bare.stop();
  }
}

export async function runScaleBenchmark(rounds = DEFAULT_ROUNDS): Promise<ScaleResult> {
  const measured = await intakeRounds(rounds);
  progress('lowdb, one process: sync');
  const lowdbSyncOrdersPerSecond = await withLowdb(LIFTED_ENV, LIFTED, (stack) => {
    addOrderWebhook(stack.pretix, stack.connection.webhookUrl);
    return syncThroughput(stack.pretix, () => queueLeft(stack.admin), () => stack.hubspot.objects(PORTAL_ID, 'deals').length);
  });
  progress(`lowdb sync ${lowdbSyncOrdersPerSecond.toFixed(0)} orders/s`);

  const syncOrdersPerSecond: number[] = [];
  for (let instances = 1; instances <= MAX_INSTANCES; instances += 1) {
    progress(`PostgreSQL, ${instances} instance(s): sync`);
    const ordersPerSecond = await withPostgres(instances, LIFTED_ENV, LIFTED, async (world, databaseUrl) => {
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
    progress(`  sync ${ordersPerSecond.toFixed(0)} orders/s`);
    syncOrdersPerSecond.push(ordersPerSecond);
  }
  progress('done');
  return { rounds: measured, lowdbSyncOrdersPerSecond, syncOrdersPerSecond };
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
