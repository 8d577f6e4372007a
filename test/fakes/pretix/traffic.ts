// Per-organizer request accounting and pretix Hosted's rate limit (a sliding window per organizer for token auth).
// Two histories on purpose: `sent` holds every request that reached the fake, so tests can measure what a client
// *sent* (maxRequestsInAnyWindow); `accepted` holds only the requests let through, because DRF's throttle does not
// count rejected requests against the window.
import type { OrganizerStats, RouteKind } from './types';

export interface RateLimitConfig {
  limit: number;
  intervalMs: number;
}

interface OrganizerTraffic {
  stats: OrganizerStats;
  sent: number[];
  accepted: number[];
  /** Index of the oldest entry of `accepted` still inside the window (avoids shifting a large array). */
  windowStart: number;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class Traffic {
  private readonly organizers = new Map<string, OrganizerTraffic>();

  constructor(
    private readonly now: () => number,
    public rateLimit: RateLimitConfig | null = null,
  ) {}

  private stateFor(organizer: string): OrganizerTraffic {
    let state = this.organizers.get(organizer);
    if (!state) {
      state = {
        stats: { total: 0, orderDetail: 0, orderList: 0, other: 0, throttled: 0 },
        sent: [],
        accepted: [],
        windowStart: 0,
      };
      this.organizers.set(organizer, state);
    }
    return state;
  }

  /** Counts a request that reached the fake for this organizer. */
  record(organizer: string, kind: RouteKind): void {
    const state = this.stateFor(organizer);
    state.stats.total += 1;
    state.stats[kind] += 1;
    state.sent.push(this.now());
  }

  /** Decides whether an authenticated request may pass the organizer's window; counts it if so. */
  admit(organizer: string): ThrottleDecision {
    const state = this.stateFor(organizer);
    const t = this.now();
    const limit = this.rateLimit;
    if (limit) {
      while (state.windowStart < state.accepted.length && state.accepted[state.windowStart]! <= t - limit.intervalMs) {
        state.windowStart += 1;
      }
      // Drop the expired prefix now and then so that a long benchmark does not keep every timestamp.
      if (state.windowStart > 10_000) {
        state.accepted.splice(0, state.windowStart);
        state.windowStart = 0;
      }
      if (state.accepted.length - state.windowStart >= limit.limit) {
        state.stats.throttled += 1;
        const oldest = state.accepted[state.windowStart]!;
        const waitMs = oldest + limit.intervalMs - t;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      }
      state.accepted.push(t);
    }
    return { allowed: true };
  }

  stats(organizer: string): OrganizerStats {
    return { ...this.stateFor(organizer).stats };
  }

  /** The largest number of requests sent for `organizer` within any window of `windowMs`
   * (requests at t and t + windowMs are in different windows, as in a sliding-window limiter). */
  maxRequestsInAnyWindow(organizer: string, windowMs: number): number {
    const times = this.stateFor(organizer).sent;
    let best = 0;
    let start = 0;
    for (let end = 0; end < times.length; end += 1) {
      while (times[end]! - times[start]! >= windowMs) start += 1;
      best = Math.max(best, end - start + 1);
    }
    return best;
  }

  reset(): void {
    this.organizers.clear();
  }
}
