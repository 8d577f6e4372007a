// How far behind the sync is, per portal: webhook lag over the last hour (acknowledgement → order in HubSpot, from
// the store's sync records) and the queue backlog. Read by the status page, the admin API (`queue status`), the
// settings page and GET /metrics.
import { PortalLag, type LagSummary } from '../lib/lag-window';
import type { QueueCounts, Store, WebhookSyncedSample } from '../store/types';

export interface QueueBacklog {
  pending: number;
  inFlight: number;
  failed: number;
  /** Age of the oldest pending job (from its first trigger), null when nothing is pending. */
  oldestPendingAgeMs: number | null;
}

export interface PortalSyncHealth {
  portalId: string;
  /** Webhooks synced in the last hour and their lag. */
  lag: LagSummary;
  backlog: QueueBacklog;
}

export function backlogOf(counts: QueueCounts, now: number): QueueBacklog {
  return {
    pending: counts.pending,
    inFlight: counts.inFlight,
    failed: counts.failed,
    oldestPendingAgeMs: counts.oldestPendingAt === null ? null : Math.max(0, now - counts.oldestPendingAt),
  };
}

export class SyncHealth {
  private readonly lag = new PortalLag();
  private readonly listeners: ((sample: WebhookSyncedSample) => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly store: Store, now?: () => number) {
    this.now = now ?? Date.now;
    store.onWebhookSynced((sample) => {
      this.lag.add(sample.portalId, sample.lagMs, sample.at);
      for (const listener of this.listeners) listener(sample);
    });
  }

  /** Every sample as it happens (the Prometheus histogram). */
  onSample(listener: (sample: WebhookSyncedSample) => void): void {
    this.listeners.push(listener);
  }

  async portal(portalId: string): Promise<PortalSyncHealth> {
    const now = this.now();
    return { portalId, lag: this.lag.summary(portalId, now), backlog: backlogOf(await this.store.queueCounts(portalId), now) };
  }

  /** Portals with a connection or with lag samples, sorted. */
  async portals(): Promise<string[]> {
    const ids = new Set([...(await this.store.listConnections()).map((c) => c.portalId), ...this.lag.portals()]);
    return [...ids].sort();
  }

  async all(): Promise<PortalSyncHealth[]> {
    return Promise.all((await this.portals()).map((portalId) => this.portal(portalId)));
  }
}

/** "p50 0.8 s, p95 1.9 s, max 2.4 s over 120 webhooks in the last hour", or that there were none. */
export function describeLag(lag: LagSummary): string {
  if (lag.count === 0) return 'no webhook synced in the last hour';
  return `p50 ${seconds(lag.p50Ms)}, p95 ${seconds(lag.p95Ms)}, max ${seconds(lag.maxMs)} over ${lag.count} webhook(s) in the last hour`;
}

export function describeBacklog(backlog: QueueBacklog): string {
  const oldest = backlog.oldestPendingAgeMs === null ? '' : `, oldest pending ${seconds(backlog.oldestPendingAgeMs)} old`;
  return `${backlog.pending} pending, ${backlog.inFlight} in flight, ${backlog.failed} failed${oldest}`;
}

function seconds(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
