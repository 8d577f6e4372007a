// When the worker sends the orders waiting in the queue to HubSpot. A batch costs about the same number of requests
// whether it holds 1 order or 100 (one batch read, one upsert and the associations per mapping), so every flush of a
// small batch while orders are still arriving spends budget the portal needs for other things (the card, the
// settings page, "Sync now"). The worker therefore flushes when
//   - the batch is full: waiting cannot make it cheaper;
//   - a person waits for one of its orders ("Sync now", a retry);
//   - arrivals have paused: waiting would not add orders, so it would not save requests;
//   - the oldest waiting order has waited its latency target (or a little longer when arrivals are about to fill the
//     batch), and the batch fits in the background share of the portal's budget (otherwise it waits for the window
//     to free up, and the batch grows meanwhile);
//   - check-ins are held to a longer target of their own (checkinLatencyTargetMs), and their pauses do not count
//     as "arrivals have paused": at a door they come every few seconds, now and then with a gap, and each batch of
//     them costs a marketing-event attendance call even when nothing else changed (their contacts and deals are left
//     alone, see unchanged-objects.ts). Nobody watches an attendance appear in HubSpot to the second, so a check-in
//     waits for company up to its target; an order change arriving meanwhile keeps its own target and takes the
//     waiting check-ins along;
//   - the oldest order has waited the hard maximum: then it goes regardless, and the rate limiter paces it.
// Pure: every input is passed in, time included, so that the rules can be tested without timers.

export interface FlushPolicyOptions {
  /** Orders per HubSpot batch (HubSpot's batch endpoints take 100 inputs). */
  batchSize: number;
  /** How long the oldest order may wait for its batch to fill while the budget allows a flush. */
  latencyTargetMs: number;
  /** The same for an arrival that is only a check-in (`pretix.event.checkin`, `.checkin.reverted`); never shorter
   * than latencyTargetMs. */
  checkinLatencyTargetMs: number;
  /** At the latency target, a batch that arrivals would fill within this much longer waits for them (one batch
   * instead of two for the same orders); quiet still sends it. */
  fillGraceMs: number;
  /** After this long an order goes even when the budget share is used up. */
  maxWaitMs: number;
  /** Arrivals count as paused after this many mean gaps between them… */
  quietGaps: number;
  /** …but never sooner than this (a short stall of the event loop is not a pause)… */
  minQuietMs: number;
  /** …and never later than this (a lone order on an idle receiver goes quickly). */
  maxQuietMs: number;
  /** Share of the portal's window a non-full batch may use up; the rest stays free for interactive calls. */
  backgroundShare: number;
}

export const DEFAULT_FLUSH_POLICY: FlushPolicyOptions = {
  batchSize: 100,
  latencyTargetMs: 1_000,
  // A batch of check-ins costs one attendance call: at 2 s, a steady stream of them costs at most one request per
  // ~2 s whatever its rate, and the check-in is in HubSpot within about 2.5 s (the brief's goal: p95 ≤ 3 s).
  checkinLatencyTargetMs: 2_000,
  fillGraceMs: 500,
  maxWaitMs: 10_000,
  quietGaps: 4,
  minQuietMs: 200,
  maxQuietMs: 300,
  backgroundShare: 0.5,
};

export interface BudgetUsage {
  /** Requests counted in the current window (sent and not yet out of it). */
  used: number;
  limit: number;
  windowMs: number;
}

export interface FlushInputs {
  now: number;
  /** Orders waiting for the next batch. */
  backlog: number;
  /** When the oldest of them arrived; null when none is waiting. */
  oldestAt: number | null;
  /** When the oldest of them held to latencyTargetMs arrived (anything but a check-in); null when only check-ins
   * wait. Absent: every arrival is (oldestAt). */
  oldestPromptAt?: number | null;
  /** When the newest arrived. */
  lastArrivalAt: number | null;
  /** When the worker last finished sending a batch: while it works, webhooks wait for their answers (the same
   * process answers them), so a pause in arrivals only counts from then. */
  lastFlushEndedAt?: number | null;
  /** Estimated mean time between arrivals; null before there is an estimate. */
  meanGapMs: number | null;
  /** HubSpot requests one batch costs with the configured mappings. */
  requestsPerBatch: number;
  /** A person waits for one of them ("Sync now", a retry from the card or the CLI). */
  interactive?: boolean;
  /** The portal's HubSpot window, or null when it is not known (then only the latency rules apply). */
  budget: BudgetUsage | null;
}

export type FlushReason = 'full' | 'interactive' | 'quiet' | 'latency' | 'overdue';
export type FlushDecision =
  | { flush: true; reason: FlushReason }
  /** Decide again at `until` (or earlier, when another order arrives); null: nothing is waiting. */
  | { flush: false; until: number | null; reason: 'idle' | 'filling' | 'budget' };

export function quietMsFor(meanGapMs: number | null, options: FlushPolicyOptions): number {
  const fromGaps = meanGapMs === null ? options.minQuietMs : meanGapMs * options.quietGaps;
  return Math.min(options.maxQuietMs, Math.max(options.minQuietMs, fromGaps));
}

export function decideFlush(input: FlushInputs, options: FlushPolicyOptions = DEFAULT_FLUSH_POLICY): FlushDecision {
  const { now, backlog, oldestAt } = input;
  if (backlog <= 0 || oldestAt === null) return { flush: false, until: null, reason: 'idle' };
  if (backlog >= options.batchSize) return { flush: true, reason: 'full' };
  // Someone is looking at the order: it goes now, and the rate limiter decides when its requests may.
  if (input.interactive) return { flush: true, reason: 'interactive' };
  const overdueAt = oldestAt + options.maxWaitMs;
  if (now >= overdueAt) return { flush: true, reason: 'overdue' };

  const promptAt = input.oldestPromptAt === undefined ? oldestAt : input.oldestPromptAt;
  const checkinTargetMs = Math.max(options.latencyTargetMs, options.checkinLatencyTargetMs);
  // The oldest arrival of all is the oldest check-in whenever it is not the oldest prompt one.
  const latencyAt = Math.min(promptAt === null ? Infinity : promptAt + options.latencyTargetMs, oldestAt + checkinTargetMs);
  const quietFrom = Math.max(input.lastArrivalAt ?? oldestAt, input.lastFlushEndedAt ?? -Infinity);
  // Only check-ins waiting: a pause in them is no reason to go before their target (see the top of this file).
  const quietAt = promptAt === null ? Infinity : quietFrom + quietMsFor(input.meanGapMs, options);
  if (now < quietAt && now < latencyAt) return { flush: false, until: Math.min(quietAt, latencyAt, overdueAt), reason: 'filling' };
  if (now < quietAt && input.meanGapMs !== null) {
    const fullAt = now + (options.batchSize - backlog) * input.meanGapMs;
    const graceEnds = Math.min(latencyAt + options.fillGraceMs, overdueAt);
    if (fullAt <= graceEnds && now < graceEnds) return { flush: false, until: Math.min(quietAt, graceEnds), reason: 'filling' };
  }

  const { budget } = input;
  const cost = Math.max(1, input.requestsPerBatch);
  // A batch dearer than the whole share (many mappings, a small budget) may still go once the window is empty.
  const share = Math.max(budget ? budget.limit * options.backgroundShare : 0, cost);
  if (!budget || budget.used + cost <= share) {
    return { flush: true, reason: now >= quietAt ? 'quiet' : 'latency' };
  }
  // Over the share: look again when about one batch's worth of requests has left the window.
  const step = Math.max(50, Math.ceil((budget.windowMs * cost) / Math.max(1, budget.limit)));
  return { flush: false, until: Math.min(now + step, overdueAt), reason: 'budget' };
}

/** Why an order was queued, as far as the policy cares: a person waits, a check-in only, anything else. */
export type ArrivalKind = 'interactive' | 'checkin' | 'background';

/**
 * Keeps what the policy needs to know about arrivals: how many orders wait for the next batch, since when (each
 * with its kind: check-ins have a longer target), and how fast they come. A claim takes everything that arrived up
 * to that moment.
 */
export class ArrivalTracker {
  private arrivals: { at: number; checkin: boolean }[] = [];
  private meanGap: number | null = null;
  private last: number | null = null;

  constructor(
    /** Weight of the newest gap in the running mean. */
    private readonly smoothing = 0.2,
    /** A gap longer than this counts as this long: an idle night must not make the next burst look slow for long. */
    private readonly maxGapMs = 5_000,
  ) {}

  private interactiveWaiting = false;

  arrived(at: number, kind: ArrivalKind = 'background'): void {
    if (kind === 'interactive') this.interactiveWaiting = true;
    if (this.last !== null) {
      const gap = Math.min(this.maxGapMs, Math.max(0, at - this.last));
      this.meanGap = this.meanGap === null ? gap : this.meanGap + this.smoothing * (gap - this.meanGap);
    }
    this.last = at;
    this.arrivals.push({ at, checkin: kind === 'checkin' });
  }

  /**
   * A claim at `at` took `count` jobs. When it took everything due (`Infinity`), every arrival up to `at` is
   * accounted for; when it stopped at its limit, only the oldest `count` arrivals are, and the rest still wait.
   */
  claimed(at: number, count: number): void {
    let drop = 0;
    while (drop < this.arrivals.length && drop < count && this.arrivals[drop]!.at <= at) drop += 1;
    this.arrivals = this.arrivals.slice(drop);
    // Claims take the oldest first; an interactive job may be among those left over.
    if (count === Infinity) this.interactiveWaiting = false;
  }

  /** Whether a person waits for a job that arrived since the last complete claim. */
  get interactive(): boolean {
    return this.interactiveWaiting;
  }

  get backlog(): number {
    return this.arrivals.length;
  }

  get oldestAt(): number | null {
    return this.arrivals[0]?.at ?? null;
  }

  /** The oldest arrival that is not only a check-in; null when only check-ins wait. */
  get oldestPromptAt(): number | null {
    return this.arrivals.find((arrival) => !arrival.checkin)?.at ?? null;
  }

  get lastArrivalAt(): number | null {
    return this.last;
  }

  get meanGapMs(): number | null {
    return this.meanGap;
  }
}
