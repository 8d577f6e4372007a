// The live marketing-event refresh: what is due is stored first (so a restart still does it), deliveries during a
// refresh merge into one more run, a failed refresh stays due and is tried again, and a finished one is cleared.
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLowdbStore } from '../../receiver/store/lowdb-store';
import type { EventConfig, Store } from '../../receiver/store/types';
import { MarketingRefresher, mergeDue } from '../../receiver/sync/marketing-refresh';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';

const AT = '2026-12-01T10:00:00.000Z';

function eventConfig(event: string, withMarketingEvent = true): EventConfig {
  return {
    connectionId: 'c1',
    event,
    enabled: true,
    mappings: [],
    marketingEvent: { enabled: withMarketingEvent },
    marketingEvents: {
      [`org:${event}:11`]: { externalEventId: `org:${event}:11`, subeventId: 11, objectId: '1', name: 'A', state: 'active', syncedAt: AT },
    },
    updatedAt: AT,
  };
}

describe('mergeDue', () => {
  it('adds dates up and lets "all" win', () => {
    const first = mergeDue(null, [12, 11, 12], AT);
    expect(first).toMatchObject({ requestedAt: AT, dates: [11, 12] });
    expect(mergeDue(first, [13], AT).dates).toEqual([11, 12, 13]);
    // Another request, also within the same millisecond: another id.
    expect(mergeDue(first, [13], AT).id).not.toBe(first.id);
    expect(mergeDue(first, 'all', AT).dates).toBe('all');
    expect(mergeDue({ ...first, dates: 'all' }, [11], AT).dates).toBe('all');
  });
});

describe('MarketingRefresher', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  let calls: { event: string; dates: 'all' | number[] }[];
  let failNext: number;
  let gate: Promise<void> | null;
  let clock: number;
  let gone: Set<string>;
  const logger = pino({ level: 'silent' });

  const refresher = () =>
    new MarketingRefresher({
      store,
      logger,
      retryMs: 20,
      now: () => (clock += 1000),
      isGone: async (_connectionId, event) => gone.has(event),
      refresh: async (_connectionId, event, dates) => {
        calls.push({ event, dates });
        if (gate) await gate;
        if (failNext > 0) {
          failNext -= 1;
          throw new Error('HubSpot unavailable');
        }
      },
    });

  beforeEach(async () => {
    dir = await tempDir();
    store = await openLowdbStore(join(dir.path, 'data', 'db.json'));
    calls = [];
    failNext = 0;
    gate = null;
    clock = Date.parse(AT);
    gone = new Set();
    await store.saveEventConfig(eventConfig('series'));
    await store.saveEventConfig(eventConfig('plain', false));
    await store.saveEventConfig(eventConfig('other'));
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  it('ignores events without a marketing event and dates without one, storing nothing', async () => {
    const r = refresher();
    expect(await r.accept('c1', { action: 'pretix.event.changed', event: 'plain' })).toMatchObject({ status: 'ignored' });
    expect(await r.accept('c1', { action: 'pretix.subevent.changed', event: 'series', subevent: 99 })).toMatchObject({ status: 'ignored' });
    expect(await r.accept('c1', { action: 'pretix.event.changed', event: 'unknown' })).toMatchObject({ status: 'ignored' });
    expect((await store.getEventConfig('c1', 'series'))?.marketingRefreshDue).toBeUndefined();
  });

  it('keeps the due refresh on disk until it ran, so a new process picks it up', async () => {
    const first = refresher();
    expect(await first.accept('c1', { action: 'pretix.subevent.changed', event: 'series', subevent: 11 })).toEqual({ status: 'queued', events: ['series'] });
    // The process stops before kicking it.
    await first.stop();
    expect((await store.getEventConfig('c1', 'series'))?.marketingRefreshDue?.dates).toEqual([11]);
    const second = refresher();
    await second.start();
    await second.idle();
    expect(calls).toEqual([{ event: 'series', dates: [11] }]);
    expect((await store.getEventConfig('c1', 'series'))?.marketingRefreshDue).toBeNull();
  });

  it('merges deliveries arriving during a refresh into one more run', async () => {
    const r = refresher();
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    await r.accept('c1', { action: 'pretix.subevent.changed', event: 'series', subevent: 11 });
    r.kick('c1', 'series');
    await waitFor(() => calls.length === 1, 'first refresh started');
    for (const action of ['pretix.event.changed', 'pretix.event.changed', 'pretix.subevent.changed']) {
      await r.accept('c1', { action, event: 'series', subevent: 11 });
      r.kick('c1', 'series');
    }
    gate = null;
    open();
    await waitFor(async () => (await store.getEventConfig('c1', 'series'))?.marketingRefreshDue === null, 'cleared');
    await r.idle();
    expect(calls).toEqual([{ event: 'series', dates: [11] }, { event: 'series', dates: 'all' }]);
  });

  it('refreshes only the event gone from pretix when a deletion names no event', async () => {
    gone.add('other');
    const r = refresher();
    const outcome = await r.accept('c1', { action: 'pretix.event.deleted', event: null });
    expect(outcome.status === 'queued' && [...outcome.events].sort()).toEqual(['other', 'series']);
    r.kick('c1', 'other');
    r.kick('c1', 'series');
    await r.idle();
    expect(calls).toEqual([{ event: 'other', dates: 'all' }]);
    expect((await store.getEventConfig('c1', 'series'))?.marketingRefreshDue).toBeNull();
  });

  it('a change after a nameless deletion makes the refresh unconditional', async () => {
    const r = refresher();
    await r.accept('c1', { action: 'pretix.event.deleted', event: null });
    await r.accept('c1', { action: 'pretix.event.changed', event: 'series' });
    r.kick('c1', 'series');
    await r.idle();
    expect(calls).toEqual([{ event: 'series', dates: 'all' }]);
  });

  it('tries a failed refresh again and keeps it due meanwhile', async () => {
    const r = refresher();
    failNext = 1;
    await r.accept('c1', { action: 'pretix.event.changed', event: 'series' });
    r.kick('c1', 'series');
    // The retry reads what is due from the store: a second call means the failure left it there.
    await waitFor(async () => (await store.getEventConfig('c1', 'series'))?.marketingRefreshDue === null, 'retried and cleared');
    expect(calls).toHaveLength(2);
    await r.stop();
  });
});
