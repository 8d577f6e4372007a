// How much of each rate window interactive calls keep while background work saturates it (services.ts builds the
// limiters with it; bench/scale.ts computes the backfill's least time under it).
/** What interactive calls (card, settings page, Sync now) are promised of each window: `reserve` slots within
 * `graceMs`, even while background work saturates it (lib/rate-limiter.ts, lib/shared-budget.ts). */
export interface InteractiveRule {
  /** Slots per window kept for interactive requests. */
  reserve: number;
  /** How soon a reserved slot must free up again for background work to take it. */
  graceMs: number;
}

/** The most HubSpot slots kept for interactive calls: two Sync nows at once (four requests each). */
const HUBSPOT_INTERACTIVE_RESERVE = 8;

/**
 * The interactive rule per service, none for tiny test limits (under 11 a window). pretix keeps one eleventh of its
 * window (32 of 360 per minute): a card view costs a couple of pretix requests, and far more with its event data
 * cold. HubSpot keeps at most 8 of its 110 per 10 s: only Sync now and the settings page spend HubSpot requests
 * interactively. Each slot reserved costs background work its share of every stretch of a window less the grace
 * (bench/reserve-bound.ts): with 10, 408 requests needed 36 s where the limit alone allows 30 s (0.83 at best);
 * with 8, background may take 102 requests in any 9 s, more than the 99 the limit's own rate sends in that time.
 * The grace is 1 s on both, so a Sync now's pretix read and HubSpot writes wait at most 2 s together.
 */
export function interactiveRule(service: 'hubspot' | 'pretix', limit: number): InteractiveRule {
  const eleventh = Math.floor(limit / 11);
  return { reserve: service === 'hubspot' ? Math.min(HUBSPOT_INTERACTIVE_RESERVE, eleventh) : eleventh, graceMs: 1000 };
}
