import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../receiver/store/group-commit';

describe('group commit', () => {
  it('serves 200 concurrent commits with at most two writes, each seeing every change made before it', async () => {
    let state = 0;
    const written: number[] = [];
    const group = new GroupCommit(async () => {
      const snapshot = state;
      await new Promise((resolve) => setTimeout(resolve, 5));
      written.push(snapshot);
    });
    await Promise.all(
      Array.from({ length: 200 }, () => {
        state += 1;
        return group.commit();
      }),
    );
    expect(written.length).toBeLessThanOrEqual(2);
    expect(written.at(-1)).toBe(200);
  });

  it('a commit asked during a write waits for the next write', async () => {
    let state = 'a';
    const written: string[] = [];
    const group = new GroupCommit(async () => {
      const snapshot = state;
      await new Promise((resolve) => setTimeout(resolve, 5));
      written.push(snapshot);
    });
    const first = group.commit();
    state = 'b';
    const second = group.commit();
    await first;
    await second;
    expect(written).toEqual(['a', 'b']);
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
