// The lag from a webhook's acknowledgement to its order being in HubSpot, and the queue backlog, per portal: on the
// status page, in the admin API behind `queue status`, and as Prometheus metrics at GET /metrics (admin token in
// production). The lag is checked against the fakes' own clocks: the webhook's send/answer and the deal's createdAt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTokenFor } from '../../receiver/app';
import { createSecretBox } from '../../receiver/store/secrets';
import type { PortalSyncHealth } from '../../receiver/sync/sync-health';
import type { SyncProblemsResponse } from '../../src/app/shared/api-types';
import { startApiStack, type ApiStack } from '../api/signed-client';
import { EVENT, ORGANIZER, PORTAL_ID, SECRET_KEY, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from './mappings';

/** One sample of a Prometheus text exposition, e.g. metric('x_count', { portal: '1' }). */
function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => have.includes(label))) return Number(match[3]);
  }
  return undefined;
}

describe('lag and backlog you can see', () => {
  let stack: ApiStack;
  let sentAt: number;
  let answeredAt: number;
  let dealCreatedAt: number;

  beforeAll(async () => {
    stack = await startApiStack();
    const connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    sentAt = Date.now();
    const { calls } = await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    answeredAt = Date.now();
    expect(calls.map((c) => c.status)).toEqual([200]);
    const deal = await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', 'Q7X3M'), 'the deal in HubSpot');
    dealCreatedAt = Date.parse(deal.createdAt);
    await waitFor(async () => (await stack.store.queueCounts()).pending + (await stack.store.queueCounts()).inFlight === 0, 'the job done');
  });
  afterAll(() => stack.close());

  it('measures the webhook from its acknowledgement to the order in HubSpot, per portal', async () => {
    const { portals } = await stack.admin.get<{ portals: PortalSyncHealth[] }>('/sync-health');
    expect(portals).toHaveLength(1);
    const [health] = portals;
    expect(health!.portalId).toBe(PORTAL_ID);
    expect(health!.lag.count).toBe(1);
    // Acknowledged between the fake's send and its answer; recorded once the deal (and its association) existed.
    const lag = health!.lag.maxMs!;
    expect(lag).toBeGreaterThanOrEqual(dealCreatedAt - answeredAt);
    expect(lag).toBeLessThanOrEqual(dealCreatedAt - sentAt + 1000);
    expect(health!.lag.p50Ms).toBe(lag);
    expect(health!.backlog).toEqual({ pending: 0, inFlight: 0, failed: 0, oldestPendingAgeMs: null });
  });

  it('counts a webhook merged into a waiting job once, from the older acknowledgement', async () => {
    const samples: number[] = [];
    stack.store.onWebhookSynced((sample) => samples.push(sample.lagMs));
    await stack.app.services.worker.stop();
    const first = Date.now();
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.modified');
    await new Promise((resolve) => setTimeout(resolve, 80));
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.paid');
    const waiting = await stack.admin.get<{ portals: PortalSyncHealth[] }>('/sync-health');
    expect(waiting.portals[0]!.backlog).toMatchObject({ pending: 1, inFlight: 0 });
    expect(waiting.portals[0]!.backlog.oldestPendingAgeMs).toBeGreaterThanOrEqual(80);
    stack.app.services.worker.start();
    await waitFor(async () => (await stack.admin.get<{ portals: PortalSyncHealth[] }>('/sync-health')).portals[0]!.lag.count === 2, 'the second sample');
    const { portals } = await stack.admin.get<{ portals: PortalSyncHealth[] }>('/sync-health');
    // Two webhooks, one job, one sync: one more sample, counted from the first webhook (80 ms before the second).
    expect(portals[0]!.lag.count).toBe(2);
    expect(samples).toHaveLength(1);
    expect(samples[0]).toBeGreaterThanOrEqual(80);
    expect(samples[0]).toBeLessThanOrEqual(Date.now() - first);
  });

  it("gives the settings page the portal's lag and backlog through the signed API", async () => {
    const { portals } = await stack.admin.get<{ portals: PortalSyncHealth[] }>('/sync-health');
    const { status, body } = await stack.api.get<SyncProblemsResponse>('/api/v1/sync-problems');
    expect(status).toBe(200);
    expect(body.health).toEqual({ lag: portals[0]!.lag, backlog: portals[0]!.backlog });
    expect(body.health.lag.count).toBe(2);
    // Another portal sees its own (empty) figures, not these.
    const other = await stack.api.get<SyncProblemsResponse>('/api/v1/sync-problems', {}, '5150');
    expect(other.body.health.lag.count).toBe(0);
  });

  it('shows lag and backlog on the status page', async () => {
    const page = await (await fetch(`${stack.receiverUrl}/`)).text();
    expect(page).toContain('id="sync-lag"');
    expect(page).toMatch(new RegExp(`data-portal="${PORTAL_ID}"[^]*over 2 webhook\\(s\\) in the last hour[^]*0 pending, 0 in flight, 0 failed`));
  });

  it('exposes Prometheus metrics with per-portal labels (open in development)', async () => {
    const response = await fetch(`${stack.receiverUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(metric(text, 'pretix_hubspot_webhook_lag_seconds_count', { portal: PORTAL_ID })).toBe(2);
    const { portals } = await stack.admin.get<{ portals: PortalSyncHealth[] }>('/sync-health');
    expect(metric(text, 'pretix_hubspot_webhook_lag_seconds_bucket', { portal: PORTAL_ID, le: '+Inf' })).toBe(2);
    expect(metric(text, 'pretix_hubspot_webhook_lag_seconds_sum', { portal: PORTAL_ID })).toBeGreaterThanOrEqual(portals[0]!.lag.maxMs! / 1000);
    expect(metric(text, 'pretix_hubspot_jobs_pending', { portal: PORTAL_ID })).toBe(0);
    expect(metric(text, 'pretix_hubspot_jobs_failed', { portal: PORTAL_ID })).toBe(0);
    // The limiter's counts add up to what the fake HubSpot received (no 429 here): the worker's syncs as background,
    // the property check while saving the mappings as interactive.
    const hubspotRequests = stack.hubspot.requestCount({ portalId: PORTAL_ID });
    const background = metric(text, 'pretix_hubspot_upstream_requests_total', { service: 'hubspot', account: PORTAL_ID, priority: 'background' })!;
    const interactive = metric(text, 'pretix_hubspot_upstream_requests_total', { service: 'hubspot', account: PORTAL_ID, priority: 'interactive' })!;
    expect(interactive).toBeGreaterThan(0);
    expect(background).toBeGreaterThan(0);
    expect(background + interactive).toBe(hubspotRequests);
    expect(metric(text, 'pretix_hubspot_upstream_rate_limited_total', { service: 'hubspot', account: PORTAL_ID })).toBe(0);
  });
});

describe('GET /metrics in production', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => stack.close());

  it('needs the admin token, like the admin API', async () => {
    const anonymous = await fetch(`${stack.receiverUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('admin token');
    expect((await fetch(`${stack.receiverUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const token = adminTokenFor(createSecretBox(SECRET_KEY));
    const authorized = await fetch(`${stack.receiverUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(authorized.status).toBe(200);
    expect(await authorized.text()).toContain('# TYPE pretix_hubspot_webhook_lag_seconds histogram');
  });
});
