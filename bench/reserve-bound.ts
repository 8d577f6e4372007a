// The least time background requests can take once the interactive reserve is counted, beside bench/backfill.ts's
// minimumSeconds() (the remote limit alone). The limiters (lib/rate-limiter.ts, lib/shared-budget.ts decide())
// admit a background request only if, after it, `reserve` slots are free now or free up within `graceMs`; a slot
// frees one window after it was taken at the earliest, so that is: fewer than limit − reserve background requests in
// the last window − grace. Every stretch of that length therefore holds at most limit − reserve of them, whoever
// schedules them and however many instances share the budget. With a reserve of 10, 408 HubSpot requests (three
// backfills of 3,333 orders) needed 4 × 9 s = 36 s, not the 30 s that 110 per 10 s alone allows; with 8, 27 s: under
// the limit's own.
import { minimumSeconds } from './backfill';
import type { InteractiveRule } from '../receiver/lib/interactive-rule';

export function minimumSecondsWithReserve(requests: number, limit: { limit: number; intervalMs: number }, rule: InteractiveRule): number {
  const plain = minimumSeconds(requests, limit);
  const share = limit.limit - rule.reserve;
  if (requests === 0 || rule.reserve <= 0 || share <= 0) return plain;
  const stretchMs = Math.max(0, limit.intervalMs - rule.graceMs);
  return Math.max(plain, (Math.floor((requests - 1) / share) * stretchMs) / 1000);
}
