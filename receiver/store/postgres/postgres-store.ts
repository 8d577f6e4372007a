// The Store on PostgreSQL (DATABASE_URL), for several receiver instances on one database. Every write is
// committed before its promise resolves, so what one instance acknowledged every other instance sees. The queue's
// cross-instance rules are in queue.ts; this module composes the tables into the Store interface.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Store, SyncRecord, WebhookSyncedSample } from '../types';
import { createConfigTables } from './config-tables';
import { runMigrations } from './migrations';
import { createPostgresPool, inTransaction, type PoolSettings } from './pool';
import { createPostgresQueue } from './queue';
import { QueryHealth } from './query-health';
import { createSyncRecords, writeSyncRecords } from './sync-records';
import { takeWebhookAcks } from './webhook-acks';

export const DEFAULT_CLAIM_TTL_MS = 60_000;

export interface PostgresStoreOptions {
  /** A pool to use (and not to close); otherwise one is made from the URL. */
  pool?: pg.Pool;
  poolSettings?: PoolSettings;
  /** This instance's name on its claims; unique per process by default. */
  instanceId?: string;
  /** A claim not renewed for this long is taken over by another instance (its instance is taken for dead). */
  claimTtlMs?: number;
  /** The clock of claims (tests move it). */
  clock?: () => number;
}

export type PostgresStore = Store & {
  readonly pool: pg.Pool;
  readonly instanceId: string;
};

export const isPostgresStore = (store: Store): store is PostgresStore => 'pool' in store && 'instanceId' in store;

export async function openPostgresStore(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const ownsPool = options.pool === undefined;
  const pool = options.pool ?? createPostgresPool(databaseUrl, options.poolSettings);
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const claimTtlMs = options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
  const clock = options.clock ?? Date.now;
  try {
    await runMigrations(pool);
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw error;
  }

  const health = new QueryHealth();
  const tracked = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => health.track(() => fn(...args));
  const config = createConfigTables(pool);
  const queue = createPostgresQueue(pool, { instanceId, claimTtlMs, clock });
  const records = createSyncRecords(pool);
  const syncedListeners: ((sample: WebhookSyncedSample) => void)[] = [];

  // Renews this instance's claims every third of the TTL, one renewal at a time (one that is slow, say waiting for a
  // connection, delays the next rather than stacking up behind it); a failed one is retried at the next tick (a
  // claim survives two missed ones).
  const renewEveryMs = Math.max(50, Math.floor(claimTtlMs / 3));
  let renewal: NodeJS.Timeout | null = null;
  let closed = false;
  const scheduleRenewal = (delayMs: number) => {
    renewal = setTimeout(() => {
      const startedAt = Date.now();
      void health
        .track(() => queue.renewClaims())
        .catch(() => undefined)
        .finally(() => {
          if (!closed) scheduleRenewal(Math.max(0, startedAt + renewEveryMs - Date.now()));
        });
    }, delayMs);
    renewal.unref();
  };
  scheduleRenewal(renewEveryMs);

  const store: PostgresStore = {
    pool,
    instanceId,
    getInstallation: tracked(config.getInstallation),
    listInstallations: tracked(config.listInstallations),
    saveInstallation: tracked(config.saveInstallation),
    getConnection: tracked(config.getConnection),
    findConnectionByWebhookFingerprint: tracked(config.findConnectionByWebhookFingerprint),
    findWebhookTarget: tracked(config.findWebhookTarget),
    listConnections: tracked(config.listConnections),
    saveConnection: tracked(config.saveConnection),
    deleteConnection: tracked(config.deleteConnection),
    getEventConfig: tracked(config.getEventConfig),
    listEventConfigs: tracked(config.listEventConfigs),
    saveEventConfig: tracked(config.saveEventConfig),
    getMappingSet: tracked(config.getMappingSet),
    listMappingSets: tracked(config.listMappingSets),
    saveMappingSet: tracked(config.saveMappingSet),
    deleteMappingSet: tracked(config.deleteMappingSet),

    acceptWebhook: tracked(queue.acceptWebhook),
    enqueue: tracked(queue.enqueue),
    enqueueFailed: tracked(queue.enqueueFailed),
    enqueueClaimed: tracked(queue.enqueueClaimed),
    claimDueJobs: tracked(queue.claimDueJobs),
    nextDueAt: tracked(queue.nextDueAt),
    dueSummary: tracked(queue.dueSummary),
    completeJobs: tracked(queue.completeJobs),
    failJob: tracked(queue.failJob),
    retryJob: tracked(queue.retryJob),
    releaseJobs: tracked(queue.releaseJobs),
    recoverInFlight: tracked(queue.recoverInFlight),
    redactJobErrors: tracked(queue.redactJobErrors),
    getJob: tracked(queue.getJob),
    listJobs: tracked(queue.listJobs),
    queueCounts: tracked(queue.queueCounts),

    getBackfill: tracked(config.getBackfill),
    listBackfills: tracked(config.listBackfills),
    saveBackfill: tracked(config.saveBackfill),
    getSweep: tracked(config.getSweep),
    saveSweep: tracked(config.saveSweep),

    getSyncRecord: tracked(records.get),
    getSyncRecords: tracked(records.getMany),
    putSyncRecords: tracked(async (list: SyncRecord[]) => {
      if (list.length === 0) return;
      // The records and the lag bookkeeping of their jobs commit together; the samples go out after the commit.
      // Two statements whatever the batch's size: the records, then the acks of their jobs.
      const samples = await inTransaction(pool, async (client) => {
        await writeSyncRecords(client, list);
        // A key given twice counts with its last record, the one written.
        const synced = [...new Map(list.map((record) => [record.key, record])).values()].filter((record) => record.status === 'synced');
        const acks = await takeWebhookAcks(client, synced.map((record) => record.key));
        const taken: WebhookSyncedSample[] = [];
        for (const record of synced.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
          const ack = acks.get(record.key);
          if (!ack) continue;
          const at = Date.parse(record.syncedAt);
          taken.push({ portalId: ack.portalId, lagMs: Math.max(0, at - ack.ackedAt), at });
        }
        return taken;
      });
      for (const sample of samples) for (const listener of syncedListeners) listener(sample);
    }),
    onWebhookSynced(listener) {
      syncedListeners.push(listener);
    },
    findSyncRecordsByEmails: tracked(records.findByEmails),
    findSyncRecords: tracked(records.findInPortal),
    purgeSyncRecords: tracked((keys: string[], replacements?: SyncRecord[]) => inTransaction(pool, (client) => records.purge(client, keys, replacements))),

    health: () => health.health(),
    // Every write is committed when its promise resolves: nothing is buffered.
    flush: async () => undefined,
    async close() {
      closed = true;
      if (renewal) clearTimeout(renewal);
      if (ownsPool) await pool.end();
    },
  };
  return store;
}
