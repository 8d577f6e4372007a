import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../receiver/lib/rate-limiter';
import { manualClock } from '../helpers/manual-clock';

describe('rate limiter', () => {
  function clocked(limit: number, intervalMs: number) {
    const clock = manualClock();
    const limiter = createRateLimiter({ limit, intervalMs, now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer });
    return { clock, limiter };
  }

  it('admits `limit` requests at once and the next one only an interval after the first release', async () => {
    const { clock, limiter } = clocked(3, 200);
    let admittedAt: number | null = null;
    const releases = await Promise.all([limiter.acquire('p'), limiter.acquire('p'), limiter.acquire('p')]);
    expect(clock.now()).toBe(0);
    void limiter.acquire('p').then(() => (admittedAt = clock.now()));
    await clock.advance(100);
    expect(admittedAt).toBeNull();
    releases.forEach((release) => release());
    await clock.advance(199);
    expect(admittedAt).toBeNull();
    await clock.advance(2);
    expect(admittedAt).toBe(301);
  });

  it('counts an unanswered request for as long as it takes, however long that is', async () => {
    const { clock, limiter } = clocked(1, 50);
    const release = await limiter.acquire('p');
    let second = false;
    void limiter.acquire('p').then(() => (second = true));
    await clock.advance(150); // three intervals: a send-time limiter would have let the second one go
    expect(second).toBe(false);
    release();
    await clock.advance(49);
    expect(second).toBe(false);
    await clock.advance(2);
    expect(second).toBe(true);
  });

  it('keeps keys apart, serves a key in arrival order, and honours pause()', async () => {
    const { clock, limiter } = clocked(1, 30);
    const order: string[] = [];
    (await limiter.acquire('a'))();
    (await limiter.acquire('b'))();
    limiter.pause('a', 120);
    const done = Promise.all(['x', 'y', 'z'].map(async (name) => {
      const release = await limiter.acquire('a');
      order.push(`${name}@${clock.now()}`);
      release();
    }));
    // Key b is not paused and its slot left the window after 30 ms.
    let bAt: number | null = null;
    void limiter.acquire('b').then((release) => {
      bAt = clock.now();
      release();
    });
    await clock.advance(119);
    expect(order).toEqual([]);
    expect(bAt).toBe(31);
    await clock.advance(1_000);
    await done;
    expect(order.map((entry) => entry.split('@')[0])).toEqual(['x', 'y', 'z']);
    const times = order.map((entry) => Number(entry.split('@')[1]));
    expect(times[0]).toBeGreaterThanOrEqual(120);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(30);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(30);
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

/** A clock and timers the test moves by hand: no sleeps, and every wake-up happens exactly when it is due. */
describe('rate limiter priorities (injected clock)', () => {
  function setup(limit: number, intervalMs: number, reserve: number, graceMs = 0) {
    const clock = manualClock();
    const limiter = createRateLimiter({ limit, intervalMs, reserve, graceMs, now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer });
    const admitted: string[] = [];
    const take = (name: string, priority: 'interactive' | 'background') =>
      limiter.acquire('p', priority).then((release) => {
        admitted.push(name);
        return release;
      });
    return { clock, limiter, admitted, take };
  }

  it('keeps `reserve` slots free of background work, and lets interactive requests use them at once', async () => {
    const { clock, limiter, admitted, take } = setup(10, 1000, 3);
    const background = Array.from({ length: 10 }, (_, i) => take(`b${i}`, 'background'));
    await clock.advance(0);
    expect(admitted).toHaveLength(7);
    expect(limiter.usage('p')).toMatchObject({ open: 7, inWindow: 0, limit: 10, reserve: 3, waiting: { interactive: 0, background: 3 } });
    const interactive = [take('i0', 'interactive'), take('i1', 'interactive'), take('i2', 'interactive')];
    await clock.advance(0);
    expect(admitted.slice(7)).toEqual(['i0', 'i1', 'i2']);
    // The whole window is in use now: a fourth interactive request waits like everyone else, but goes first.
    void take('i3', 'interactive');
    await clock.advance(0);
    expect(admitted).toHaveLength(10);
    (await Promise.all([...background.slice(0, 7), ...interactive])).forEach((release) => release());
    expect(limiter.usage('p')).toMatchObject({ open: 0, inWindow: 10 });
    await clock.advance(999);
    expect(admitted).toHaveLength(10);
    await clock.advance(2);
    // Ten slots left the window: i3 first, then background only up to limit − reserve (6 more beside i3's one).
    expect(admitted.slice(10)).toEqual(['i3', 'b7', 'b8', 'b9']);
    expect(limiter.usage('p').admitted).toEqual({ interactive: 4, background: 10 });
  });

  it('serves every waiting interactive request before any waiting background one, each line in arrival order', async () => {
    const { clock, admitted, take } = setup(2, 100, 0);
    const first = await Promise.all([take('x', 'background'), take('y', 'background')]);
    void take('b1', 'background');
    void take('b2', 'background');
    void take('i1', 'interactive');
    void take('b3', 'background');
    void take('i2', 'interactive');
    await clock.advance(0);
    first.forEach((release) => release());
    await clock.advance(101);
    expect(admitted).toEqual(['x', 'y', 'i1', 'i2']);
  });

  it('counts a slot from the response: an unanswered request holds it however long it takes', async () => {
    const { clock, admitted, take } = setup(1, 100, 0);
    const release = await take('slow', 'background');
    void take('next', 'interactive');
    await clock.advance(10_000);
    expect(admitted).toEqual(['slow']);
    release();
    await clock.advance(100);
    expect(admitted).toEqual(['slow']);
    await clock.advance(1);
    expect(admitted).toEqual(['slow', 'next']);
  });

  it('holds both classes during a 429 pause', async () => {
    const { clock, limiter, admitted, take } = setup(5, 100, 1);
    limiter.pause('p', 500);
    void take('i', 'interactive');
    void take('b', 'background');
    await clock.advance(499);
    expect(admitted).toEqual([]);
    await clock.advance(1);
    expect(admitted).toEqual(['i', 'b']);
    expect(limiter.usage('p').pauses).toBe(1);
  });

  it('never lets more than `limit` requests (background: limit − reserve) touch one window, under random load', async () => {
    const limit = 11;
    const reserve = 3;
    const intervalMs = 1000;
    const { clock, limiter } = setup(limit, intervalMs, reserve);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const requests: { priority: 'interactive' | 'background'; admittedAt: number; releasedAt: number | null }[] = [];
    const violations: string[] = [];
    // Alive at t: admitted by t and not answered more than an interval before t. Whatever the remote arrival time
    // within [admitted, released], ≤ limit alive at every admission means ≤ limit arrivals in any window.
    const aliveAt = (t: number) => requests.filter((r) => r.admittedAt <= t && (r.releasedAt === null || r.releasedAt > t - intervalMs)).length;
    const launch = (priority: 'interactive' | 'background') =>
      limiter.acquire('p', priority).then((release) => {
        const request = { priority, admittedAt: clock.now(), releasedAt: null as number | null };
        requests.push(request);
        const alive = aliveAt(clock.now());
        if (alive > (priority === 'background' ? limit - reserve : limit)) violations.push(`${priority} at ${clock.now()}: ${alive} alive`);
        const latency = 1 + Math.floor(random() * 400);
        return { request, release, doneAt: clock.now() + latency };
      });
    const inFlight: Awaited<ReturnType<typeof launch>>[] = [];
    const pendingLaunches: Promise<void>[] = [];
    for (let step = 0; step < 600; step += 1) {
      const roll = random();
      if (roll < 0.5) pendingLaunches.push(launch('background').then((r) => void inFlight.push(r)));
      else if (roll < 0.6) pendingLaunches.push(launch('interactive').then((r) => void inFlight.push(r)));
      await clock.advance(Math.floor(random() * 40));
      for (const flight of inFlight.filter((f) => f.doneAt <= clock.now())) {
        flight.release();
        flight.request.releasedAt = clock.now();
        inFlight.splice(inFlight.indexOf(flight), 1);
      }
    }
    expect(violations).toEqual([]);
    // Saturated: about `limit` per interval and a bit (latencies add to each slot's time in the window).
    expect(requests.length).toBeGreaterThan(60);
    expect(requests.some((r) => r.priority === 'interactive')).toBe(true);
  });

  it('with a grace, lets background into the reserve only while reserved slots free up within the grace', async () => {
    const { clock, admitted, take } = setup(10, 1000, 3, 500);
    (await Promise.all(Array.from({ length: 7 }, (_, i) => take(`a${i}`, 'background')))).forEach((release) => release());
    // t = 0: seven slots leave the window at 1000, beyond the grace: background stays out of the reserve.
    const more = Array.from({ length: 4 }, (_, i) => take(`b${i}`, 'background'));
    await clock.advance(499);
    expect(admitted).toHaveLength(7);
    // t = 500: they leave within the grace now, so background may fill the window.
    await clock.advance(2);
    expect(admitted.slice(7)).toEqual(['b0', 'b1', 'b2']);
    // A person's request waits for the first of the seven to leave: at most the grace.
    void take('i', 'interactive');
    await clock.advance(499);
    expect(admitted).not.toContain('i');
    await clock.advance(1);
    expect(admitted[10]).toBe('i');
    void more;
  });

  it('with a grace, an interactive request never waits longer than the grace under random background load', async () => {
    const limit = 110;
    const reserve = 10;
    const intervalMs = 10_000;
    const graceMs = 1000;
    const { clock, limiter } = setup(limit, intervalMs, reserve, graceMs);
    let seed = 99;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    type Admission = { at: number; releasedAt: number | null; background: boolean };
    const admissions: Admission[] = [];
    const inFlight: { release: () => void; doneAt: number; entry: Admission }[] = [];
    const background = () =>
      void limiter.acquire('p', 'background').then((release) => {
        const entry: Admission = { at: clock.now(), releasedAt: null, background: true };
        admissions.push(entry);
        inFlight.push({ release, doneAt: clock.now() + 50 + Math.floor(random() * 1500), entry });
      });
    const waits: number[] = [];
    let interactiveBusy = false;
    for (let step = 0; step < 3000; step += 1) {
      // A backfill keeps a deep queue of background work: always more waiting than fits.
      while (limiter.usage('p').waiting.background < 20) background();
      if (!interactiveBusy && random() < 0.02) {
        interactiveBusy = true;
        const askedAt = clock.now();
        void limiter.acquire('p', 'interactive').then((release) => {
          waits.push(clock.now() - askedAt);
          const entry: Admission = { at: clock.now(), releasedAt: null, background: false };
          admissions.push(entry);
          inFlight.push({ release: () => ((interactiveBusy = false), release()), doneAt: clock.now() + 200, entry });
        });
      }
      await clock.advance(Math.floor(random() * 60));
      for (const flight of inFlight.filter((f) => f.doneAt <= clock.now())) {
        flight.release();
        flight.entry.releasedAt = clock.now();
        inFlight.splice(inFlight.indexOf(flight), 1);
      }
    }
    expect(waits.length).toBeGreaterThan(20);
    expect(Math.max(...waits)).toBeLessThanOrEqual(graceMs);
    const aliveAt = (t: number) => admissions.filter((r) => r.at <= t && (r.releasedAt === null || r.releasedAt > t - intervalMs)).length;
    expect(Math.max(...admissions.map((a) => aliveAt(a.at)))).toBeLessThanOrEqual(limit);
    // And background went beyond the strict cap (limit − reserve) at times: what the grace is for.
    const backgroundPeak = Math.max(...admissions.filter((a) => a.background).map((a) => aliveAt(a.at)));
    expect(backgroundPeak).toBeGreaterThan(limit - reserve);
  });
});
