// 1,000 orders whose webhooks pretix's workers deliver 4 and 16 at a time, as fast as the receiver answers, at the
// real limits: batches stay full and everything is in HubSpot quickly.
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack';
import { placeAndMeasure, startTrafficStack } from './traffic';

describe('1,000 webhooks in parallel lanes', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it.each([4, 16])('%i lanes: ≤ 0.05 HubSpot and ≤ 0.04 pretix requests per order, all synced within 15 s, no 429', async (lanes) => {
    stack = await startTrafficStack();
    const figures = await placeAndMeasure(stack, 1000, { lanes });
    expect(figures.hubspotPerOrder).toBeLessThanOrEqual(0.05);
    expect(figures.pretixPerOrder).toBeLessThanOrEqual(0.04);
    expect(figures.allSyncedMs).toBeLessThanOrEqual(15_000);
    expect(figures.hubspot429).toBe(0);
    expect(figures.pretix429).toBe(0);
  }, 60_000);
});
