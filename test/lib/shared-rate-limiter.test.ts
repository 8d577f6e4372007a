// Several receiver instances, each with its own limiter, drawing from one budget (in-process here; the PostgreSQL
// budget runs the same checks in test/store/postgres-rate-budget.test.ts): the window holds across all of them and
// each instance keeps its priorities.
import { describe, expect, it } from 'vitest';
import type { Priority } from '../../receiver/lib/rate-limiter';
import { createMemoryBudget, decide, type BudgetWindow, type SharedBudget } from '../../receiver/lib/shared-budget';
import { createSharedRateLimiter } from '../../receiver/lib/shared-rate-limiter';
import { interactiveRule } from '../../receiver/lib/interactive-rule';
import { minimumSecondsWithReserve } from '../../bench/reserve-bound';
import { manualClock } from '../helpers/manual-clock';

function instances(count: number, window: BudgetWindow, budgetFor?: (clock: ReturnType<typeof manualClock>) => SharedBudget) {
  const clock = manualClock();
  const budget = budgetFor?.(clock) ?? createMemoryBudget(window, clock.now);
  const limiters = Array.from({ length: count }, () =>
    createSharedRateLimiter({ budget, intervalMs: window.windowMs, now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer }),
  );
  return { clock, budget, limiters };
}

const seeded = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

describe('shared rate limiter', () => {
  it('three instances together admit `limit` per window, not `limit` each', async () => {
    const window: BudgetWindow = { limit: 5, reserve: 0, graceMs: 0, windowMs: 1000, holdMs: 5000 };
    const { clock, limiters } = instances(3, window);
    const admittedAt: number[] = [];
    for (const limiter of limiters) {
      for (let i = 0; i < 5; i += 1) {
        void limiter.acquire('portal').then((release) => {
          admittedAt.push(clock.now());
          release();
        });
      }
    }
    await clock.advance(10);
    expect(admittedAt).toHaveLength(5);
    await clock.advance(1000);
    expect(admittedAt).toHaveLength(10);
    await clock.advance(1000);
    expect(admittedAt).toHaveLength(15);
    expect(limiters[0]!.inWindow('portal')).toBe(5);
  });

  it('never lets more than `limit` requests of all instances touch one window, under random load, with the reserve and grace', async () => {
    const window: BudgetWindow = { limit: 22, reserve: 2, graceMs: 300, windowMs: 2000, holdMs: 10_000 };
    const { clock, limiters } = instances(3, window);
    const random = seeded(7);
    type Request = { priority: Priority; admittedAt: number; releasedAt: number | null; askedAt: number };
    const requests: Request[] = [];
    const inFlight: { request: Request; release: () => void; doneAt: number }[] = [];
    const aliveAt = (t: number) => requests.filter((r) => r.admittedAt <= t && (r.releasedAt === null || r.releasedAt > t - window.windowMs)).length;
    const violations: string[] = [];
    const launch = (instance: number, priority: Priority) => {
      const askedAt = clock.now();
      void limiters[instance]!.acquire('portal', priority).then((release) => {
        const request: Request = { priority, admittedAt: clock.now(), releasedAt: null, askedAt };
        requests.push(request);
        const alive = aliveAt(clock.now());
        if (alive > window.limit) violations.push(`${priority} on ${instance} at ${clock.now()}: ${alive} alive`);
        inFlight.push({ request, release, doneAt: clock.now() + 1 + Math.floor(random() * 400) });
      });
    };
    for (let step = 0; step < 1500; step += 1) {
      const roll = random();
      const instance = Math.floor(random() * 3);
      if (roll < 0.6) launch(instance, 'background');
      else if (roll < 0.63) launch(instance, 'interactive');
      await clock.advance(Math.floor(random() * 30));
      for (const flight of inFlight.filter((f) => f.doneAt <= clock.now())) {
        flight.release();
        flight.request.releasedAt = clock.now();
        inFlight.splice(inFlight.indexOf(flight), 1);
      }
    }
    expect(violations).toEqual([]);
    // Saturated: together they got at least one window's worth per window plus the longest answer time (a slot
    // counts from its take to one window after its answer), and interactive requests got through.
    expect(requests.length).toBeGreaterThan((window.limit * clock.now()) / (window.windowMs + 400));
    const interactive = requests.filter((r) => r.priority === 'interactive');
    expect(interactive.length).toBeGreaterThan(10);
  });

  it('admits a waiting interactive request of an instance before its waiting background ones', async () => {
    const window: BudgetWindow = { limit: 2, reserve: 0, graceMs: 0, windowMs: 100, holdMs: 1000 };
    const { clock, limiters } = instances(2, window);
    const [a, b] = limiters as [ReturnType<typeof createSharedRateLimiter>, ReturnType<typeof createSharedRateLimiter>];
    (await a.acquire('p'))();
    (await b.acquire('p'))();
    const order: string[] = [];
    const take = (name: string, priority: Priority) => void a.acquire('p', priority).then((release) => (order.push(name), release()));
    take('bg1', 'background');
    take('bg2', 'background');
    take('person', 'interactive');
    await clock.advance(250);
    expect(order[0]).toBe('person');
    expect(order).toEqual(['person', 'bg1', 'bg2']);
  });

  it('keeps the reserve free of background work across instances', async () => {
    const window: BudgetWindow = { limit: 4, reserve: 1, graceMs: 0, windowMs: 1000, holdMs: 5000 };
    const { clock, limiters } = instances(2, window);
    const admitted: string[] = [];
    for (const [index, limiter] of limiters.entries()) {
      for (let i = 0; i < 3; i += 1) void limiter.acquire('p', 'background').then(() => admitted.push(`bg${index}.${i}`));
    }
    await clock.advance(10);
    expect(admitted).toHaveLength(3);
    void limiters[1]!.acquire('p', 'interactive').then(() => admitted.push('person'));
    await clock.advance(10);
    expect(admitted).toContain('person');
  });

  it('counts a slot whose instance died mid-request until its hold time and one window have passed', async () => {
    const window: BudgetWindow = { limit: 1, reserve: 0, graceMs: 0, windowMs: 100, holdMs: 1000 };
    const { clock, limiters } = instances(2, window);
    await limiters[0]!.acquire('p'); // never released: the instance is gone
    let admittedAt: number | null = null;
    void limiters[1]!.acquire('p').then(() => (admittedAt = clock.now()));
    await clock.advance(1099);
    expect(admittedAt).toBeNull();
    await clock.advance(20);
    expect(admittedAt).not.toBeNull();
    expect(admittedAt!).toBeGreaterThanOrEqual(1100);
  });

  it('waits while the budget cannot be reached and admits once it answers again', async () => {
    const window: BudgetWindow = { limit: 3, reserve: 0, graceMs: 0, windowMs: 100, holdMs: 1000 };
    let failing = true;
    const errors: unknown[] = [];
    const clock = manualClock();
    const inner = createMemoryBudget(window, clock.now);
    const budget: SharedBudget = { ...inner, take: (key, priority) => (failing ? Promise.reject(new Error('connection refused')) : inner.take(key, priority)) };
    const limiter = createSharedRateLimiter({ budget, intervalMs: 100, now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer, onBudgetError: (e) => errors.push(e) });
    let admitted = false;
    void limiter.acquire('p').then(() => (admitted = true));
    await clock.advance(1200);
    expect(admitted).toBe(false);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    failing = false;
    await clock.advance(600);
    expect(admitted).toBe(true);
  });
});

/**
 * Backfills as bench/scale.ts runs them, on the fake clock: `perInstance` background requests per instance, twelve
 * at a time (the backfill's batch concurrency), each answered `answerMs` after its admission. Returns every
 * admission time, in order.
 */
async function saturatedBackfills(window: BudgetWindow, perInstance: number[], answerMs: number): Promise<number[]> {
  const { clock, limiters } = instances(perInstance.length, window);
  const admittedAt: number[] = [];
  await Promise.all([
    ...perInstance.map(async (count, index) => {
      let left = count;
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          while (left > 0) {
            left -= 1;
            const release = await limiters[index]!.acquire('portal', 'background');
            admittedAt.push(clock.now());
            await new Promise<void>((resolve) => clock.setTimer(resolve, answerMs));
            release();
          }
        }),
      );
    }),
    (async () => {
      while (admittedAt.length < perInstance.reduce((a, b) => a + b, 0)) await clock.advance(1000);
    })(),
  ]);
  return admittedAt;
}

describe.each([
  { rule: 'the receiver\'s', window: { limit: 110, ...interactiveRule('hubspot', 110), windowMs: 10_150, holdMs: 30_000 }, generationsOf408: 3 },
  { rule: 'the earlier (reserve 10)', window: { limit: 110, reserve: 10, graceMs: 1000, windowMs: 10_150, holdMs: 30_000 }, generationsOf408: 4 },
])('three saturated instances on one budget, HubSpot\'s window (110 per 10 s + 150 ms) under $rule interactive rule', ({ window, generationsOf408 }: { window: BudgetWindow; generationsOf408: number }) => {
  const answerMs = 10;
  // What a slot may lose to the budget's mechanics per window: its answer time (it counts from there), the one
  // millisecond past the slot's end, and the limiter's floor between asks (min(50, window / 100)).
  const perWindowMs = answerMs + 1 + 50;

  const maxInAnyStretch = (times: number[], stretchMs: number) => {
    let max = 0;
    for (let end = 0, start = 0; end < times.length; end += 1) {
      while (times[start]! <= times[end]! - stretchMs) start += 1;
      max = Math.max(max, end - start + 1);
    }
    return max;
  };

  it.each([
    { perInstance: [136, 136, 136], generations: generationsOf408 }, // 408 requests: the bench's three backfills of 3,333 orders
    { perInstance: [134, 133, 133], generations: 3 }, // 400: one backfill of 10,000 orders
  ])('finish $perInstance requests as soon as the reserve rule allows, and no sooner', async ({ perInstance, generations }) => {
    const admittedAt = await saturatedBackfills(window, perInstance, answerMs);
    const total = perInstance.reduce((a, b) => a + b, 0);
    const boundMs = 1000 * minimumSecondsWithReserve(total, { limit: window.limit, intervalMs: window.windowMs }, window);
    const last = admittedAt[admittedAt.length - 1]!;
    // The guarantees: never more than the limit in a window, never more than limit − reserve background requests
    // in a window less the grace (so `reserve` interactive calls always find a slot within the grace).
    expect(maxInAnyStretch(admittedAt, window.windowMs)).toBeLessThanOrEqual(window.limit);
    expect(maxInAnyStretch(admittedAt, window.windowMs - window.graceMs)).toBeLessThanOrEqual(window.limit - window.reserve);
    // The bound is what the rule costs (it cannot be beaten), and the shared limiter loses nothing beyond it but a
    // few milliseconds per window: no polling gaps, no turns skipped between the instances.
    expect(last).toBeGreaterThanOrEqual(boundMs);
    expect(last).toBeLessThanOrEqual(boundMs + generations * perWindowMs);
  });
});

describe('budget admission rule', () => {
  const window: BudgetWindow = { limit: 10, reserve: 3, graceMs: 500, windowMs: 1000, holdMs: 5000 };
  const finished = (...ends: number[]) => ends.map((endsAt) => ({ endsAt, open: false }));

  it('lets background into the reserve only while reserved slots leave within the grace, and says when to look again', () => {
    expect(decide(finished(1000, 1000, 1000, 1000, 1000, 1000, 1000), 'background', window, 0)).toEqual({ fits: false, used: 7, retryInMs: 501 });
    expect(decide(finished(1000, 1000, 1000, 1000, 1000, 1000, 1000), 'background', window, 500).fits).toBe(true);
    expect(decide(finished(1000, 1000, 1000, 1000, 1000, 1000, 1000), 'interactive', window, 0).fits).toBe(true);
  });

  it('asks again one window later at the latest when only open slots fill it', () => {
    const open = Array.from({ length: 10 }, () => ({ endsAt: 6000, open: true }));
    expect(decide(open, 'interactive', window, 0)).toEqual({ fits: false, used: 10, retryInMs: 1000 });
  });
});
