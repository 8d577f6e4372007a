// 1,000 orders whose webhooks pretix delivers one at a time (pretix without Celery, or one worker: each delivery
// waits for the receiver's answer to the previous one), at the real limits. Full batches, not one per order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack';
import { placeAndMeasure, startTrafficStack, type TrafficFigures } from './traffic';

describe('1,000 webhooks in one lane', () => {
  let stack: Stack;
  let figures: TrafficFigures;

  beforeAll(async () => {
    stack = await startTrafficStack();
    figures = await placeAndMeasure(stack, 1000, { lanes: 1 });
  }, 90_000);
  afterAll(() => stack.close());

  it('spends at most 0.06 HubSpot and 0.05 pretix requests per order', () => {
    expect(figures.hubspotPerOrder).toBeLessThanOrEqual(0.06);
    expect(figures.pretixPerOrder).toBeLessThanOrEqual(0.05);
  });

  it('has everything in HubSpot within 30 s, without a 429 or more than the budget in any window', () => {
    expect(figures.allSyncedMs).toBeLessThanOrEqual(30_000);
    expect(figures.hubspot429).toBe(0);
    expect(figures.pretix429).toBe(0);
    expect(figures.hubspotPeakPerWindow).toBeLessThanOrEqual(110);
  });
});
