// GET /metrics: Prometheus text format, per portal. Lag is a histogram of acknowledgement → in HubSpot (cumulative,
// as Prometheus wants it; the status page shows the last hour's percentiles), the backlog gauges are read from the
// store at scrape time, and request/429 counters come from the rate limiters. In production it needs the admin
// token, like the admin API: portal ids and volumes are nobody else's business.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RateLimiter } from '../lib/rate-limiter';
import { safeEqual } from '../store/secrets';
import type { SyncHealth } from '../sync/sync-health';
import { HttpError } from './errors';

export interface MetricsDeps {
  health: SyncHealth;
  limiters: { hubspot: RateLimiter; pretix: RateLimiter };
  adminToken: string;
  requireToken: boolean;
}

export function createMetricsRegistry(deps: Omit<MetricsDeps, 'adminToken' | 'requireToken'>): Registry {
  const registry = new Registry();
  const lag = new Histogram({
    name: 'pretix_hubspot_webhook_lag_seconds',
    help: 'From the acknowledgement of a pretix webhook to its order being in HubSpot',
    labelNames: ['portal'],
    buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  deps.health.onSample((sample) => lag.observe({ portal: sample.portalId }, sample.lagMs / 1000));

  const backlogGauge = (name: string, help: string, read: (b: Awaited<ReturnType<SyncHealth['portal']>>['backlog']) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['portal'],
      registers: [registry],
      async collect() {
        const all = await deps.health.all();
        this.reset();
        for (const { portalId, backlog } of all) {
          const value = read(backlog);
          if (value !== null) this.set({ portal: portalId }, value);
        }
      },
    });
  backlogGauge('pretix_hubspot_jobs_pending', 'Sync jobs waiting', (b) => b.pending);
  backlogGauge('pretix_hubspot_jobs_in_flight', 'Sync jobs being synced', (b) => b.inFlight);
  backlogGauge('pretix_hubspot_jobs_failed', 'Sync jobs stopped until a manual retry', (b) => b.failed);
  backlogGauge('pretix_hubspot_oldest_pending_seconds', 'Age of the oldest pending sync job', (b) => (b.oldestPendingAgeMs === null ? null : b.oldestPendingAgeMs / 1000));

  // Limiter keys: the portal id for HubSpot, "base URL|organizer" for pretix.
  const limiterCounter = (name: string, help: string, labelNames: string[], read: (service: 'hubspot' | 'pretix', key: string) => Record<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: ['service', 'account', ...labelNames],
      registers: [registry],
      collect() {
        this.reset();
        for (const service of ['hubspot', 'pretix'] as const) {
          for (const key of deps.limiters[service].keys()) {
            for (const [label, value] of Object.entries(read(service, key))) {
              this.inc({ service, account: key, ...(labelNames.length > 0 ? { priority: label } : {}) }, value);
            }
          }
        }
      },
    });
  limiterCounter('pretix_hubspot_upstream_requests_total', 'Requests sent to pretix and HubSpot, by priority class', ['priority'], (service, key) => deps.limiters[service].usage(key).admitted);
  limiterCounter('pretix_hubspot_upstream_rate_limited_total', '429 answers from pretix and HubSpot', [], (service, key) => ({ all: deps.limiters[service].usage(key).pauses }));
  return registry;
}

export async function metricsRoutes(app: FastifyInstance, deps: MetricsDeps): Promise<void> {
  const registry = createMetricsRegistry(deps);
  app.get('/metrics', async (request, reply) => {
    if (deps.requireToken) {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!token || !safeEqual(token, deps.adminToken)) {
        throw new HttpError(401, 'unauthorized', 'In production /metrics needs `Authorization: Bearer <admin token>` (derived from SECRET_KEY, as for the admin API).');
      }
    }
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
}
