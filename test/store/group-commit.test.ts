import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../receiver/store/group-commit';

/** A write the test finishes by hand, so that "during a write" is a fact of the test, not a matter of timing. */
function heldWrites<T>(snapshot: () => T) {
  const written: T[] = [];
  const pending: (() => void)[] = [];
  const write = async () => {
    const value = snapshot();
    await new Promise<void>((resolve) => pending.push(resolve));
    written.push(value);
  };
  /** Finishes the write under way; resolves once the group commit had a chance to start the next one. */
  const finishOne = async () => {
    const next = pending.shift();
    if (!next) throw new Error('no write under way');
    next();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { written, write, finishOne, get running() { return pending.length; } };
}

describe('group commit', () => {
  it('serves 200 concurrent commits with at most two writes, each seeing every change made before it', async () => {
    let state = 0;
    const disk = heldWrites(() => state);
    const group = new GroupCommit(disk.write);
    const all = Promise.all(
      Array.from({ length: 200 }, () => {
        state += 1;
        return group.commit();
      }),
    );
    // The first commit started a write at once (seeing 1); the other 199 share the next one.
    expect(disk.running).toBe(1);
    await disk.finishOne();
    expect(disk.running).toBe(1);
    await disk.finishOne();
    await all;
    expect(disk.written).toEqual([1, 200]);
  });

  it('a commit asked during a write waits for the next write', async () => {
    let state = 'a';
    const disk = heldWrites(() => state);
    const group = new GroupCommit(disk.write);
    let firstDone = false;
    let secondDone = false;
    const first = group.commit().then(() => (firstDone = true));
    state = 'b';
    const second = group.commit().then(() => (secondDone = true));
    await disk.finishOne();
    expect([firstDone, secondDone]).toEqual([true, false]);
    await disk.finishOne();
    await Promise.all([first, second]);
    expect(disk.written).toEqual(['a', 'b']);
  });

  it('rejects the waiters of a failed write and keeps working', async () => {
    let fail = true;
    const group = new GroupCommit(async () => {
      if (fail) throw new Error('disk full');
    });
    await expect(group.commit()).rejects.toThrow('disk full');
    fail = false;
    await expect(group.commit()).resolves.toBeUndefined();
  });
});
