// A sliding-window rate limiter keyed by account (a HubSpot portal, a pretix organizer).
// Sliding rather than token-bucket on purpose: the remote services count requests in a rolling window, so a bucket
// refilled at the average rate could still send limit+1 requests inside one of their windows.
//
// A request holds its slot until its response has arrived, and the slot stays in the window for one interval after
// that. The remote side counts a request when it arrives, which is somewhere between our send and our receive, so
// counting from the receive time can never put more than `limit` arrivals into one of its windows, however long a
// request sat in a queue on the way. (Counting from the send time fails exactly then: a request delayed behind a
// burst arrives late, and the next window's first request arrives early.)

export interface RateLimiterOptions {
  /** Requests allowed per window, per key. */
  limit: number;
  /** Window length in milliseconds. */
  intervalMs: number;
  /** Extra milliseconds each slot stays in the window (for clocks that disagree by a little). */
  safetyMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Call when the response (or the failure) has arrived. Calling it twice is harmless. */
export type ReleaseSlot = () => void;

export interface RateLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  /** Resolves when one more request for `key` fits in the window. */
  acquire(key: string): Promise<ReleaseSlot>;
  /** The remote side said 429: send nothing more for `key` until `ms` from now. */
  pause(key: string, ms: number): void;
  /** Requests for `key` counted in the window right now (open ones included): how much of the budget is in use. */
  inWindow(key: string): number;
}

interface KeyState {
  /** Release times of finished requests still inside the window, oldest first. */
  finished: number[];
  /** Requests sent and not yet answered: they count until they are. */
  open: number;
  pausedUntil: number;
  /** Callers wait in line so that a burst is served in arrival order. */
  queue: Promise<void>;
  /** Wakes a waiter when a slot is released. */
  onRelease: (() => void) | null;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const windowMs = options.intervalMs + (options.safetyMs ?? 0);
  const states = new Map<string, KeyState>();

  function stateFor(key: string): KeyState {
    let state = states.get(key);
    if (!state) {
      state = { finished: [], open: 0, pausedUntil: 0, queue: Promise.resolve(), onRelease: null };
      states.set(key, state);
    }
    return state;
  }

  function wait(state: KeyState, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        if (state.onRelease === done) state.onRelease = null;
        resolve();
      }
      state.onRelease = done;
    });
  }

  async function waitForSlot(state: KeyState): Promise<void> {
    for (;;) {
      const t = now();
      while (state.finished.length > 0 && state.finished[0]! <= t - windowMs) state.finished.shift();
      if (state.pausedUntil > t) {
        await wait(state, state.pausedUntil - t);
        continue;
      }
      if (state.open + state.finished.length < options.limit) {
        state.open += 1;
        return;
      }
      // Either the oldest finished slot leaves the window, or an open one is released and starts its interval.
      const untilOldestLeaves = state.finished.length > 0 ? state.finished[0]! + windowMs - t + 1 : windowMs;
      await wait(state, untilOldestLeaves);
    }
  }

  return {
    limit: options.limit,
    intervalMs: options.intervalMs,
    async acquire(key) {
      const state = stateFor(key);
      const turn = state.queue.then(() => waitForSlot(state));
      state.queue = turn.catch(() => undefined);
      await turn;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        state.open -= 1;
        state.finished.push(now());
        state.onRelease?.();
      };
    },
    inWindow(key) {
      const state = states.get(key);
      if (!state) return 0;
      const t = now();
      while (state.finished.length > 0 && state.finished[0]! <= t - windowMs) state.finished.shift();
      return state.open + state.finished.length;
    },
    pause(key, ms) {
      const state = stateFor(key);
      state.pausedUntil = Math.max(state.pausedUntil, now() + ms);
    },
  };
}
