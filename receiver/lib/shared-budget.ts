// A rate budget several receiver instances draw from: one sliding window per key (a HubSpot portal, a pretix
// organizer) whose slots live where every instance sees them (PostgreSQL, see store/postgres/rate-budget.ts), or in
// this process (createMemoryBudget: one process, and the unit tests that stand several limiters on one budget).
//
// A slot is taken atomically with the admission check, so instances racing for the last slot cannot both get it. It
// counts like the in-process limiter's (lib/rate-limiter.ts): from its take until one window after its release. A
// slot never released (its instance died mid-request) counts until `holdMs` plus one window after its take.
import type { Priority } from './rate-limiter';

export interface BudgetWindow {
  /** Requests allowed per window, per key, across every instance. */
  limit: number;
  /** Slots only interactive requests may take (see lib/rate-limiter.ts). */
  reserve: number;
  /** Background may take a reserved slot if the reserve is free again within this long. */
  graceMs: number;
  /** How long a released slot stays counted (the interval plus the safety margin). */
  windowMs: number;
  /** How long a slot may stay open (sent, no answer) before it is presumed dead: longer than any request's timeout. */
  holdMs: number;
}

export type TakeResult =
  | { granted: true; /** One or more, at most the count asked for. */ slots: string[]; used: number; /** Fewer than asked: when to ask for the rest (ms). */ retryInMs?: number }
  | { granted: false; used: number; /** Ask again after this long (ms, ≥ 1). */ retryInMs: number };

export interface SharedBudget {
  readonly window: BudgetWindow;
  /** Takes up to `count` slots (default 1) of `key`'s window for requests of this class, atomically with the check
   * that they fit; granted when at least one did. */
  take(key: string, priority: Priority, count?: number): Promise<TakeResult>;
  /** The request holding `slot` has its answer now: from here it counts one window more. Never throws. */
  release(key: string, slot: string): void;
  /** Slots of `key` counted across every instance, as last seen (refreshed in the background when stale). */
  inWindow(key: string): number;
  /** Database round trips so far (0 for the in-process budget): what the benchmark and tests measure. */
  roundTrips(): number;
  close(): Promise<void>;
}

interface Slot {
  id: number;
  endsAt: number;
  open: boolean;
}

/** The admission rule on a key's slots at time `t`, shared by the in-process budget and mirrored in SQL. */
export function decide(
  slots: readonly { endsAt: number; open: boolean }[],
  priority: Priority,
  window: BudgetWindow,
  t: number,
): { fits: boolean; used: number; retryInMs: number } {
  const live = slots.filter((slot) => slot.endsAt > t);
  const used = live.length;
  const finishedEnds = live.filter((slot) => !slot.open).map((slot) => slot.endsAt).sort((a, b) => a - b);
  const leavingWithinGrace = finishedEnds.filter((end) => end <= t + window.graceMs).length;
  let fits = used < window.limit;
  if (fits && priority === 'background' && used >= window.limit - window.reserve) {
    fits = window.graceMs > 0 && window.limit - used - 1 + leavingWithinGrace >= window.reserve;
  }
  // The next moment the answer may change: the oldest finished slot leaving, or for background the next one coming
  // within the grace. Open slots end no sooner than one window from now (their release is still to come), and a
  // release by another instance is not announced here, so look again after one window at the latest.
  let next = t + window.windowMs;
  if (finishedEnds.length > 0) next = Math.min(next, finishedEnds[0]! + 1);
  if (priority === 'background' && window.graceMs > 0 && leavingWithinGrace < finishedEnds.length) {
    next = Math.min(next, finishedEnds[leavingWithinGrace]! - window.graceMs + 1);
  }
  return { fits, used, retryInMs: Math.max(1, next - t) };
}

/** The budget kept in this process: for one receiver, and for tests that stand several limiters on one budget. */
export function createMemoryBudget(window: BudgetWindow, now: () => number = Date.now): SharedBudget {
  const slots = new Map<string, Slot[]>();
  let nextId = 1;
  const live = (key: string): Slot[] => {
    const t = now();
    const kept = (slots.get(key) ?? []).filter((slot) => slot.endsAt > t);
    slots.set(key, kept);
    return kept;
  };
  return {
    window,
    async take(key, priority, count = 1) {
      const t = now();
      const current = live(key);
      const taken: string[] = [];
      for (;;) {
        const verdict = decide(current, priority, window, t);
        if (!verdict.fits || taken.length >= count) {
          if (taken.length > 0) return { granted: true, slots: taken, used: verdict.used };
          return { granted: false, used: verdict.used, retryInMs: verdict.retryInMs };
        }
        const slot: Slot = { id: nextId++, endsAt: t + window.holdMs + window.windowMs, open: true };
        current.push(slot);
        taken.push(String(slot.id));
      }
    },
    release(key, id) {
      const slot = slots.get(key)?.find((candidate) => String(candidate.id) === id);
      if (!slot || !slot.open) return;
      slot.open = false;
      slot.endsAt = now() + window.windowMs;
    },
    inWindow: (key) => live(key).length,
    roundTrips: () => 0,
    async close() {},
  };
}
