// How long one backfill batch of 100 orders spends in store calls, beside its HubSpot calls (limits lifted, so
// only the round trips count), on PostgreSQL and on lowdb. `npx tsx bench/batch-store-work.ts`.
import { objectMappingSchema } from '../receiver/domain/mapping-schema';
import { HubSpotClient } from '../receiver/hubspot/crm-client';
import { createRateLimiter } from '../receiver/lib/rate-limiter';
import { openLowdbStore } from '../receiver/store/lowdb-store';
import { openPostgresStore } from '../receiver/store/postgres/postgres-store';
import type { Store } from '../receiver/store/types';
import { recordOutcomes } from '../receiver/sync/outcomes';
import { recordAccess, syncOrderBatch } from '../receiver/sync/sync-batch';
import type { CrmClientLike } from '../receiver/sync/ports';
import { startFakeHubSpot } from '../test/fakes/hubspot';
import { startFakePretix } from '../test/fakes/pretix';
import { PretixClient } from '../receiver/pretix/client';
import { fixtureContext, paidOrder } from '../test/sync/event-context';
import { buyerAndDealMappings, defineOrderIdProperty } from '../test/helpers/mappings';
import { startPostgresCluster } from '../test/helpers/postgres-cluster';
import { tempDir } from '../test/helpers/temp-dir';

const BATCHES = 10;
const mappings = buyerAndDealMappings().map((m) => objectMappingSchema.parse(m));
const template = paidOrder();
const orders = (batch: number) =>
  Array.from({ length: 100 }, (_, i) => ({ ...template, code: `B${batch}X${String(i).padStart(3, '0')}`, email: `buyer${batch}-${i}@example.org` }));

/** Wraps every function of `target` so that the time its promises take adds up in `spent.ms`. */
function timed<T extends object>(target: T, spent: { ms: number; calls: number }): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const started = performance.now();
        spent.calls += 1;
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        } finally {
          spent.ms += performance.now() - started;
        }
      };
    },
  });
}

async function measure(name: string, store: Store, crm: CrmClientLike) {
  const storeTime = { ms: 0, calls: 0 };
  const crmTime = { ms: 0, calls: 0 };
  const s = timed(store, storeTime);
  const c = timed(crm, crmTime);
  let total = 0;
  // Twice over the same orders: the second pass finds the records of the first (as a re-sync does).
  for (const pass of [0, 1]) {
    for (let b = 0; b < BATCHES; b += 1) {
      const started = performance.now();
      const outcomes = await syncOrderBatch({
        orders: orders(b),
        mappings,
        context: fixtureContext(),
        crm: c,
        portalId: '42',
        connectionId: 'c1',
        ...recordAccess(s, 'c1', 'democon'),
        now: () => new Date(),
        force: () => true,
        marketing: async () => undefined,
      });
      await recordOutcomes({ store: s, portalId: '42', connectionId: 'c1', event: 'democon', outcomes, onlyMappings: null, now: new Date(), trigger: 'backfill', retryAt: () => null });
      if (pass === 1) total += performance.now() - started;
    }
    if (pass === 0) {
      storeTime.ms = storeTime.calls = crmTime.ms = crmTime.calls = 0;
    }
  }
  const per = (x: number) => (x / BATCHES).toFixed(1);
  console.log(`${name}: per batch of 100 ${per(total)} ms in all; store ${per(storeTime.ms)} ms in ${per(storeTime.calls)} calls; HubSpot ${per(crmTime.ms)} ms in ${per(crmTime.calls)} calls`);
}

const hubspot = await startFakeHubSpot({ rateLimit: { limit: Infinity, intervalMs: 10_000 }, recordBodies: false });
hubspot.addStaticToken('hs-bench', '42');
defineOrderIdProperty(hubspot, '42');
const crm = new HubSpotClient({
  baseUrl: hubspot.url,
  portalKey: '42',
  getAccessToken: async () => 'hs-bench',
  limiter: createRateLimiter({ limit: 1_000_000, intervalMs: 10_000 }),
});
// pretix: the two pages (50 orders each) a batch of 100 comes from, fetched one after another as the backfill does.
const pretix = await startFakePretix({ rateLimit: null, maxRecordedRequests: 100 });
pretix.seedFromFixtures();
pretix.addToken('t'.repeat(64), { organizer: 'acmecorp', permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
pretix.generateOrders('acmecorp', 'democon', 2_000, { startDate: '2025-01-01T00:00:00Z', spacingMs: 60_000 });
const pretixClient = new PretixClient({ baseUrl: pretix.url, organizer: 'acmecorp', token: 't'.repeat(64) });
let pages = 0;
const pagesStarted = performance.now();
for await (const page of pretixClient.listOrders('democon', { ordering: 'datetime' })) if (page.orders.length > 0) pages += 1;
console.log(`pretix: ${pages} pages, ${((performance.now() - pagesStarted) / pages).toFixed(1)} ms per page → ${((2 * (performance.now() - pagesStarted)) / pages).toFixed(1)} ms per batch of 100`);
await pretix.close();
const dir = await tempDir();
const cluster = await startPostgresCluster();
try {
  const lowdb = await openLowdbStore(`${dir.path}/state.json`);
  await measure('lowdb', lowdb, crm);
  await lowdb.close();
  const postgres = await openPostgresStore(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
  await measure('PostgreSQL', postgres, crm);
  await postgres.close();
} finally {
  await cluster.stop();
  await hubspot.close();
  await dir.remove();
}
