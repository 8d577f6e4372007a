// One order on a receiver that has been idle: batching must not make it wait for company. It is in HubSpot within
// 1.5 s of pretix's first 2xx for its webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack';
import { placeAndMeasure, startTrafficStack } from './traffic';

describe('a single order on an idle receiver', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTrafficStack();
  });
  afterAll(() => stack.close());

  it('is in HubSpot within 1.5 s of the webhook, with one request per mapping step', async () => {
    // Idle: nothing queued, nothing in flight, the worker asleep.
    expect(await stack.store.queueCounts()).toMatchObject({ pending: 0, inFlight: 0 });
    const figures = await placeAndMeasure(stack, 1, { lanes: 1 });
    expect(figures.lagMs.max).toBeLessThanOrEqual(1_500);
    expect(figures.hubspotPerOrder).toBe(4);
  });
});
