// `npm run bench -- traffic`: the shapes of traffic pretix really produces, each in its own run against the loopback
// fakes at the real limits (pretix 360/min, HubSpot 110/10 s), with the two usual mappings (buyer → contact by email,
// order → deal by pretix_order_id, associated). The fake pretix writes each order just before its webhook and
// delivers over one or several lanes, paced or as fast as the receiver answers (test/fakes/pretix/lanes.ts).
// Every figure comes from the fakes' own logs: requests and their arrival times as the fakes saw them, the
// receiver's first 2xx per webhook as pretix saw it, and each deal's creation time in the fake HubSpot.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminTokenFor, buildApp, type App } from '../receiver/app';
import { createAdminClient } from '../receiver/cli/admin-client';
import { loadConfig } from '../receiver/config';
import type { PublicConnection } from '../receiver/connections/connection-service';
import { openLowdbStore } from '../receiver/store/lowdb-store';
import { createSecretBox } from '../receiver/store/secrets';
import type { Store } from '../receiver/store/types';
import { startFakeHubSpot, type FakeHubSpot } from '../test/fakes/hubspot';
import { startFakePretix, type FakePretix, type PlacedOrder, type PlaceOrdersOptions } from '../test/fakes/pretix';
import { freePort } from '../test/helpers/free-port';
import { buyerAndDealMappings, defineOrderIdProperty } from '../test/helpers/mappings';
import { percentile } from './percentile';

const PORTAL = '888';
const TOKEN = 'q'.repeat(64);
const ORGANIZER = 'acmecorp';
const EVENT = 'democon';
const HUBSPOT_WINDOW_MS = 10_000;

export interface TrafficPattern {
  name: string;
  orders: number;
  delivery: PlaceOrdersOptions;
  /** Let the receiver sit idle this long before the first order (the single-order case). */
  idleBeforeMs?: number;
}

export interface TrafficResult {
  pattern: TrafficPattern;
  hubspotRequestsPerOrder: number;
  pretixRequestsPerOrder: number;
  /** From pretix's first 2xx for an order's webhook to its deal existing in HubSpot. */
  lagMs: { p50: number; p95: number; max: number };
  /** From the first order placed to the last deal created. */
  allSyncedSeconds: number;
  hubspotPeakPerWindow: number;
  hubspot429: number;
  pretix429: number;
}

/** A row another benchmark adds to the table (e.g. "Sync now during a 10,000-order backfill"). */
export interface ExtraTrafficRow {
  name: string;
  cells: Partial<Record<'hubspotPerOrder' | 'pretixPerOrder' | 'lag' | 'peak' | 'throttled', string>>;
}

export const TRAFFIC_PATTERNS: TrafficPattern[] = [
  { name: '1,000 webhooks, 1 lane', orders: 1000, delivery: { lanes: 1 } },
  { name: '1,000 webhooks, 4 lanes', orders: 1000, delivery: { lanes: 4 } },
  { name: '1,000 webhooks, 16 lanes', orders: 1000, delivery: { lanes: 16 } },
  // Four lanes so that one slow answer does not hold back the buyers behind it; the pace stays one per 50 ms.
  { name: 'steady stream, 1 order / 50 ms for 30 s', orders: 600, delivery: { lanes: 4, paceMs: 50 } },
  { name: 'single order, idle receiver', orders: 1, delivery: { lanes: 1 }, idleBeforeMs: 3_000 },
];

interface TrafficStack {
  pretix: FakePretix;
  hubspot: FakeHubSpot;
  store: Store;
  app: App;
  close(): Promise<void>;
}

async function startTrafficStack(): Promise<TrafficStack> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-traffic-'));
  const pretix = await startFakePretix({ rateLimit: { limit: 360, intervalMs: 60_000 }, maxRecordedRequests: 100 });
  pretix.seedFromFixtures();
  pretix.addToken(TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
  const hubspot = await startFakeHubSpot({ rateLimit: { limit: 110, intervalMs: HUBSPOT_WINDOW_MS }, recordBodies: false });
  hubspot.addStaticToken('hs-traffic', PORTAL);
  defineOrderIdProperty(hubspot, PORTAL);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    PUBLIC_URL: url,
    DATA_FILE: join(dir, 'state.json'),
    SECRET_KEY: 'c'.repeat(40),
    LOG_LEVEL: 'silent',
    HUBSPOT_API_URL: hubspot.url,
    HUBSPOT_ACCESS_TOKEN: 'hs-traffic',
    HUBSPOT_PORTAL_ID: PORTAL,
  });
  const store = await openLowdbStore(config.dataFile);
  const secrets = createSecretBox('c'.repeat(40));
  const app = await buildApp({ config, store, secrets });
  await app.server.listen({ port, host: '127.0.0.1' });
  app.services.worker.start();
  const admin = createAdminClient(url, adminTokenFor(secrets));
  const { connection } = await admin.post<{ connection: PublicConnection }>('/connections', { portalId: PORTAL, baseUrl: pretix.url, organizer: ORGANIZER, apiToken: TOKEN });
  // Enabling registers the receiver's webhook in pretix (the event's order actions), as for an organizer.
  await admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, buyerAndDealMappings());
  pretix.resetStats();
  hubspot.resetTraffic();
  return {
    pretix,
    hubspot,
    store,
    app,
    async close() {
      await app.server.close();
      await app.services.worker.stop();
      await store.close();
      await Promise.all([pretix.close(), hubspot.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creation time of each placed order's deal, once all of them exist. */
async function waitForDeals(stack: TrafficStack, placed: PlacedOrder[], timeoutMs: number): Promise<Map<string, number>> {
  const started = Date.now();
  for (;;) {
    const created = new Map<string, number>();
    for (const deal of stack.hubspot.objects(PORTAL, 'deals')) created.set(String(deal.properties.pretix_order_id), Date.parse(deal.createdAt));
    if (placed.every((p) => created.has(p.code)) && (await stack.store.listJobs()).length === 0) return created;
    if ((await stack.store.queueCounts()).failed > 0) throw new Error(`sync failed: ${JSON.stringify((await stack.store.listJobs({ state: 'failed' }))[0])}`);
    if (Date.now() - started > timeoutMs) throw new Error(`not synced within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The table's figures for one run, from the fakes' logs: each order's lag from pretix's first 2xx to its deal. */
export function measuredTraffic(
  pattern: TrafficPattern,
  placed: PlacedOrder[],
  dealCreatedAt: Map<string, number>,
  pretix: FakePretix,
  hubspot: FakeHubSpot,
  accounts: { organizer: string; portalId: string },
): TrafficResult {
  const { organizer, portalId } = accounts;
  const lags = Float64Array.from(placed, (order) => {
    if (order.firstAckAt === null) throw new Error(`webhook for ${order.code} never answered 2xx`);
    return Math.max(0, dealCreatedAt.get(order.code)! - order.firstAckAt);
  });
  const firstPlaced = Math.min(...placed.map((order) => order.placedAt));
  const lastCreated = Math.max(...placed.map((order) => dealCreatedAt.get(order.code)!));
  const pretixStats = pretix.stats(organizer);
  return {
    pattern,
    hubspotRequestsPerOrder: hubspot.requestCount({ portalId }) / pattern.orders,
    pretixRequestsPerOrder: pretixStats.total / pattern.orders,
    lagMs: { p50: percentile(lags, 50), p95: percentile(lags, 95), max: Math.max(...lags) },
    allSyncedSeconds: (lastCreated - firstPlaced) / 1000,
    hubspotPeakPerWindow: hubspot.maxRequestsInAnyWindow(portalId, HUBSPOT_WINDOW_MS),
    hubspot429: hubspot.rateLimitedCount(portalId),
    pretix429: pretixStats.throttled,
  };
}

export async function runTrafficPattern(pattern: TrafficPattern): Promise<TrafficResult> {
  const stack = await startTrafficStack();
  try {
    if (pattern.idleBeforeMs) await new Promise((resolve) => setTimeout(resolve, pattern.idleBeforeMs));
    const placed = await stack.pretix.placeOrders(ORGANIZER, EVENT, pattern.orders, pattern.delivery);
    const created = await waitForDeals(stack, placed, 180_000);
    return measuredTraffic(pattern, placed, created, stack.pretix, stack.hubspot, { organizer: ORGANIZER, portalId: PORTAL });
  } finally {
    await stack.close();
  }
}

export async function runTrafficBenchmark(patterns = TRAFFIC_PATTERNS): Promise<TrafficResult[]> {
  const results: TrafficResult[] = [];
  for (const pattern of patterns) results.push(await runTrafficPattern(pattern));
  return results;
}

const fmt = (n: number, digits: number) => n.toFixed(digits);

/** The README's table: one row per pattern, then any rows other benchmarks add. */
export function trafficTable(results: TrafficResult[], extraRows: ExtraTrafficRow[] = []): string {
  const lines = [
    '| traffic | HubSpot requests/order | pretix requests/order | lag p50 / p95 / max | all synced after | peak HubSpot requests per 10 s | 429s (HubSpot / pretix) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const lag = `${fmt(r.lagMs.p50 / 1000, 2)} / ${fmt(r.lagMs.p95 / 1000, 2)} / ${fmt(r.lagMs.max / 1000, 2)} s`;
    lines.push(
      `| ${r.pattern.name} | ${fmt(r.hubspotRequestsPerOrder, 3)} | ${fmt(r.pretixRequestsPerOrder, 3)} | ${lag} | ${fmt(r.allSyncedSeconds, 1)} s | ${r.hubspotPeakPerWindow} | ${r.hubspot429} / ${r.pretix429} |`,
    );
  }
  for (const row of extraRows) {
    const c = row.cells;
    lines.push(`| ${row.name} | ${c.hubspotPerOrder ?? '—'} | ${c.pretixPerOrder ?? '—'} | ${c.lag ?? '—'} | — | ${c.peak ?? '—'} | ${c.throttled ?? '—'} |`);
  }
  return lines.join('\n');
}
