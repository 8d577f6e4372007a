import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../receiver/lib/rate-limiter';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limiter', () => {
  it('admits `limit` requests at once and the next one only an interval after the first release', async () => {
    const limiter = createRateLimiter({ limit: 3, intervalMs: 200 });
    const t0 = Date.now();
    const releases = await Promise.all([limiter.acquire('p'), limiter.acquire('p'), limiter.acquire('p')]);
    expect(Date.now() - t0).toBeLessThan(50);
    const fourth = limiter.acquire('p');
    await sleep(100);
    const releasedAt = Date.now();
    releases.forEach((release) => release());
    await fourth;
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(195);
  });

  it('counts an unanswered request for as long as it takes, however long that is', async () => {
    const limiter = createRateLimiter({ limit: 1, intervalMs: 50 });
    const release = await limiter.acquire('p');
    let second = false;
    void limiter.acquire('p').then(() => (second = true));
    await sleep(150); // three intervals: a send-time limiter would have let the second one go
    expect(second).toBe(false);
    release();
    await sleep(80);
    expect(second).toBe(true);
  });

  it('keeps keys apart, serves a key in arrival order, and honours pause()', async () => {
    const limiter = createRateLimiter({ limit: 1, intervalMs: 30 });
    const order: string[] = [];
    (await limiter.acquire('a'))();
    (await limiter.acquire('b'))();
    limiter.pause('a', 120);
    const t0 = Date.now();
    await Promise.all(['x', 'y', 'z'].map(async (name) => {
      const release = await limiter.acquire('a');
      order.push(name);
      release();
    }));
    expect(order).toEqual(['x', 'y', 'z']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
  });

  it('reports how many requests count in the window: open ones, and finished ones until they leave it', async () => {
    let t = 1_000;
    const limiter = createRateLimiter({ limit: 5, intervalMs: 100, now: () => t });
    expect(limiter.inWindow('p')).toBe(0);
    const first = await limiter.acquire('p');
    const second = await limiter.acquire('p');
    expect(limiter.inWindow('p')).toBe(2);
    first();
    t += 60;
    second();
    expect(limiter.inWindow('p')).toBe(2);
    t += 41; // the first release has left the window, the second has not
    expect(limiter.inWindow('p')).toBe(1);
    t += 60;
    expect(limiter.inWindow('p')).toBe(0);
    expect(limiter.inWindow('other')).toBe(0);
  });
});
