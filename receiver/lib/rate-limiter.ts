// A sliding-window rate limiter keyed by account (a HubSpot portal, a pretix organizer).
// Sliding rather than token-bucket on purpose: the remote services count requests in a rolling window,
// so a bucket refilled at the average rate could still send limit+1 requests inside one of their windows.

export interface RateLimiterOptions {
  /** Requests allowed per window, per key. */
  limit: number;
  /** Window length in milliseconds. */
  intervalMs: number;
  /**
   * Extra milliseconds each request stays in our window. The remote side counts arrivals on its own clock, and a
   * request that was slow to arrive would otherwise let the next window's first request land inside its window.
   */
  safetyMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface RateLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  /** Resolves when one more request for `key` fits in the window; the request counts from then on. */
  acquire(key: string): Promise<void>;
  /** The remote side said 429: send nothing more for `key` until `ms` from now. */
  pause(key: string, ms: number): void;
}

interface KeyState {
  /** Start times of the requests inside the current window, oldest first. */
  starts: number[];
  pausedUntil: number;
  /** Callers wait in line so that a burst is served in arrival order. */
  queue: Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const windowMs = options.intervalMs + (options.safetyMs ?? 0);
  const states = new Map<string, KeyState>();

  function stateFor(key: string): KeyState {
    let state = states.get(key);
    if (!state) {
      state = { starts: [], pausedUntil: 0, queue: Promise.resolve() };
      states.set(key, state);
    }
    return state;
  }

  async function waitForSlot(state: KeyState): Promise<void> {
    for (;;) {
      const t = now();
      while (state.starts.length > 0 && state.starts[0]! <= t - windowMs) state.starts.shift();
      if (state.pausedUntil > t) {
        await sleep(state.pausedUntil - t);
        continue;
      }
      if (state.starts.length < options.limit) {
        state.starts.push(t);
        return;
      }
      // +1 ms: the oldest request must have left the window, not be exactly on its edge.
      await sleep(state.starts[0]! + windowMs - t + 1);
    }
  }

  return {
    limit: options.limit,
    intervalMs: options.intervalMs,
    acquire(key) {
      const state = stateFor(key);
      const turn = state.queue.then(() => waitForSlot(state));
      state.queue = turn.catch(() => undefined);
      return turn;
    },
    pause(key, ms) {
      const state = stateFor(key);
      state.pausedUntil = Math.max(state.pausedUntil, now() + ms);
    },
  };
}
