// The default Store: two lowdb JSON files written atomically with group commit.
// The main file holds configuration and the queue (small, rewritten often); sync records live in a second
// file so that the per-order history does not make every webhook acknowledgement rewrite it.
import { Low } from 'lowdb';
import type { FailureClass } from '../sync/errors';
import { DurableJsonFile } from './durable-json-file';
import { GroupCommit } from './group-commit';
import {
  jobKey,
  type AcceptResult,
  type Connection,
  type EventConfig,
  type Installation,
  type JobTrigger,
  type QueueCounts,
  type Store,
  type SyncJob,
  type SyncRecord,
} from './types';

interface MainData {
  schemaVersion: 1;
  installations: Record<string, Installation>;
  connections: Record<string, Connection>;
  events: Record<string, EventConfig>;
  jobs: Record<string, SyncJob>;
  /** notification key → first seen (ms). Kept longer than pretix retries a delivery (about 59 hours). */
  notifications: Record<string, number>;
}

interface RecordData {
  schemaVersion: 1;
  records: Record<string, SyncRecord>;
}

const NOTIFICATION_RETENTION_MS = 4 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;
const MAX_TRIGGERS_KEPT = 10;

const emptyMain = (): MainData => ({ schemaVersion: 1, installations: {}, connections: {}, events: {}, jobs: {}, notifications: {} });
const emptyRecords = (): RecordData => ({ schemaVersion: 1, records: {} });
const eventKey = (connectionId: string, event: string) => `${connectionId}:${event}`;

export function recordsFileFor(dataFile: string): string {
  return dataFile.replace(/(\.json)?$/, '.records.json');
}

export async function openLowdbStore(dataFile: string): Promise<Store> {
  const main = new Low<MainData>(new DurableJsonFile<MainData>(dataFile), emptyMain());
  const recordsDb = new Low<RecordData>(new DurableJsonFile<RecordData>(recordsFileFor(dataFile)), emptyRecords());
  await Promise.all([main.read(), recordsDb.read()]);
  const data = main.data;
  const records = recordsDb.data.records;
  const mainCommit = new GroupCommit(() => main.write());
  const recordsCommit = new GroupCommit(() => recordsDb.write());

  // email → record keys, so the card can find a contact's orders without scanning every record.
  const byEmail = new Map<string, Set<string>>();
  const indexRecord = (record: SyncRecord, add: boolean) => {
    for (const email of record.emails) {
      let keys = byEmail.get(email);
      if (!keys && add) byEmail.set(email, (keys = new Set()));
      if (add) keys?.add(record.key);
      else keys?.delete(record.key);
    }
  };
  Object.values(records).forEach((record) => indexRecord(record, true));

  let lastPruneAt = 0;
  const pruneNotifications = (now: number) => {
    if (now - lastPruneAt < PRUNE_EVERY_MS) return;
    lastPruneAt = now;
    for (const [key, seenAt] of Object.entries(data.notifications)) {
      if (now - seenAt > NOTIFICATION_RETENTION_MS) delete data.notifications[key];
    }
  };

  /** Adds a trigger to the order's job: one pending job per order, as pretix's OrderSyncQueue does. */
  const mergeTrigger = (trigger: JobTrigger, now: number): 'queued' | 'merged' => {
    const key = jobKey(trigger.connectionId, trigger.event, trigger.code);
    const job = data.jobs[key];
    if (!job) {
      data.jobs[key] = {
        key,
        portalId: trigger.portalId,
        connectionId: trigger.connectionId,
        event: trigger.event,
        code: trigger.code,
        state: 'pending',
        triggers: [trigger.action],
        firstTriggeredAt: now,
        lastTriggeredAt: now,
        attempts: 0,
        nextAttemptAt: now,
      };
      return 'queued';
    }
    job.triggers = [...job.triggers, trigger.action].slice(-MAX_TRIGGERS_KEPT);
    job.lastTriggeredAt = now;
    if (job.state === 'in_flight') {
      job.rerun = true;
    } else {
      // A new trigger revives a failed job and cuts a backoff short: the order changed, try again now.
      if (job.state === 'failed') job.attempts = 0;
      job.state = 'pending';
      job.nextAttemptAt = now;
    }
    return 'merged';
  };

  const store: Store = {
    getInstallation: (portalId) => data.installations[portalId],
    listInstallations: () => Object.values(data.installations),
    async saveInstallation(installation) {
      data.installations[installation.portalId] = installation;
      await mainCommit.commit();
    },

    getConnection: (id) => data.connections[id],
    findConnectionByWebhookFingerprint: (fingerprint) =>
      Object.values(data.connections).find((c) => c.webhookTokenFingerprint === fingerprint),
    listConnections: (portalId) =>
      Object.values(data.connections).filter((c) => portalId === undefined || c.portalId === portalId),
    async saveConnection(connection) {
      data.connections[connection.id] = connection;
      await mainCommit.commit();
    },
    async deleteConnection(id) {
      delete data.connections[id];
      for (const [key, event] of Object.entries(data.events)) if (event.connectionId === id) delete data.events[key];
      for (const [key, job] of Object.entries(data.jobs)) if (job.connectionId === id) delete data.jobs[key];
      for (const [key, record] of Object.entries(records)) {
        if (record.connectionId === id) {
          indexRecord(record, false);
          delete records[key];
        }
      }
      await Promise.all([mainCommit.commit(), recordsCommit.commit()]);
    },
    getEventConfig: (connectionId, event) => data.events[eventKey(connectionId, event)],
    listEventConfigs: (connectionId) =>
      Object.values(data.events).filter((e) => connectionId === undefined || e.connectionId === connectionId),
    async saveEventConfig(config) {
      data.events[eventKey(config.connectionId, config.event)] = config;
      await mainCommit.commit();
    },

    async acceptWebhook(notificationKey, trigger, now): Promise<AcceptResult> {
      pruneNotifications(now);
      if (data.notifications[notificationKey] !== undefined) return 'duplicate';
      data.notifications[notificationKey] = now;
      const result = mergeTrigger(trigger, now);
      await mainCommit.commit();
      return result;
    },
    async enqueue(triggers, now) {
      triggers.forEach((trigger) => mergeTrigger(trigger, now));
      if (triggers.length > 0) await mainCommit.commit();
      return triggers.length;
    },
    claimDueJobs(now, limit) {
      const due = Object.values(data.jobs)
        .filter((job) => job.state === 'pending' && job.nextAttemptAt <= now)
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
        .slice(0, limit);
      // Not persisted: after a crash a claimed job is simply pending again, which is what recovery wants.
      for (const job of due) {
        job.state = 'in_flight';
        job.inFlightSince = now;
      }
      return due;
    },
    nextDueAt() {
      let next: number | null = null;
      for (const job of Object.values(data.jobs)) {
        if (job.state === 'pending' && (next === null || job.nextAttemptAt < next)) next = job.nextAttemptAt;
      }
      return next;
    },
    async completeJobs(keys, now) {
      for (const key of keys) {
        const job = data.jobs[key];
        if (!job) continue;
        if (job.rerun) {
          Object.assign(job, { state: 'pending', rerun: false, attempts: 0, nextAttemptAt: now, inFlightSince: undefined });
        } else {
          delete data.jobs[key];
        }
      }
      await mainCommit.commit();
    },
    async failJob(key, failure, now) {
      const job = data.jobs[key];
      if (!job) return;
      job.attempts += 1;
      job.failureClass = failure.failureClass;
      job.lastError = failure.message;
      job.lastErrorAt = now;
      job.inFlightSince = undefined;
      if (job.rerun && failure.failureClass === 'transient') {
        job.rerun = false;
        job.state = 'pending';
        job.nextAttemptAt = failure.nextAttemptAt ?? now;
      } else if (failure.nextAttemptAt === null) {
        job.rerun = false;
        job.state = 'failed';
      } else {
        job.state = 'pending';
        job.nextAttemptAt = failure.nextAttemptAt;
      }
      await mainCommit.commit();
    },
    async retryJob(key, now) {
      const job = data.jobs[key];
      if (!job || job.state === 'in_flight') return false;
      Object.assign(job, { state: 'pending', attempts: 0, nextAttemptAt: now });
      job.triggers = [...job.triggers, 'manual_retry'].slice(-MAX_TRIGGERS_KEPT);
      await mainCommit.commit();
      return true;
    },
    async recoverInFlight(now) {
      let recovered = 0;
      for (const job of Object.values(data.jobs)) {
        if (job.state === 'in_flight') {
          Object.assign(job, { state: 'pending', nextAttemptAt: now, inFlightSince: undefined });
          recovered += 1;
        }
      }
      if (recovered > 0) await mainCommit.commit();
      return recovered;
    },
    getJob: (key) => data.jobs[key],
    listJobs(filter = {}) {
      return Object.values(data.jobs).filter(
        (job) =>
          (filter.portalId === undefined || job.portalId === filter.portalId) &&
          (filter.state === undefined || job.state === filter.state) &&
          (filter.connectionId === undefined || job.connectionId === filter.connectionId),
      );
    },
    queueCounts(portalId) {
      const counts: QueueCounts = {
        pending: 0,
        inFlight: 0,
        failed: 0,
        failedByClass: { transient: 0, permanent: 0, config: 0 } satisfies Record<FailureClass, number>,
        oldestPendingAt: null,
      };
      for (const job of Object.values(data.jobs)) {
        if (portalId !== undefined && job.portalId !== portalId) continue;
        if (job.state === 'pending') {
          counts.pending += 1;
          if (counts.oldestPendingAt === null || job.firstTriggeredAt < counts.oldestPendingAt) counts.oldestPendingAt = job.firstTriggeredAt;
        } else if (job.state === 'in_flight') counts.inFlight += 1;
        else {
          counts.failed += 1;
          counts.failedByClass[job.failureClass ?? 'transient'] += 1;
        }
      }
      return counts;
    },

    getSyncRecord: (key) => records[key],
    async putSyncRecords(list) {
      for (const record of list) {
        const previous = records[record.key];
        if (previous) indexRecord(previous, false);
        records[record.key] = record;
        indexRecord(record, true);
      }
      if (list.length > 0) await recordsCommit.commit();
    },
    findSyncRecordsByEmails(portalId, emails) {
      const keys = new Set<string>();
      for (const email of emails) for (const key of byEmail.get(email.toLowerCase()) ?? []) keys.add(key);
      return [...keys].map((key) => records[key]).filter((r): r is SyncRecord => r !== undefined && r.portalId === portalId);
    },

    async flush() {
      await Promise.all([mainCommit.flush(), recordsCommit.flush()]);
    },
    async close() {
      await store.flush();
    },
  };
  return store;
}
