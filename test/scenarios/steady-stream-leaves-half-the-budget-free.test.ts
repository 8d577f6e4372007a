// A steady stream of buyers, one order every 50 ms for 10 s (the benchmark runs 30 s), at the real limits: the
// worker batches by the budget instead of sending a batch per order, so the portal keeps half of its HubSpot
// window for the card, the settings page and "Sync now", and each order still arrives within 2 s (p95).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack';
import { HUBSPOT_WINDOW_MS, placeAndMeasure, startTrafficStack, type TrafficFigures } from './traffic';

describe('steady stream, one order every 50 ms', () => {
  let stack: Stack;
  let figures: TrafficFigures;

  beforeAll(async () => {
    stack = await startTrafficStack();
    // Four lanes so that one slow answer does not hold back the buyers behind it; the pace stays one per 50 ms.
    figures = await placeAndMeasure(stack, 200, { lanes: 4, paceMs: 50 });
  }, 60_000);
  afterAll(() => stack.close());

  it('lasted long enough for the budget figure to mean something (a full HubSpot window)', () => {
    expect(figures.allSyncedMs).toBeGreaterThanOrEqual(HUBSPOT_WINDOW_MS - 500);
  });

  it('uses at most 55 HubSpot requests in any 10 s window, half the budget', () => {
    expect(figures.hubspotPeakPerWindow).toBeLessThanOrEqual(55);
    expect(figures.hubspot429).toBe(0);
  });

  it('spends at most 0.25 HubSpot and 0.15 pretix requests per order', () => {
    expect(figures.hubspotPerOrder).toBeLessThanOrEqual(0.25);
    expect(figures.pretixPerOrder).toBeLessThanOrEqual(0.15);
  });

  it('has 95 % of the orders in HubSpot within 2 s of the webhook', () => {
    expect(figures.lagMs.p95).toBeLessThanOrEqual(2_000);
  });
});
