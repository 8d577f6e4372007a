// `npm run bench -- scale`: several receiver processes on one PostgreSQL (a throwaway cluster), each figure beside
// the one-instance figure of the same run, and lowdb (one process) and a bare Fastify route beside those.
//  - intake: autocannon's 32 connections split over the instances, straight at each (no proxy in the way: the
//    proxy of the tests is one more Node process on the same two cores), webhooks of 1,000 existing orders;
//  - sync throughput: 3,000 webhooks, limits lifted, from the first delivery until the queue is empty;
//  - backfill of 10,000 orders at the real limits with three instances running: its efficiency (the least time the
//    requests made could take under the limits, over the time taken), as bench/backfill.ts computes it.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { SyncJob } from '../receiver/store/types';
import type { BackfillProgressView } from '../receiver/sync/backfill';
import { startPostgresReceivers, type PostgresReceivers } from '../test/helpers/postgres-receivers';
import { startProcessStack } from '../test/helpers/process-stack';
import { EVENT, ORGANIZER, PORTAL_ID } from '../test/helpers/stack';
import { adminTokenFor } from '../receiver/app';
import { createAdminClient } from '../receiver/cli/admin-client';
import type { PublicConnection } from '../receiver/connections/connection-service';
import { createSecretBox } from '../receiver/store/secrets';
import { startFakeHubSpot } from '../test/fakes/hubspot';
import { startFakePretix } from '../test/fakes/pretix';
import { freePort } from '../test/helpers/free-port';
import { buyerAndDealMappings, defineOrderIdProperty } from '../test/helpers/mappings';
import { startPostgresCluster } from '../test/helpers/postgres-cluster';
import { startReceiverProcess, type ReceiverProcess } from '../test/helpers/receiver-process';
import { HUBSPOT_TOKEN, PRETIX_TOKEN, SECRET_KEY } from '../test/helpers/stack';
import { tempDir } from '../test/helpers/temp-dir';
import { minimumSeconds, REAL_LIMITS } from './backfill';
import { minimumSecondsWithReserve } from './reserve-bound';
import { INTERACTIVE_GRACE_MS, interactiveReserve } from '../receiver/services';

const LIFTED = { limit: 1_000_000, intervalMs: 10_000 };
const LIFTED_ENV = { HUBSPOT_RATE_LIMIT: '1000000/10s', PRETIX_RATE_LIMIT: '1000000/10s', RECONCILE_INTERVAL: '0' };
const DURATION_SEC = 5;

export interface ScaleResult {
  bareRps: number;
  lowdb: { intakeRps: number; syncOrdersPerSecond: number };
  postgres: { instances: number; intakeRps: number; syncOrdersPerSecond: number }[];
  backfill: { instances: number; seconds: number; theoreticalSeconds: number; efficiency: number; hubspot429: number; pretix429: number; hubspotMaxInWindow: number };
}

async function load(urls: string[], connections: number, body: () => string): Promise<number> {
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
  return results.reduce((sum, result) => sum + result.requests.average, 0);
}

let notification = 5_000_000;
const payloadFor = (codes: string[]) => () => {
  notification += 1;
  return JSON.stringify({ notification_id: notification, organizer: ORGANIZER, event: EVENT, code: codes[notification % codes.length], action: 'pretix.event.order.placed' });
};

/** 3,000 webhooks of distinct orders over 16 lanes, until every job is done: orders per second. */
async function syncThroughput(webhookUrls: string[], codes: string[], jobsLeft: () => Promise<number>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async (_, lane) => {
      while (next < codes.length) {
        const code = codes[next++]!;
        notification += 1;
        const body = JSON.stringify({ notification_id: notification, organizer: ORGANIZER, event: EVENT, code, action: 'pretix.event.order.placed' });
        const response = await fetch(webhookUrls[lane % webhookUrls.length]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (!response.ok) throw new Error(`webhook answered ${response.status}`);
      }
    }),
  );
  while ((await jobsLeft()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  return codes.length / ((performance.now() - started) / 1000);
}

async function bareRoute(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/acceptance-servers.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const { bare } = JSON.parse(line) as { bare: string };
    await load([bare], 32, payloadFor(['X']));
    return await load([bare], 32, payloadFor(['X']));
  } finally {
    child.kill('SIGTERM');
  }
}

const directWebhookUrls = (world: PostgresReceivers) => {
  const path = new URL(world.connection.webhookUrl).pathname;
  return world.receivers.map((receiver) => `${receiver!.url}${path}`);
};

// One throwaway cluster for the benchmark run (the tests get theirs from vitest's global setup), a fresh database per
// measurement so that one run's rows never slow the next.
let cluster: Awaited<ReturnType<typeof startPostgresCluster>> | null = null;
let databases = 0;
async function freshDatabase(): Promise<string> {
  cluster ??= await startPostgresCluster();
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  const name = `bench_${databases++}`;
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  return `postgres://postgres@127.0.0.1:${cluster.port}/${name}`;
}

/** Stops the benchmark's cluster (bench/run.ts calls it at the end). */
export async function stopBenchCluster(): Promise<void> {
  await cluster?.stop();
  cluster = null;
}

export async function runScaleBenchmark(): Promise<ScaleResult> {
  const bareRps = await bareRoute();

  const lowdbStack = await startProcessStack({ hubspot: { rateLimit: LIFTED, recordBodies: false }, env: LIFTED_ENV });
  let lowdb: ScaleResult['lowdb'];
  try {
    const codes = lowdbStack.pretix.generateOrders(ORGANIZER, EVENT, 1_000);
    await load([lowdbStack.connection.webhookUrl], 32, payloadFor(codes)); // warm-up
    const intakeRps = await load([lowdbStack.connection.webhookUrl], 32, payloadFor(codes));
    await syncThroughput([lowdbStack.connection.webhookUrl], codes.slice(0, 10), async () => (await lowdbStack.admin.get<{ jobs: SyncJob[] }>('/jobs')).jobs.length);
    const syncCodes = lowdbStack.pretix.generateOrders(ORGANIZER, EVENT, 3_000);
    const syncOrdersPerSecond = await syncThroughput([lowdbStack.connection.webhookUrl], syncCodes, async () => (await lowdbStack.admin.get<{ jobs: SyncJob[] }>('/jobs')).jobs.length);
    lowdb = { intakeRps, syncOrdersPerSecond };
  } finally {
    await lowdbStack.close();
  }

  const postgres: ScaleResult['postgres'] = [];
  for (const instances of [1, 2, 3]) {
    const world = await startPostgresReceivers({ databaseUrl: await freshDatabase(), count: instances, hubspot: { rateLimit: LIFTED, recordBodies: false }, env: LIFTED_ENV });
    try {
      world.pretix.addWebhook(ORGANIZER, { target_url: world.connection.webhookUrl, all_events: true, limit_events: [], action_types: ['pretix.event.order.placed'] });
      const urls = directWebhookUrls(world);
      const codes = world.pretix.generateOrders(ORGANIZER, EVENT, 1_000);
      await load(urls, 32, payloadFor(codes));
      const intakeRps = await load(urls, 32, payloadFor(codes));
      const jobsLeft = async () => (await world.admin.get<{ jobs: SyncJob[] }>('/jobs')).jobs.length;
      while ((await jobsLeft()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const syncCodes = world.pretix.generateOrders(ORGANIZER, EVENT, 3_000);
      const syncOrdersPerSecond = await syncThroughput(urls, syncCodes, jobsLeft);
      postgres.push({ instances, intakeRps, syncOrdersPerSecond });
    } finally {
      await world.close();
    }
  }

  const env = { HUBSPOT_RATE_LIMIT: '110/10s', PRETIX_RATE_LIMIT: '360/1m', RECONCILE_INTERVAL: '0' };
  const world = await startPostgresReceivers({ databaseUrl: await freshDatabase(), count: 3, hubspot: { rateLimit: REAL_LIMITS.hubspot, recordBodies: false }, env });
  let backfill: ScaleResult['backfill'];
  try {
    world.pretix.generateOrders(ORGANIZER, EVENT, 9_998, { startDate: '2025-01-01T00:00:00Z', spacingMs: 60_000 });
    world.pretix.resetStats();
    world.hubspot.resetTraffic();
    await new Promise((resolve) => setTimeout(resolve, REAL_LIMITS.hubspot.intervalMs + 200));
    const started = performance.now();
    await world.admin.post(`${world.eventPath}/backfill`);
    let progress: BackfillProgressView;
    for (;;) {
      progress = (await world.admin.get<{ backfill: BackfillProgressView }>(`${world.eventPath}/backfill`)).backfill;
      if (progress.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    if (progress.state !== 'done') throw new Error(`backfill ended ${progress.state}: ${progress.error}`);
    const hubspotRequests = world.hubspot.requestCount({ portalId: PORTAL_ID });
    const pretixRequests = world.pretix.stats(ORGANIZER).total;
    const theoreticalSeconds = Math.max(minimumSeconds(hubspotRequests, REAL_LIMITS.hubspot), minimumSeconds(pretixRequests, REAL_LIMITS.pretix));
    backfill = {
      instances: 3,
      seconds,
      theoreticalSeconds,
      efficiency: theoreticalSeconds / seconds,
      hubspot429: world.hubspot.rateLimitedCount(PORTAL_ID),
      pretix429: world.pretix.stats(ORGANIZER).throttled,
      hubspotMaxInWindow: world.hubspot.maxRequestsInAnyWindow(PORTAL_ID),
    };
  } finally {
    await world.close();
  }
  return { bareRps, lowdb, postgres, backfill };
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
  const pretix = await startFakePretix({ rateLimit: REAL_LIMITS.pretix, maxRecordedRequests: 100 });
  pretix.seedFromFixtures();
  pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
  const hubspot = await startFakeHubSpot({ rateLimit: REAL_LIMITS.hubspot, recordBodies: false });
  hubspot.addStaticToken(HUBSPOT_TOKEN, PORTAL_ID);
  defineOrderIdProperty(hubspot, PORTAL_ID);
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
      const port = await freePort();
      receivers.push(
        await startReceiverProcess({
          PORT: String(port),
          PUBLIC_URL: `http://127.0.0.1:${port}`,
          DATA_FILE: `${dir.path}/instance-${i}/state.json`,
          SECRET_KEY,
          HUBSPOT_API_URL: hubspot.url,
          HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
          HUBSPOT_PORTAL_ID: PORTAL_ID,
          RECONCILE_INTERVAL: '0',
          LOG_LEVEL: 'warn',
          DATABASE_URL: databaseUrl,
        }),
      );
    }
    const admins = receivers.map((receiver) => createAdminClient(receiver.url, adminTokenFor(createSecretBox(SECRET_KEY))));
    const paths: string[] = [];
    // One store for all (DATABASE_URL selects the PostgreSQL store): one connection, one event per instance.
    const { connection } = await admins[0]!.post<{ connection: PublicConnection }>('/connections', { portalId: PORTAL_ID, baseUrl: pretix.url, organizer: ORGANIZER, apiToken: PRETIX_TOKEN });
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
    const withReserve = (limit: { limit: number; intervalMs: number }, requests: number) =>
      minimumSecondsWithReserve(requests, limit, { reserve: interactiveReserve(limit.limit), graceMs: INTERACTIVE_GRACE_MS });
    const reserveBoundSeconds = Math.max(withReserve(REAL_LIMITS.hubspot, hubspotRequests), withReserve(REAL_LIMITS.pretix, pretixRequests));
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
    await Promise.all([pretix.close(), hubspot.close()]);
    await dir.remove();
  }
}
