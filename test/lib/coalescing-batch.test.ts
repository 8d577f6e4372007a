import { describe, expect, it } from 'vitest';
import { coalescingBatch } from '../../receiver/lib/coalescing-batch';

/** A run whose batches the test releases one by one. */
function heldRuns() {
  const batches: { items: number[]; release: (error?: Error) => void }[] = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ items, release: (error) => (error ? reject(error) : resolve(items.map((n) => `r${n}`))) });
    });
  return { batches, run };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));
/** Long enough for a batch that is due to be taken: its turn of the event loop and the microtasks before it. */
const settle = async () => {
  await tick();
  await tick();
};

describe('coalescingBatch', () => {
  it('sends an idle call at once, and the calls made meanwhile together in the next batch', async () => {
    const { batches, run } = heldRuns();
    const call = coalescingBatch(run);
    const first = call(1);
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    const later = [call(2), call(3), call(4)];
    await tick();
    expect(batches).toHaveLength(1);
    batches[0]!.release();
    expect(await first).toBe('r1');
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    batches[1]!.release();
    expect(await Promise.all(later)).toEqual(['r2', 'r3', 'r4']);
  });

  it('takes a batch one turn of the event loop after its first call, with every call made in that turn', async () => {
    const { batches, run } = heldRuns();
    const call = coalescingBatch(run);
    const calls = [call(1)];
    // A call made later in the same turn (as the other requests read in one poll of the sockets are) joins it; one
    // made in a later turn waits for the next batch.
    await Promise.resolve();
    calls.push(call(2));
    expect(batches).toHaveLength(0);
    setImmediate(() => calls.push(call(3)));
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1, 2]]);
    batches[0]!.release();
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3]]);
    batches[1]!.release();
    expect(await Promise.all(calls)).toEqual(['r1', 'r2', 'r3']);
  });

  it('keeps batches within maxItems, in call order', async () => {
    const { batches, run } = heldRuns();
    const call = coalescingBatch(run, { maxItems: 2 });
    const calls = [1, 2, 3, 4, 5].map((n) => call(n));
    await settle();
    batches[0]!.release();
    await settle();
    batches[1]!.release();
    await settle();
    batches[2]!.release();
    expect(await Promise.all(calls)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects every call of a failed batch and goes on with the next', async () => {
    const { batches, run } = heldRuns();
    const call = coalescingBatch(run);
    const first = call(1);
    await tick();
    const second = call(2);
    batches[0]!.release(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    batches[1]!.release();
    expect(await second).toBe('r2');
  });

  it('rejects when run answers the wrong number of results', async () => {
    const call = coalescingBatch(async (items: number[]) => items.slice(1));
    await expect(call(1)).rejects.toThrow('a batch of 1 calls got 0 results');
  });
});
