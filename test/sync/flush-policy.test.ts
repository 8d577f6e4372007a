// The flush policy on its own: every rule with explicit times, then the traffic shapes of issue 10 simulated on a
// virtual clock (arrivals, flushes and a sliding HubSpot window), so the policy's cost and latency can be checked
// without a receiver.
import { describe, expect, it } from 'vitest';
import {
  ArrivalTracker,
  decideFlush,
  DEFAULT_FLUSH_POLICY,
  quietMsFor,
  type FlushInputs,
} from '../../receiver/sync/flush-policy';

const P = DEFAULT_FLUSH_POLICY;
const base = (over: Partial<FlushInputs> = {}): FlushInputs => ({
  now: 10_000,
  backlog: 1,
  oldestAt: 10_000,
  lastArrivalAt: 10_000,
  meanGapMs: null,
  requestsPerBatch: 4,
  budget: { used: 0, limit: 110, windowMs: 10_000 },
  ...over,
});

describe('decideFlush', () => {
  it('has nothing to do without a backlog', () => {
    expect(decideFlush(base({ backlog: 0, oldestAt: null, lastArrivalAt: null }))).toEqual({ flush: false, until: null, reason: 'idle' });
  });

  it('sends a full batch at once, even with the background share used up', () => {
    expect(decideFlush(base({ backlog: 100, budget: { used: 100, limit: 110, windowMs: 10_000 } }))).toEqual({ flush: true, reason: 'full' });
  });

  it('sends at once when a person waits for one of the orders, whatever the budget', () => {
    const busy = { used: 100, limit: 110, windowMs: 10_000 };
    expect(decideFlush(base({ now: 10_010, lastArrivalAt: 10_005, meanGapMs: 5, budget: busy, interactive: true }))).toEqual({ flush: true, reason: 'interactive' });
    expect(decideFlush(base({ now: 10_010, lastArrivalAt: 10_005, meanGapMs: 5, budget: busy }))).toMatchObject({ flush: false });
  });

  it('waits while orders keep arriving, then sends when they pause', () => {
    const filling = decideFlush(base({ now: 10_040, backlog: 5, lastArrivalAt: 10_030, meanGapMs: 10 }));
    // Quiet after 4 mean gaps, but never sooner than minQuietMs after the last arrival.
    expect(filling).toEqual({ flush: false, until: 10_030 + P.minQuietMs, reason: 'filling' });
    expect(decideFlush(base({ now: 10_030 + P.minQuietMs, backlog: 5, lastArrivalAt: 10_030, meanGapMs: 10 }))).toEqual({ flush: true, reason: 'quiet' });
  });

  it("counts a pause only from the end of the worker's own last flush (webhooks wait for answers meanwhile)", () => {
    const afterFlush = { now: 10_300, backlog: 30, oldestAt: 10_000, lastArrivalAt: 10_050, meanGapMs: 5 };
    expect(decideFlush(base(afterFlush))).toEqual({ flush: true, reason: 'quiet' });
    expect(decideFlush(base({ ...afterFlush, lastFlushEndedAt: 10_280 }))).toEqual({ flush: false, until: 10_280 + P.minQuietMs, reason: 'filling' });
  });

  it('sends a lone order on an idle receiver within maxQuietMs', () => {
    // The mean gap after a long idle spell is large: the quiet rule is capped.
    expect(quietMsFor(5_000, P)).toBe(P.maxQuietMs);
    const decision = decideFlush(base({ meanGapMs: 5_000 }));
    expect(decision).toEqual({ flush: false, until: 10_000 + P.maxQuietMs, reason: 'filling' });
    expect(decideFlush(base({ now: 10_000 + P.maxQuietMs, meanGapMs: 5_000 }))).toEqual({ flush: true, reason: 'quiet' });
  });

  it('sends at the latency target in a steady stream that never pauses', () => {
    const stream = { backlog: 20, oldestAt: 10_000, meanGapMs: 50 };
    expect(decideFlush(base({ ...stream, now: 10_990, lastArrivalAt: 10_980 }))).toMatchObject({ flush: false, until: 11_000 });
    expect(decideFlush(base({ ...stream, now: 11_000, lastArrivalAt: 10_980 }))).toEqual({ flush: true, reason: 'latency' });
  });

  it('waits a little past the latency target when arrivals are about to fill the batch', () => {
    const nearlyFull = { backlog: 90, oldestAt: 10_000, meanGapMs: 10, now: 11_000, lastArrivalAt: 10_995 };
    // 10 more orders at 10 ms each: full 100 ms from now, inside the grace.
    expect(decideFlush(base(nearlyFull))).toMatchObject({ flush: false, reason: 'filling' });
    // Far from full: no point waiting.
    expect(decideFlush(base({ ...nearlyFull, backlog: 20 }))).toEqual({ flush: true, reason: 'latency' });
    // Grace over.
    expect(decideFlush(base({ ...nearlyFull, now: 11_000 + P.fillGraceMs, lastArrivalAt: 11_000 + P.fillGraceMs - 5 }))).toEqual({ flush: true, reason: 'latency' });
  });

  it('holds a due batch while the background share of the budget is in use, and sends it once overdue', () => {
    const busy = { used: 53, limit: 110, windowMs: 10_000 };
    const decision = decideFlush(base({ now: 11_000, backlog: 10, oldestAt: 10_000, lastArrivalAt: 10_990, meanGapMs: 50, budget: busy }));
    expect(decision.flush).toBe(false);
    expect(decision).toMatchObject({ reason: 'budget' });
    if (!decision.flush) expect(decision.until).toBeGreaterThan(11_000);
    // 51 + 4 fits in the 55 of the share.
    expect(decideFlush(base({ now: 11_000, backlog: 10, oldestAt: 10_000, lastArrivalAt: 10_990, meanGapMs: 50, budget: { ...busy, used: 51 } }))).toMatchObject({ flush: true });
    expect(decideFlush(base({ now: 10_000 + P.maxWaitMs, backlog: 10, oldestAt: 10_000, budget: busy }))).toEqual({ flush: true, reason: 'overdue' });
  });

  it('lets a batch dearer than the whole share go once the window is empty, rather than only when overdue', () => {
    const small = { limit: 8, windowMs: 1_000 }; // share 4, the batch costs 6
    const due = { now: 11_000, backlog: 10, oldestAt: 10_000, lastArrivalAt: 10_500, meanGapMs: 50, requestsPerBatch: 6 };
    expect(decideFlush(base({ ...due, budget: { ...small, used: 1 } }))).toMatchObject({ flush: false, reason: 'budget' });
    expect(decideFlush(base({ ...due, budget: { ...small, used: 0 } }))).toEqual({ flush: true, reason: 'quiet' });
  });

  it('holds a backlog of check-ins only to their longer target, and a pause in them does not send it', () => {
    const checkins = { backlog: 5, oldestAt: 10_000, oldestPromptAt: null, lastArrivalAt: 10_100, meanGapMs: 25 };
    // Quiet for an order long since, and past the orders' target: still waiting for the check-ins' own.
    expect(decideFlush(base({ ...checkins, now: 11_000 }))).toEqual({ flush: false, until: 10_000 + P.checkinLatencyTargetMs, reason: 'filling' });
    expect(decideFlush(base({ ...checkins, now: 10_000 + P.checkinLatencyTargetMs }))).toEqual({ flush: true, reason: 'latency' });
    // Full, or a person waiting, goes at once as always.
    expect(decideFlush(base({ ...checkins, now: 10_200, backlog: P.batchSize }))).toEqual({ flush: true, reason: 'full' });
    expect(decideFlush(base({ ...checkins, now: 10_200, interactive: true }))).toEqual({ flush: true, reason: 'interactive' });
  });

  it('an order change waiting among check-ins keeps its own target and its quiet rule, and takes them along', () => {
    const mixed = { backlog: 12, oldestAt: 10_000, oldestPromptAt: 10_500, meanGapMs: 25 };
    // A steady stream: the order's 1 s, not the oldest check-in's 2 s.
    expect(decideFlush(base({ ...mixed, now: 11_400, lastArrivalAt: 11_390 }))).toEqual({ flush: false, until: 10_500 + P.latencyTargetMs, reason: 'filling' });
    expect(decideFlush(base({ ...mixed, now: 10_500 + P.latencyTargetMs, lastArrivalAt: 11_490 }))).toEqual({ flush: true, reason: 'latency' });
    // Arrivals paused: the order goes as it would alone.
    expect(decideFlush(base({ ...mixed, now: 10_500 + P.minQuietMs, lastArrivalAt: 10_500 }))).toEqual({ flush: true, reason: 'quiet' });
    // The oldest check-in's target comes first when the order is recent.
    expect(decideFlush(base({ ...mixed, oldestPromptAt: 11_900, now: 11_950, lastArrivalAt: 11_940 }))).toEqual({ flush: false, until: 10_000 + P.checkinLatencyTargetMs, reason: 'filling' });
  });

  it('never holds check-ins to a shorter target than orders', () => {
    const options = { ...P, checkinLatencyTargetMs: 100 };
    const decision = decideFlush(base({ backlog: 3, oldestPromptAt: null, now: 10_500, lastArrivalAt: 10_490, meanGapMs: 10 }), options);
    expect(decision).toEqual({ flush: false, until: 10_000 + P.latencyTargetMs, reason: 'filling' });
  });

  it('without a known budget, only the latency rules apply', () => {
    expect(decideFlush(base({ now: 11_000, backlog: 3, lastArrivalAt: 10_990, meanGapMs: 50, budget: null }))).toEqual({ flush: true, reason: 'latency' });
  });
});

describe('ArrivalTracker', () => {
  it('keeps backlog, oldest arrival and a smoothed gap', () => {
    const tracker = new ArrivalTracker(0.5, 1_000);
    expect(tracker.backlog).toBe(0);
    expect(tracker.oldestAt).toBeNull();
    tracker.arrived(100);
    tracker.arrived(120);
    tracker.arrived(180);
    expect(tracker.backlog).toBe(3);
    expect(tracker.oldestAt).toBe(100);
    expect(tracker.lastArrivalAt).toBe(180);
    expect(tracker.meanGapMs).toBe(40); // 20, then 20 + 0.5 × (60 − 20)
    tracker.arrived(60_000); // a long pause counts as maxGapMs
    expect(tracker.meanGapMs).toBe(520);
  });

  it('remembers that a person waits until a claim took everything', () => {
    const tracker = new ArrivalTracker();
    tracker.arrived(1);
    tracker.arrived(2, 'interactive');
    expect(tracker.interactive).toBe(true);
    tracker.claimed(2, 1);
    expect(tracker.interactive).toBe(true);
    tracker.claimed(3, Infinity);
    expect(tracker.interactive).toBe(false);
  });

  it('knows the oldest arrival that is not only a check-in', () => {
    const tracker = new ArrivalTracker();
    tracker.arrived(1, 'checkin');
    tracker.arrived(2, 'checkin');
    expect(tracker.oldestAt).toBe(1);
    expect(tracker.oldestPromptAt).toBeNull();
    tracker.arrived(3);
    tracker.arrived(4, 'checkin');
    expect(tracker.oldestPromptAt).toBe(3);
    tracker.claimed(3, Infinity);
    expect(tracker.oldestAt).toBe(4);
    expect(tracker.oldestPromptAt).toBeNull();
    tracker.arrived(5, 'interactive');
    expect(tracker.oldestPromptAt).toBe(5);
  });

  it('a claim that took everything clears what arrived up to it; one stopped at its limit only the oldest', () => {
    const tracker = new ArrivalTracker();
    for (const t of [1, 2, 3, 4, 5]) tracker.arrived(t);
    tracker.claimed(3, 2);
    expect(tracker.backlog).toBe(3);
    expect(tracker.oldestAt).toBe(3);
    tracker.claimed(4, Infinity);
    expect(tracker.backlog).toBe(1);
    expect(tracker.oldestAt).toBe(5);
  });
});

/**
 * Drives the policy on a virtual clock: orders arrive at the given times, a flush takes the waiting orders (up to a
 * batch) and costs `requestsPerBatch` requests at once, the budget is a sliding window over those requests.
 */
function simulate(arrivals: number[], requestsPerBatch = 4, stepMs = 5, kind: 'background' | 'checkin' = 'background') {
  const windowMs = 10_000;
  const tracker = new ArrivalTracker();
  const sent: number[] = [];
  const waits: number[] = [];
  let next = 0;
  let flushes = 0;
  const end = arrivals[arrivals.length - 1]! + 20_000;
  for (let t = 0; t <= end && (next < arrivals.length || tracker.backlog > 0); t += stepMs) {
    while (next < arrivals.length && arrivals[next]! <= t) tracker.arrived(arrivals[next++]!, kind);
    const used = sent.filter((s) => s > t - windowMs).length;
    const decision = decideFlush({
      now: t,
      backlog: tracker.backlog,
      oldestAt: tracker.oldestAt,
      oldestPromptAt: tracker.oldestPromptAt,
      lastArrivalAt: tracker.lastArrivalAt,
      meanGapMs: tracker.meanGapMs,
      requestsPerBatch,
      budget: { used, limit: 110, windowMs },
    });
    if (!decision.flush) continue;
    flushes += 1;
    // The oldest arrivals go now, a batch at most.
    const taken = Math.min(tracker.backlog, P.batchSize);
    for (let i = 0; i < taken; i += 1) {
      waits.push(t - tracker.oldestAt!);
      tracker.claimed(t, 1);
    }
    for (let i = 0; i < requestsPerBatch; i += 1) sent.push(t);
  }
  let peak = 0;
  for (let i = 0, j = 0; i < sent.length; i += 1) {
    while (sent[i]! - sent[j]! >= windowMs) j += 1;
    peak = Math.max(peak, i - j + 1);
  }
  const sorted = [...waits].sort((a, b) => a - b);
  return {
    flushes,
    requestsPerOrder: sent.length / arrivals.length,
    peak,
    p95: sorted[Math.ceil(0.95 * sorted.length) - 1]!,
    max: sorted[sorted.length - 1]!,
    synced: waits.length,
  };
}

describe('the policy under issue 10 traffic shapes (virtual clock)', () => {
  it('steady stream, one order every 50 ms for 30 s: ≤ 0.25 requests per order, ≤ 55 per window, waits ≤ 1.5 s', () => {
    const result = simulate(Array.from({ length: 600 }, (_, i) => i * 50));
    expect(result.synced).toBe(600);
    expect(result.requestsPerOrder).toBeLessThanOrEqual(0.25);
    expect(result.peak).toBeLessThanOrEqual(55);
    expect(result.max).toBeLessThanOrEqual(1_500);
  });

  it('a burst of 1,000 orders 2 ms apart goes in full batches', () => {
    const result = simulate(Array.from({ length: 1000 }, (_, i) => i * 2));
    expect(result.synced).toBe(1000);
    expect(result.flushes).toBe(10);
  });

  it('a heavier mapping set in a steady stream stays within the share by waiting longer', () => {
    // 10 requests per batch: flushing every second would spend 100 of 110 per window.
    const result = simulate(Array.from({ length: 600 }, (_, i) => i * 50), 10);
    expect(result.synced).toBe(600);
    expect(result.peak).toBeLessThanOrEqual(55 + 10);
    expect(result.max).toBeLessThan(P.maxWaitMs);
  });

  it('a lone order goes within maxQuietMs', () => {
    const result = simulate([0]);
    expect(result.flushes).toBe(1);
    expect(result.max).toBeLessThanOrEqual(P.maxQuietMs + 5);
  });
});

/** Arrival times `meanGapMs` apart on average, each gap drawn between 0 and twice that (a fixed seed: repeatable). */
function irregular(count: number, meanGapMs: number): number[] {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const times: number[] = [];
  for (let i = 0, t = 0; i < count; i += 1) times.push((t += Math.round(2 * meanGapMs * random())));
  return times;
}

describe('check-ins under the policy (virtual clock; a batch of them costs one attendance call)', () => {
  it('500 check-ins in 60 s go in batches about the check-in target apart: ≤ 0.07 requests each, waits ≤ the target', () => {
    const arrivals = irregular(500, 120);
    const checkins = simulate(arrivals, 1, 5, 'checkin');
    expect(checkins.synced).toBe(500);
    const span = arrivals[arrivals.length - 1]!;
    expect(checkins.flushes).toBeLessThanOrEqual(Math.ceil(span / P.checkinLatencyTargetMs) + 1);
    expect(checkins.requestsPerOrder).toBeLessThanOrEqual(0.07);
    expect(checkins.max).toBeLessThanOrEqual(P.checkinLatencyTargetMs + 5);
    // The same arrivals as order changes flush on every pause and at 1 s: dearer, which is what they pay for speed.
    const orders = simulate(arrivals, 1, 5, 'background');
    expect(orders.flushes).toBeGreaterThan(checkins.flushes);
    expect(orders.max).toBeLessThanOrEqual(P.latencyTargetMs + P.fillGraceMs);
  });

  it('a slow door (a check-in every 2 s or so, irregular) costs about one batch per target, not one per check-in', () => {
    const checkins = simulate(irregular(60, 2_000), 1, 5, 'checkin');
    expect(checkins.synced).toBe(60);
    expect(checkins.flushes).toBeLessThan(60 * 0.75);
    expect(checkins.max).toBeLessThanOrEqual(P.checkinLatencyTargetMs + 5);
  });
});
