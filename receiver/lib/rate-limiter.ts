// A sliding-window rate limiter keyed by account (a HubSpot portal, a pretix organizer).
// Sliding rather than token-bucket on purpose: the remote services count requests in a rolling window, so a bucket
// refilled at the average rate could still send limit+1 requests inside one of their windows.
//
// A request holds its slot until its response has arrived, and the slot stays in the window for one interval after
// that. The remote side counts a request when it arrives, which is somewhere between our send and our receive, so
// counting from the receive time can never put more than `limit` arrivals into one of its windows, however long a
// request sat in a queue on the way. (Counting from the send time fails exactly then: a request delayed behind a
// burst arrives late, and the next window's first request arrives early.)
//
// Two priority classes share one window per key. Interactive requests (a person waits: the card, the settings page,
// "Sync now") are admitted before any waiting background one (webhook sync, backfill, reconcile), and `reserve`
// slots are kept for them: background work takes a slot only if, afterwards, `reserve` slots are still free now or
// free up within `graceMs` (answered requests leaving the window). With graceMs 0 that is a plain cap at
// limit - reserve; with a grace the backfill keeps nearly the whole window when its slots are spread over it, and
// still a person's request waits at most graceMs for a slot unless other interactive ones used the reserve.

export type Priority = 'interactive' | 'background';

export interface RateLimiterOptions {
  /** Requests allowed per window, per key. */
  limit: number;
  /** Window length in milliseconds. */
  intervalMs: number;
  /** Slots per window kept for interactive requests (default 0). */
  reserve?: number;
  /** How long an interactive request may wait for a reserved slot (default 0: the reserve is free at once). */
  graceMs?: number;
  /** Extra milliseconds each slot stays in the window (for clocks that disagree by a little). */
  safetyMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Timers, for tests (defaults to the global ones). */
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** Call when the response (or the failure) has arrived. Calling it twice is harmless. */
export type ReleaseSlot = () => void;

/** A key's budget as it stands: what the benchmark, the status page and the metrics read. */
export interface RateUsage {
  /** Answered requests still counted in the window. */
  inWindow: number;
  /** Requests sent and not yet answered (they count too). */
  open: number;
  limit: number;
  /** Slots only interactive requests may take. */
  reserve: number;
  intervalMs: number;
  waiting: { interactive: number; background: number };
  /** Since start: requests admitted per class, and 429 pauses. */
  admitted: { interactive: number; background: number };
  pauses: number;
}

export interface RateLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  readonly reserve: number;
  /** Resolves when one more request of this priority (default background) for `key` fits in the window. */
  acquire(key: string, priority?: Priority): Promise<ReleaseSlot>;
  /** The remote side said 429: send nothing more for `key` until `ms` from now. */
  pause(key: string, ms: number): void;
  usage(key: string): RateUsage;
  /** Every key seen so far. */
  keys(): string[];
  /** Requests for `key` counted in the window right now (open ones included; usage(key).inWindow counts only answered ones): how much of the budget is in use. */
  inWindow(key: string): number;
}

interface KeyState {
  /** Release times of finished requests still inside the window, oldest first. */
  finished: number[];
  /** Requests sent and not yet answered: they count until they are. */
  open: number;
  pausedUntil: number;
  /** Waiters in arrival order, one line per class. */
  waiting: Record<Priority, (() => void)[]>;
  /** The one pending wake-up for this key (a slot leaving the window, a pause ending). */
  timer: { handle: unknown; at: number } | null;
  admitted: Record<Priority, number>;
  pauses: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const windowMs = options.intervalMs + (options.safetyMs ?? 0);
  const limit = options.limit;
  const reserve = Math.max(0, Math.min(options.reserve ?? 0, limit - 1));
  const graceMs = options.graceMs ?? 0;
  const states = new Map<string, KeyState>();

  function stateFor(key: string): KeyState {
    let state = states.get(key);
    if (!state) {
      state = {
        finished: [],
        open: 0,
        pausedUntil: 0,
        waiting: { interactive: [], background: [] },
        timer: null,
        admitted: { interactive: 0, background: 0 },
        pauses: 0,
      };
      states.set(key, state);
    }
    return state;
  }

  function expire(state: KeyState, t: number): void {
    while (state.finished.length > 0 && state.finished[0]! <= t - windowMs) state.finished.shift();
  }

  function wakeAt(state: KeyState, at: number): void {
    if (state.timer && state.timer.at <= at) return;
    if (state.timer) clearTimer(state.timer.handle);
    const handle = setTimer(() => {
      if (state.timer?.handle === handle) state.timer = null;
      pump(state);
    }, Math.max(0, at - now()));
    state.timer = { handle, at };
  }

  /** Finished slots that leave the window by `horizon`, and the time the next one after them enters the horizon. */
  function leavingBy(state: KeyState, horizon: number): { count: number; nextAt: number | null } {
    let count = 0;
    while (count < state.finished.length && state.finished[count]! + windowMs <= horizon) count += 1;
    const next = state.finished[count];
    return { count, nextAt: next === undefined ? null : next + windowMs - graceMs + 1 };
  }

  /** Whether one more request of this class fits now. */
  function fits(state: KeyState, line: Priority, t: number): boolean {
    const used = state.open + state.finished.length;
    if (used >= limit) return false;
    if (line === 'interactive' || used < limit - reserve) return true;
    // Into the reserve only if interactive requests would still find `reserve` slots within the grace.
    return graceMs > 0 && limit - used - 1 + leavingBy(state, t + graceMs).count >= reserve;
  }

  /** Admits whoever fits, interactive first, and arranges to look again when the next slot frees up. */
  function pump(state: KeyState): void {
    const t = now();
    expire(state, t);
    if (state.pausedUntil > t) {
      if (state.waiting.interactive.length + state.waiting.background.length > 0) wakeAt(state, state.pausedUntil);
      return;
    }
    for (;;) {
      // The interactive line goes first; background waits behind it even if it had room of its own.
      const line: Priority | null = state.waiting.interactive.length > 0 ? 'interactive' : state.waiting.background.length > 0 ? 'background' : null;
      if (!line || !fits(state, line, t)) break;
      state.open += 1;
      state.admitted[line] += 1;
      state.waiting[line].shift()!();
    }
    // Someone is still waiting: the next slot frees when the oldest finished one leaves the window (an open one
    // being answered also frees nothing until it has spent its interval, and release() pumps anyway); background
    // may also fit sooner, when one more finished slot comes within the grace.
    if (state.waiting.interactive.length + state.waiting.background.length > 0 && state.finished.length > 0) {
      const graceAt = state.waiting.interactive.length === 0 && graceMs > 0 ? leavingBy(state, t + graceMs).nextAt : null;
      wakeAt(state, Math.min(state.finished[0]! + windowMs + 1, graceAt ?? Infinity));
    }
  }

  return {
    limit,
    intervalMs: options.intervalMs,
    reserve,
    async acquire(key, priority = 'background') {
      const state = stateFor(key);
      await new Promise<void>((resolve) => {
        state.waiting[priority].push(resolve);
        pump(state);
      });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        state.open -= 1;
        state.finished.push(now());
        pump(state);
      };
    },
    inWindow(key) {
      const state = states.get(key);
      if (!state) return 0;
      expire(state, now());
      return state.open + state.finished.length;
    },
    pause(key, ms) {
      const state = stateFor(key);
      state.pauses += 1;
      state.pausedUntil = Math.max(state.pausedUntil, now() + ms);
    },
    usage(key) {
      const state = stateFor(key);
      expire(state, now());
      return {
        inWindow: state.finished.length,
        open: state.open,
        limit,
        reserve,
        intervalMs: options.intervalMs,
        waiting: { interactive: state.waiting.interactive.length, background: state.waiting.background.length },
        admitted: { ...state.admitted },
        pauses: state.pauses,
      };
    },
    keys: () => [...states.keys()],
  };
}
