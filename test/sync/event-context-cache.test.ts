// The event-data cache: one load per event while it is fresh, and with a shared cache (several instances on
// PostgreSQL) one load for all instances. The shared cache here is a map with a clock, as the PostgreSQL one behaves
// (test/store/postgres-shared-cache.test.ts checks that one against a real database).
import { describe, expect, it } from 'vitest';
import type { SharedCache } from '../../receiver/lib/shared-cache';
import { EventContextCache } from '../../receiver/sync/event-context-cache';
import type { PretixClientLike } from '../../receiver/sync/ports';
import { fixtureContext } from './event-context';

/** The five event-data calls of a pretix client, counted. */
function countingPretix() {
  const context = fixtureContext();
  const calls: string[] = [];
  const client = {
    getEvent: async () => (calls.push('event'), context.event),
    getEventSettings: async () => (calls.push('settings'), context.settings),
    listItems: async () => (calls.push('items'), context.items),
    listQuestions: async () => (calls.push('questions'), context.questions),
    listCheckinLists: async () => (calls.push('checkinlists'), context.checkinLists),
  } as unknown as PretixClientLike;
  return { client, calls };
}

function mapSharedCache(clock: { now: number }) {
  const rows = new Map<string, { storedAt: number; json: string }>();
  let failing = false;
  const cache: SharedCache = {
    async read(key) {
      if (failing) throw new Error('database unreachable');
      const row = rows.get(key);
      return row ? { ageMs: clock.now - row.storedAt, value: JSON.parse(row.json) as unknown } : null;
    },
    async write(key, value) {
      if (failing) throw new Error('database unreachable');
      rows.set(key, { storedAt: clock.now, json: JSON.stringify(value) });
    },
    async remove(key) {
      rows.delete(key);
    },
  };
  return { cache, rows, fail: (on: boolean) => (failing = on) };
}

describe('EventContextCache', () => {
  it('loads an event once while fresh, and again after its time', async () => {
    const clock = { now: 1_000_000 };
    const { client, calls } = countingPretix();
    const cache = new EventContextCache({ ttlMs: 60_000, now: () => clock.now });
    const [a, b] = await Promise.all([cache.get('c:democon', client, 'acmecorp', 'democon'), cache.get('c:democon', client, 'acmecorp', 'democon')]);
    expect(a).toBe(b);
    expect(calls).toHaveLength(5);
    clock.now += 59_000;
    await cache.get('c:democon', client, 'acmecorp', 'democon');
    expect(calls).toHaveLength(5);
    clock.now += 2_000;
    await cache.get('c:democon', client, 'acmecorp', 'democon');
    expect(calls).toHaveLength(10);
  });

  it('with a shared cache, a second instance takes what the first fetched, and both expire together', async () => {
    const clock = { now: 1_000_000 };
    const shared = mapSharedCache(clock);
    const first = countingPretix();
    const second = countingPretix();
    const options = { ttlMs: 60_000, now: () => clock.now, shared: shared.cache };
    const one = new EventContextCache(options);
    const two = new EventContextCache(options);
    const fetched = await one.get('c:democon', first.client, 'acmecorp', 'democon');
    clock.now += 40_000;
    const taken = await two.get('c:democon', second.client, 'acmecorp', 'democon');
    expect(second.calls).toEqual([]);
    expect(taken).toEqual(fetched);
    expect(taken.items.map((item) => item.id)).toEqual(fixtureContext().items.map((item) => item.id));
    // 61 s after the first fetch: stale for both, although the second took it only 21 s ago.
    clock.now += 21_000;
    await two.get('c:democon', second.client, 'acmecorp', 'democon');
    expect(second.calls).toHaveLength(5);
    // ...and what the second fetched now is what the first takes.
    await one.get('c:democon', first.client, 'acmecorp', 'democon');
    expect(first.calls).toHaveLength(5);
  });

  it('fetches for itself when the shared value is of another shape, or the shared cache fails', async () => {
    const clock = { now: 1_000_000 };
    const shared = mapSharedCache(clock);
    const errors: unknown[] = [];
    const pretix = countingPretix();
    shared.rows.set('event-context:c:democon', { storedAt: clock.now, json: JSON.stringify({ organizer: 'acmecorp', items: 'not a list' }) });
    const cache = new EventContextCache({ ttlMs: 60_000, now: () => clock.now, shared: shared.cache, onSharedError: (error) => errors.push(error) });
    const context = await cache.get('c:democon', pretix.client, 'acmecorp', 'democon');
    expect(pretix.calls).toHaveLength(5);
    expect(Array.isArray(context.items)).toBe(true);
    // The fetched value replaced the malformed one.
    expect(JSON.parse(shared.rows.get('event-context:c:democon')!.json).items).toHaveLength(context.items.length);

    shared.fail(true);
    const other = new EventContextCache({ ttlMs: 60_000, now: () => clock.now, shared: shared.cache, onSharedError: (error) => errors.push(error) });
    await expect(other.get('c:democon', pretix.client, 'acmecorp', 'democon')).resolves.toEqual(context);
    expect(pretix.calls).toHaveLength(10);
    expect(errors.map(String)).toEqual(['Error: database unreachable', 'Error: database unreachable']);
  });

  it('invalidate forgets the event here and in the shared cache', async () => {
    const clock = { now: 1_000_000 };
    const shared = mapSharedCache(clock);
    const pretix = countingPretix();
    const one = new EventContextCache({ ttlMs: 60_000, now: () => clock.now, shared: shared.cache });
    await one.get('c:democon', pretix.client, 'acmecorp', 'democon');
    await one.invalidate('c:democon');
    expect(shared.rows.size).toBe(0);
    const two = new EventContextCache({ ttlMs: 60_000, now: () => clock.now, shared: shared.cache });
    await two.get('c:democon', pretix.client, 'acmecorp', 'democon');
    expect(pretix.calls).toHaveLength(10);
  });

  it('does not keep a failed load', async () => {
    const { client, calls } = countingPretix();
    let fail = true;
    const flaky = { ...client, getEvent: async (event: string) => (fail ? Promise.reject(new Error('pretix 503')) : client.getEvent(event)) } as PretixClientLike;
    const cache = new EventContextCache();
    await expect(cache.get('c:democon', flaky, 'acmecorp', 'democon')).rejects.toThrow('pretix 503');
    fail = false;
    await expect(cache.get('c:democon', flaky, 'acmecorp', 'democon')).resolves.toMatchObject({ organizer: 'acmecorp' });
    expect(calls.filter((call) => call === 'event')).toHaveLength(1);
  });
});
