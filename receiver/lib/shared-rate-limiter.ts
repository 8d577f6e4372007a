// The rate limiter for several receiver instances: the same RateLimiter as lib/rate-limiter.ts (interactive before
// background, a reserve for interactive calls, 429 pauses), but the window itself is a SharedBudget every instance
// draws from, so three instances together stay within one portal's 110 requests per 10 s.
//
// Per key, one take is under way at a time and it is for the head of the queue (interactive first; as many slots as
// that line has waiting), so this instance's own order of admission is the in-process one; the budget decides
// whether the slots exist. When it does
// not, the budget says when to ask again (a slot leaving the window); releases by other instances are not announced,
// so that is at most one window away. A budget that cannot be reached (database down) is asked again after a pause;
// requests wait rather than go out uncounted.
import type { Priority, RateLimiter, RateUsage, ReleaseSlot } from './rate-limiter';
import type { SharedBudget } from './shared-budget';

export interface SharedRateLimiterOptions {
  budget: SharedBudget;
  /** The interval as the remote service states it (the budget's window adds the safety margin). */
  intervalMs: number;
  /** How long to wait before asking a budget that failed again (default 500 ms). */
  unreachableRetryMs?: number;
  onBudgetError?: (error: unknown) => void;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

interface KeyState {
  key: string;
  waiting: Record<Priority, ((slot: string) => void)[]>;
  taking: boolean;
  pausedUntil: number;
  timer: { handle: unknown; at: number } | null;
  /** The line the budget last refused (or served in part) and the timer waits for. */
  blocked: Priority | null;
  /** This instance's requests sent and not yet answered, and its answered ones still in the window. */
  open: number;
  finished: number[];
  admitted: Record<Priority, number>;
  pauses: number;
}

export function createSharedRateLimiter(options: SharedRateLimiterOptions): RateLimiter {
  const { budget } = options;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const unreachableRetryMs = options.unreachableRetryMs ?? 500;
  const states = new Map<string, KeyState>();

  function stateFor(key: string): KeyState {
    let state = states.get(key);
    if (!state) {
      state = {
        key,
        waiting: { interactive: [], background: [] },
        taking: false,
        pausedUntil: 0,
        timer: null,
        blocked: null,
        open: 0,
        finished: [],
        admitted: { interactive: 0, background: 0 },
        pauses: 0,
      };
      states.set(key, state);
    }
    return state;
  }

  const waitingCount = (state: KeyState) => state.waiting.interactive.length + state.waiting.background.length;

  function wakeAt(state: KeyState, at: number): void {
    if (state.timer && state.timer.at <= at) return;
    if (state.timer) clearTimer(state.timer.handle);
    const handle = setTimer(() => {
      if (state.timer?.handle === handle) {
        state.timer = null;
        state.blocked = null;
      }
      pump(state);
    }, Math.max(0, at - now()));
    state.timer = { handle, at };
  }

  function pump(state: KeyState): void {
    if (state.taking || waitingCount(state) === 0) return;
    const t = now();
    if (state.pausedUntil > t) {
      wakeAt(state, state.pausedUntil);
      return;
    }
    const line: Priority = state.waiting.interactive.length > 0 ? 'interactive' : 'background';
    // Waiting for a slot to leave already: a new arrival asks again only if it is interactive and interactive was
    // not what the budget refused (each take costs a database round trip).
    if (state.timer && state.blocked !== null && (line === 'background' || state.blocked === 'interactive')) return;
    state.taking = true;
    // As many slots as this line has waiting: a burst is admitted in one take.
    budget.take(state.key, line, state.waiting[line].length).then(
      (result) => {
        state.taking = false;
        if (result.granted) {
          // The slots were taken for this line's first waiters; an interactive request arriving meanwhile goes next.
          for (const slot of result.slots) {
            const waiter = state.waiting[line].shift();
            if (!waiter) {
              budget.release(state.key, slot);
              continue;
            }
            state.open += 1;
            state.admitted[line] += 1;
            waiter(slot);
          }
          if (result.retryInMs !== undefined && state.waiting[line].length > 0) {
            state.blocked = line;
            wakeAt(state, now() + Math.max(result.retryInMs, Math.min(50, budget.window.windowMs / 100)));
          }
          pump(state);
        } else {
          state.blocked = line;
          // Not sooner than a moment: slots that leave meanwhile are taken together, and instances woken by the
          // same slot do not all ask for it at once. At most 50 ms (0.5 % of HubSpot's window) of a slot's time.
          wakeAt(state, now() + Math.max(result.retryInMs, Math.min(50, budget.window.windowMs / 100)));
          // An interactive request that arrived during a background take must not wait for background's retry.
          if (line === 'background' && state.waiting.interactive.length > 0) pump(state);
        }
      },
      (error: unknown) => {
        state.taking = false;
        options.onBudgetError?.(error);
        wakeAt(state, now() + unreachableRetryMs);
      },
    );
  }

  const expire = (state: KeyState) => {
    const t = now();
    while (state.finished.length > 0 && state.finished[0]! <= t - budget.window.windowMs) state.finished.shift();
  };

  return {
    limit: budget.window.limit,
    intervalMs: options.intervalMs,
    reserve: budget.window.reserve,
    async acquire(key, priority = 'background') {
      const state = stateFor(key);
      const slot = await new Promise<string>((resolve) => {
        state.waiting[priority].push(resolve);
        pump(state);
      });
      let released = false;
      return (() => {
        if (released) return;
        released = true;
        state.open -= 1;
        state.finished.push(now());
        budget.release(key, slot);
      }) satisfies ReleaseSlot;
    },
    pause(key, ms) {
      // Per instance: a 429 is rare with a global budget, and each instance that meets one backs off itself.
      const state = stateFor(key);
      state.pauses += 1;
      state.pausedUntil = Math.max(state.pausedUntil, now() + ms);
    },
    usage(key): RateUsage {
      const state = stateFor(key);
      expire(state);
      return {
        inWindow: state.finished.length,
        open: state.open,
        limit: budget.window.limit,
        reserve: budget.window.reserve,
        intervalMs: options.intervalMs,
        waiting: { interactive: state.waiting.interactive.length, background: state.waiting.background.length },
        admitted: { ...state.admitted },
        pauses: state.pauses,
      };
    },
    keys: () => [...states.keys()],
    inWindow(key) {
      // Every instance's requests: the flush policy leaves half of the portal's window free across all of them.
      const state = states.get(key);
      if (state) expire(state);
      return Math.max(budget.inWindow(key), state ? state.open + state.finished.length : 0);
    },
  };
}
