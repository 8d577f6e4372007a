// Issue 13's card goal: 200 enabled events on one connection, a contact with orders in 30 of them under two emails.
// The receiver runs in this process with the loopback fakes (pretix Hosted's 360 requests/min enforced by the fake
// pretix); card loads go through the signed API client as HubSpot's hubspot.fetch would send them. One cold load
// (event data not cached yet), a few warm-up loads, then `loads` timed loads one after another.
import { performance } from 'node:perf_hooks';
import type { ContactOrdersResponse } from '../src/app/shared/api-types';
import { startApiStack } from '../test/api/signed-client';
import { ORGANIZER } from '../test/helpers/stack';
import { CONTACT_EMAILS, seedManyEvents } from '../test/scenarios/many-events';
import { percentile } from './percentile';

export interface CardBenchResult {
  events: number;
  ordersShown: number;
  coldMs: number;
  coldPretixRequests: number;
  loads: number;
  p50: number;
  p95: number;
  max: number;
  /** pretix requests per timed card load (the organizer-wide searches; event data comes from the cache). */
  pretixRequestsPerLoad: number;
  pretix429: number;
}

export async function runCardBenchmark(loads = 50, warmUp = 5): Promise<CardBenchResult> {
  const stack = await startApiStack({
    startWorker: false,
    pretixRateLimit: { limit: 360, intervalMs: 60_000 },
    env: { LOG_LEVEL: 'warn' },
  });
  try {
    const events = 200;
    const seeded = await seedManyEvents(stack, events, 30);
    const load = async () => {
      const answer = await stack.api.get<ContactOrdersResponse>('/api/v1/contacts/4711/orders', { email: CONTACT_EMAILS });
      if (answer.status !== 200) throw new Error(`card answered ${answer.status}: ${answer.text}`);
      const codes = answer.body.orders.map((o) => o.code);
      if (codes.join() !== seeded.expectedCodes.join() || answer.body.warnings.length > 0) {
        throw new Error(`card listed ${codes.length} orders (warnings: ${answer.body.warnings.join('; ')}), expected ${seeded.expectedCodes.length}`);
      }
      return codes.length;
    };

    stack.pretix.resetStats();
    let started = performance.now();
    const ordersShown = await load();
    const coldMs = performance.now() - started;
    const coldPretixRequests = stack.pretix.stats(ORGANIZER).total;
    for (let i = 0; i < warmUp; i += 1) await load();

    stack.pretix.resetStats();
    const times = new Float64Array(loads);
    for (let i = 0; i < loads; i += 1) {
      started = performance.now();
      await load();
      times[i] = performance.now() - started;
    }
    const stats = stack.pretix.stats(ORGANIZER);
    return {
      events,
      ordersShown,
      coldMs,
      coldPretixRequests,
      loads,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      max: percentile(times, 100),
      pretixRequestsPerLoad: stats.total / loads,
      pretix429: stats.throttled,
    };
  } finally {
    await stack.close();
  }
}
