// Backfill and reconcile benchmarks. The receiver runs as its own process (so its peak RSS is its own), the fakes
// run here with pretix's 360 requests/min and HubSpot's 110 requests/10 s, or with the limits lifted.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminTokenFor } from '../receiver/app';
import { createAdminClient, type AdminClient } from '../receiver/cli/admin-client';
import type { PublicConnection } from '../receiver/connections/connection-service';
import { createSecretBox } from '../receiver/store/secrets';
import type { SweepState } from '../receiver/store/types';
import type { BackfillProgressView } from '../receiver/sync/backfill';
import { startFakeHubSpot, type FakeHubSpot } from '../test/fakes/hubspot';
import { startFakePretix, type FakePretix } from '../test/fakes/pretix';
import { freePort } from '../test/helpers/free-port';
import { buyerAndDealMappings, defineOrderIdProperty } from '../test/helpers/mappings';

export interface Limits {
  hubspot: { limit: number; intervalMs: number };
  pretix: { limit: number; intervalMs: number };
}

export const REAL_LIMITS: Limits = {
  hubspot: { limit: 110, intervalMs: 10_000 },
  pretix: { limit: 360, intervalMs: 60_000 },
};

export interface BackfillResult {
  orders: number;
  seconds: number;
  hubspotRequests: number;
  pretixRequests: number;
  /** The least time the requests made could take under the limits (a sliding window admits `limit` at once). */
  theoreticalSeconds: number | null;
  efficiency: number | null;
  peakRssMb: number;
  hubspot429: number;
  pretix429: number;
  sweep?: { requests: number; seconds: number; found: number; enqueued: number };
}

/** What a benchmark running beside the backfill (bench/sync-now-during-backfill.ts) gets to work with. */
export interface BackfillRig {
  url: string;
  portalId: string;
  connectionId: string;
  pretix: FakePretix;
  hubspot: FakeHubSpot;
  admin: AdminClient;
  /** Codes of the generated orders, oldest first (the backfill's order). */
  codes: string[];
}

export interface BackfillHooks {
  /** More environment for the receiver (e.g. the HubSpot app's client secret, so the card API answers). */
  env?: Record<string, string>;
  /** Runs beside the backfill from its start; awaited before the figures are taken. */
  duringBackfill?(rig: BackfillRig): Promise<void>;
}

const SECRET = 'bench-secret-key-0123456789-abcdefghijklmnop';
const PORTAL = '31337';
const PRETIX_TOKEN = 't'.repeat(64);

/** floor((n - 1) / limit) whole windows must pass before the n-th request may go out. */
export function minimumSeconds(requests: number, limit: { limit: number; intervalMs: number }): number {
  if (requests === 0) return 0;
  return (Math.floor((requests - 1) / limit.limit) * limit.intervalMs) / 1000;
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function runBackfillBenchmark(orders: number, limits: Limits | null, withSweep = false, hooks: BackfillHooks = {}): Promise<BackfillResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-backfill-'));
  const pretix = await startFakePretix({ rateLimit: limits?.pretix ?? null, maxRecordedRequests: 100 });
  pretix.seedFromFixtures();
  pretix.addToken(PRETIX_TOKEN, { organizer: 'acmecorp', permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
  const hubspot = await startFakeHubSpot({ rateLimit: limits?.hubspot ?? { limit: Infinity, intervalMs: 10_000 }, recordBodies: false });
  hubspot.addStaticToken('hs-bench', PORTAL);
  defineOrderIdProperty(hubspot, PORTAL);
  const port = await freePort();
  const lifted = '1000000/10s';
  // The same command line as `npm start` (package.json), heap cap included.
  const nodeArgs = (process.env.RECEIVER_NODE_ARGS ?? '--max-old-space-size=128').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'receiver/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_FILE: join(dir, 'state.json'),
      SECRET_KEY: SECRET,
      LOG_LEVEL: 'warn',
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: 'hs-bench',
      HUBSPOT_PORTAL_ID: PORTAL,
      HUBSPOT_RATE_LIMIT: limits ? `${limits.hubspot.limit}/${limits.hubspot.intervalMs}ms` : lifted,
      PRETIX_RATE_LIMIT: limits ? `${limits.pretix.limit}/${limits.pretix.intervalMs}ms` : lifted,
      RECONCILE_INTERVAL: '0',
      ...hooks.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i += 1) {
      if ((await fetch(`${url}/healthz`).catch(() => null))?.ok) break;
      if (i > 300) throw new Error('receiver did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const admin = createAdminClient(url, adminTokenFor(createSecretBox(SECRET)));
    const { connection } = await admin.post<{ connection: PublicConnection }>('/connections', { portalId: PORTAL, baseUrl: pretix.url, organizer: 'acmecorp', apiToken: PRETIX_TOKEN });
    const path = `/connections/${connection.id}/events/democon`;
    await admin.put(`${path}/mappings?enable=true`, buyerAndDealMappings());
    const codes = pretix.generateOrders('acmecorp', 'democon', orders - 2, { startDate: '2025-01-01T00:00:00Z', spacingMs: 60_000 });
    pretix.resetStats();
    hubspot.resetTraffic();
    // Let the start-up and the calls above leave the rate windows before the clock starts.
    if (limits) await new Promise((resolve) => setTimeout(resolve, limits.hubspot.intervalMs + 200));

    const started = performance.now();
    await admin.post(`${path}/backfill`);
    // Settled into a value at once, so a failure beside the backfill is reported after it, not as an unhandled rejection.
    const beside = Promise.resolve(hooks.duringBackfill?.({ url, portalId: PORTAL, connectionId: connection.id, pretix, hubspot, admin, codes })).then(
      () => null,
      (error: unknown) => ({ error }),
    );
    let progress: BackfillProgressView;
    for (;;) {
      progress = (await admin.get<{ backfill: BackfillProgressView }>(`${path}/backfill`)).backfill;
      if (progress.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const besideFailure = await beside;
    if (besideFailure) throw besideFailure.error;
    if (progress.state !== 'done' || progress.processed !== orders) throw new Error(`backfill ended ${progress.state} after ${progress.processed}: ${progress.error}`);
    const hubspotRequests = hubspot.requestCount({ portalId: PORTAL });
    const pretixRequests = pretix.stats('acmecorp').total;
    const theoreticalSeconds = limits ? Math.max(minimumSeconds(hubspotRequests, limits.hubspot), minimumSeconds(pretixRequests, limits.pretix)) : null;
    const result: BackfillResult = {
      orders,
      seconds,
      hubspotRequests,
      pretixRequests,
      theoreticalSeconds,
      efficiency: theoreticalSeconds !== null ? theoreticalSeconds / seconds : null,
      peakRssMb: await peakRssMb(child.pid!),
      hubspot429: hubspot.rateLimitedCount(PORTAL),
      pretix429: pretix.stats('acmecorp').throttled,
    };
    if (withSweep) {
      pretix.resetStats();
      const sweepStarted = performance.now();
      const { sweep } = await admin.post<{ sweep: SweepState }>(`${path}/sweep`);
      result.sweep = { requests: pretix.stats('acmecorp').total, seconds: (performance.now() - sweepStarted) / 1000, found: sweep.lastFound, enqueued: sweep.lastEnqueued };
    }
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await Promise.all([pretix.close(), hubspot.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}
