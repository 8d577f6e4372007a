// Two receiver instances on one store, in this process: the stack's receiver (A) and a second set of services (B)
// built on the same store, sharing one lease table and one rate budget as two processes share PostgreSQL (the same
// checks against PostgreSQL and real processes: test/scenarios/three-receivers-on-postgres-*). A backfill runs once
// per event, and when its instance stops answering it is continued by the other from its last saved page; a token
// refresh happens once per portal; a sweep of an event that another instance is sweeping is not repeated.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../receiver/config';
import { createMemoryLeases, type Leases, type MemoryLeaseTable } from '../../receiver/lib/leases';
import { createMemoryBudget, type BudgetWindow, type SharedBudget } from '../../receiver/lib/shared-budget';
import type { SharedCoordination } from '../../receiver/lib/shared-coordination';
import { createSecretBox } from '../../receiver/store/secrets';
import { createServices, type Services } from '../../receiver/services';
import { BackfillConflictError } from '../../receiver/sync/backfill';
import { sweepLeaseName } from '../../receiver/sync/reconcile';
import { exampleMappingsBody } from '../helpers/mappings';
import { install } from '../helpers/oauth-journey';
import { EVENT, ORGANIZER, PORTAL_ID, SECRET_KEY, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

let stack: Stack | undefined;
let other: Services | undefined;
afterEach(async () => {
  await other?.backfills.stopAll(0);
  await other?.sweeper.stop(0);
  other = undefined;
  await stack?.close();
  stack = undefined;
});

/** One lease table and one budget per service for every "instance", as one database is for several processes. */
function sharedWorld() {
  const table: MemoryLeaseTable = new Map();
  const budgets = new Map<string, SharedBudget>();
  const coordination = (leases: Leases): SharedCoordination => ({
    leases,
    budgetFor: (service: string, window: BudgetWindow) => {
      let budget = budgets.get(service);
      if (!budget) budgets.set(service, (budget = createMemoryBudget(window)));
      return budget;
    },
  });
  return { table, coordination };
}

/** Leases of an instance that can stop answering, as a process that froze or lost its network would. */
function freezable(leases: Leases) {
  let frozen = false;
  const unreachable = () => Promise.reject(new Error('instance unreachable'));
  return {
    freeze: () => (frozen = true),
    leases: {
      holder: leases.holder,
      acquire: (name: string, ttl: number) => (frozen ? unreachable() : leases.acquire(name, ttl)),
      renew: (name: string, ttl: number) => (frozen ? unreachable() : leases.renew(name, ttl)),
      release: (name: string) => (frozen ? unreachable() : leases.release(name)),
    } satisfies Leases,
  };
}

function secondInstance(s: Stack, coordination: SharedCoordination, backfill: { leaseTtlMs: number; concurrency: number }, now?: () => number): Services {
  return createServices({
    config: loadConfig(s.env),
    store: s.store,
    secrets: createSecretBox(SECRET_KEY),
    logger: pino({ level: 'silent' }),
    shared: coordination,
    backfill,
    now,
  });
}

describe('leases across receiver instances', () => {
  it('runs a backfill once, and continues it on the other instance from its saved page when its instance stops answering', async () => {
    const world = sharedWorld();
    const a = freezable(createMemoryLeases('a', Date.now, world.table));
    // A frozen instance sends nothing more: its requests hang (until the shutdown's cut at the end of the test).
    let aFrozen = false;
    const aFetch: typeof fetch = (input, init) =>
      aFrozen
        ? new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))))
        : fetch(input, init);
    const backfill = { leaseTtlMs: 600, concurrency: 2 };
    stack = await startStack({
      hubspotRateLimit: { limit: 40, intervalMs: 1_000 },
      pretixRateLimit: { limit: 10, intervalMs: 1_000 },
      env: { HUBSPOT_RATE_LIMIT: '40/1s', PRETIX_RATE_LIMIT: '10/1s' },
      shared: world.coordination(a.leases),
      backfill,
      fetch: aFetch,
    });
    const connection = await stack.connect();
    const path = `/connections/${connection.id}/events/${EVENT}`;
    await stack.admin.put(`${path}/mappings?enable=true`, exampleMappingsBody());
    const codes = stack.pretix.generateOrders(ORGANIZER, EVENT, 1_998);
    const pages = Math.ceil((codes.length + 2) / 50);
    other = secondInstance(stack, world.coordination(createMemoryLeases('b', Date.now, world.table)), backfill);

    await stack.admin.post(`${path}/backfill`);
    await expect(other.backfills.start(connection.id, EVENT)).rejects.toBeInstanceOf(BackfillConflictError);
    other.backfills.watchForOrphans(100);
    const savedAtFreeze = await waitFor(async () => {
      const state = (await stack!.store.getBackfill(connection.id, EVENT))!;
      return state.nextPage >= 15 ? state : null;
    }, 'backfill past page 15', 30_000, 20);
    aFrozen = true;
    a.freeze();
    const listedBeforeFreeze = stack.pretix.stats(ORGANIZER).orderList;

    const done = await waitFor(async () => {
      const state = (await stack!.store.getBackfill(connection.id, EVENT))!;
      return state.state === 'done' ? state : null;
    }, 'backfill done on the other instance', 60_000, 50);
    expect((await other.backfills.progress(connection.id, EVENT))?.state).toBe('done');
    expect(done).toMatchObject({ state: 'done', total: codes.length + 2, nextPage: pages + 1, failed: 0 });
    // It went on from the page saved last, not from the start: the pages listed after the freeze are those from
    // there (plus the ones A had read ahead when it froze, at most two batches' worth).
    const listedAfterFreeze = stack.pretix.stats(ORGANIZER).orderList - listedBeforeFreeze;
    expect(listedAfterFreeze).toBeGreaterThanOrEqual(pages - savedAtFreeze.nextPage + 1);
    expect(listedAfterFreeze).toBeLessThanOrEqual(pages - savedAtFreeze.nextPage + 1 + 5);
    const deals = new Set(stack.hubspot.objects(PORTAL_ID, 'deals').map((deal) => deal.properties.pretix_order_id));
    for (const code of codes) expect(deals.has(code)).toBe(true);
    // The frozen instance's hanging requests are cut off, as its shutdown would; it saved nothing after it froze.
    await stack.app.services.backfills.stopAll(0);
    expect(await stack.store.getBackfill(connection.id, EVENT)).toEqual(done);
  }, 90_000);

  it('refreshes a token once per portal when both instances need it at the same moment; both use the new one', async () => {
    const world = sharedWorld();
    const ttl = 30 * 60_000;
    let skew = 0;
    const now = () => Date.now() + skew;
    stack = await startStack({ oauth: { tokenTtlMs: ttl }, staticToken: false, now, shared: world.coordination(createMemoryLeases('a', now, world.table)) });
    expect((await install(stack)).status).toBe(200);
    other = secondInstance(stack, world.coordination(createMemoryLeases('b', now, world.table)), { leaseTtlMs: 30_000, concurrency: 1 }, now);
    const before = await stack.app.services.tokens.getAccessToken(PORTAL_ID);
    skew = ttl - 60_000; // inside the refresh margin for both
    const tokens = await Promise.all([
      ...Array.from({ length: 10 }, () => stack!.app.services.tokens.getAccessToken(PORTAL_ID)),
      ...Array.from({ length: 10 }, () => other!.tokens.getAccessToken(PORTAL_ID)),
    ]);
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before);
  });

  it('leaves an event alone while another instance sweeps it', async () => {
    const world = sharedWorld();
    stack = await startStack({ shared: world.coordination(createMemoryLeases('a', Date.now, world.table)) });
    const connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    other = secondInstance(stack, world.coordination(createMemoryLeases('b', Date.now, world.table)), { leaseTtlMs: 30_000, concurrency: 1 });
    const listedBefore = stack.pretix.stats(ORGANIZER).orderList;
    // Instance A is sweeping the event right now (holds its lease).
    expect(await createMemoryLeases('a', Date.now, world.table).acquire(sweepLeaseName(connection.id, EVENT), 60_000)).toBe(true);
    await other.sweeper.sweepEvent(connection.id, EVENT);
    expect(stack.pretix.stats(ORGANIZER).orderList).toBe(listedBefore);
    await createMemoryLeases('a', Date.now, world.table).release(sweepLeaseName(connection.id, EVENT));
    const swept = await other.sweeper.sweepEvent(connection.id, EVENT);
    expect(swept.lastSweepAt).not.toBeNull();
    expect(stack.pretix.stats(ORGANIZER).orderList).toBe(listedBefore + 1);
    // The periodic round of the first instance, right after: the event was swept less than half an interval ago.
    await stack.app.services.sweeper.sweepAll();
    expect(stack.pretix.stats(ORGANIZER).orderList).toBe(listedBefore + 1);
  });
});
