// fetchOrders against an in-memory pretix (PretixClientLike): which list pages it reads, in which order, and when
// single fetches are cheaper. Orders are modified 10 ms apart, as in a burst; requests are counted per kind.
import { describe, expect, it } from 'vitest';
import { fetchOrders } from '../../receiver/sync/order-fetcher';
import { code, MemoryPretix, T0 } from './memory-ports';

/** Wanted: orders `from`…`to - 1`, each triggered right after it was modified. */
const wantedRange = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => ({ code: code(from + k), firstTriggeredAt: T0 + (from + k) * 10 + 5 }));
const clock = () => T0 + 60_000;

describe('fetchOrders', () => {
  it('fetches fewer orders than the list threshold one by one', async () => {
    const pretix = new MemoryPretix(10);
    const result = await fetchOrders(pretix, 'democon', wantedRange(8, 10), clock);
    expect(pretix.calls).toEqual(['get C0008', 'get C0009']);
    expect(result.requests).toBe(2);
    expect([...result.orders.keys()]).toEqual(['C0008', 'C0009']);
  });

  it('first batch: newest first, when the newest orders are the announced ones', async () => {
    const pretix = new MemoryPretix(300);
    const result = await fetchOrders(pretix, 'democon', wantedRange(200, 300), clock);
    expect(pretix.calls).toEqual(['list -last_modified page 1', 'list -last_modified page 2']);
    expect(result.orders.size).toBe(100);
    expect(result.newestModified).toBe(T0 + 299 * 10);
  });

  it('first batch behind a queue backlog: when the newest page holds nothing anybody waits for, reads oldest first', async () => {
    const pretix = new MemoryPretix(1000);
    // The webhooks of the 900 newer orders have not arrived yet: nobody waits for them.
    const result = await fetchOrders(pretix, 'democon', wantedRange(0, 100), clock, { awaited: () => false });
    expect(pretix.calls).toEqual(['list -last_modified page 1', 'list last_modified page 1', 'list last_modified page 2']);
    expect(result.orders.size).toBe(100);
    expect(result.requests).toBe(3);
  });

  it('keeps reading newest first while the pages serve jobs that wait (kept for them as others)', async () => {
    const pretix = new MemoryPretix(300);
    const awaited = new Set(Array.from({ length: 100 }, (_, k) => code(200 + k)));
    const result = await fetchOrders(pretix, 'democon', wantedRange(100, 200), clock, { awaited: (c) => awaited.has(c) });
    expect(pretix.calls).toEqual(['list -last_modified page 1', 'list -last_modified page 2', 'list -last_modified page 3', 'list -last_modified page 4']);
    expect(result.others.map((o) => o.order.code)).toEqual(expect.arrayContaining([...awaited]));
    // The resume point covers the kept orders too: the next batch starts after them.
    expect(result.newestModified).toBe(T0 + 299 * 10);
  });

  it('next batches resume oldest first from where the previous one ended', async () => {
    const pretix = new MemoryPretix(1000);
    const result = await fetchOrders(pretix, 'democon', wantedRange(400, 500), clock, { resumeFrom: T0 + 399 * 10, awaited: () => false });
    // From order 399 on: 399…448, 449…498; the last one missing is cheaper on its own than a third page.
    expect(pretix.calls).toEqual(['list last_modified page 1', 'list last_modified page 2', `get ${code(499)}`]);
    expect(result.orders.size).toBe(100);
    expect(result.newestModified).toBe(T0 + 498 * 10);
  });

  it('fetches an order changed before the resume point on its own', async () => {
    const pretix = new MemoryPretix(200);
    const wanted = [...wantedRange(150, 160), { code: code(5), firstTriggeredAt: T0 + 1_600 }];
    const result = await fetchOrders(pretix, 'democon', wanted, clock, { resumeFrom: T0 + 149 * 10 });
    expect(pretix.calls).toEqual(['list last_modified page 1', `get ${code(5)}`]);
    expect(result.orders.get(code(5))?.code).toBe(code(5));
  });

  it('stops listing when another page would cost more than the missing orders one by one', async () => {
    const pretix = new MemoryPretix(1000);
    // Three orders spread over the list, all announced long after a 5-minute skew window would reach back.
    const wanted = [0, 500, 999].map((i) => ({ code: code(i), firstTriggeredAt: T0 + i * 10 + 5 }));
    const result = await fetchOrders(pretix, 'democon', wanted, clock, { awaited: () => true });
    // Page 1 has 999; two missing then → one more page at most before single fetches.
    expect(pretix.calls.filter((c) => c.startsWith('list'))).toHaveLength(2);
    expect(pretix.calls.filter((c) => c.startsWith('get'))).toEqual([`get ${code(0)}`, `get ${code(500)}`]);
    expect(result.orders.size).toBe(3);
  });

  it('reports an order pretix no longer has as null', async () => {
    const pretix = new MemoryPretix(3);
    const result = await fetchOrders(pretix, 'democon', [{ code: 'GONE1', firstTriggeredAt: T0 }], clock);
    expect(result.orders.get('GONE1')).toBeNull();
  });
});
