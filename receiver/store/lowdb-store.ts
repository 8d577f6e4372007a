// The default Store: a lowdb JSON file, written atomically with group commit, for configuration and the queue
// (small, rewritten often), and an append-only log beside it for the per-order sync records (large, see
// record-log.ts), so that neither a webhook acknowledgement nor a backfill batch rewrites the order history.
import { Low } from 'lowdb';
import type { FailureClass } from '../domain/errors';
import { DurableJsonFile } from './durable-json-file';
import { dueSummaryOf } from './due-summary';
import { completeJob, failJob, mergeTrigger as mergeIntoJob, newJob, recordOutsideFailure, releaseJob, retryJob } from './job-transitions';
import { GroupCommit } from './group-commit';
import { QueueJournal, type JournalEntry, type ProgressEntry } from './queue-journal';
import { RecordLog } from './record-log';
import type { RepairedDamage } from './damaged-state';
import { SeenNotifications, splitNotificationKey } from './seen-notifications';
import { emptyMainData, readMainData, type MainData } from './state-schema';
import {
  jobKey,
  type AcceptResult,
  type BackfillState,
  type JobTrigger,
  type QueueCounts,
  type Store,
  type StoreHealth,
  type SweepState,
  type SyncRecord,
  type WebhookSyncedSample,
} from './types';
import { webhookBasisHolds } from './webhook-basis';

const PRUNE_EVERY_MS = 10 * 60_000;

const eventKey = (connectionId: string, event: string) => `${connectionId}:${event}`;

/** "ENOSPC" and the like: what an operator needs, without the file paths that fs errors carry. */
function writeProblem(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's fs messages read "ENOSPC: no space left on device, write" or "EACCES: permission denied, open '<path>'".
  if ('code' in error && typeof error.code === 'string') return error.message.split(', ')[0] ?? error.code;
  return error.message;
}

export function recordsFileFor(dataFile: string): string {
  return dataFile.replace(/(\.json)?$/, '.records.jsonl');
}

export interface OpenStoreOptions {
  /** Start without damaged journal and sync-record lines, keeping them in `*.damaged` files (--repair). */
  repair?: boolean;
}

/**
 * Opens the store. The caller holds the data file's lock (data-file-lock.ts; main.ts takes it first). Damaged or
 * newer state throws DamagedStateError before any of its files is changed.
 */
export async function openLowdbStore(dataFile: string, options: OpenStoreOptions = {}): Promise<Store> {
  return (await openLowdbStoreReporting(dataFile, options)).store;
}

/** openLowdbStore, and what `repair` skipped, for the start-up log. */
export async function openLowdbStoreReporting(dataFile: string, options: OpenStoreOptions = {}): Promise<{ store: Store; repaired: RepairedDamage[] }> {
  // Validated and, if older, migrated in memory; written back only by the next checkpoint.
  const data: MainData = await readMainData(dataFile);
  const main = new Low<MainData>(new DurableJsonFile<MainData>(dataFile), emptyMainData());
  main.data = data;
  // Every file is checked before any is changed: the journal is read (and checked) first, the record log checks
  // itself before it changes anything, and only then does the journal start its new segment.
  const journalRead = await QueueJournal.read(dataFile, data.journalSegment, { headersExpected: data.journalHeaders === true, repair: options.repair });
  const records = await RecordLog.open(recordsFileFor(dataFile), { repair: options.repair });
  const opened = await journalRead.start();
  const { journal, replay } = opened;
  const repaired = [...records.repaired, ...opened.repaired];
  // The outcome of the last journal append and of the last checkpoint, for /healthz: a full disk makes every
  // webhook fail while the process itself looks fine.
  const problems: { journal: string | null; checkpoint: string | null } = { journal: null, checkpoint: null };
  // A checkpoint: new journal segment first, then the snapshot (inside main.write), then old segments go.
  const mainCommit = new GroupCommit(async () => {
    try {
      data.journalSegment = await journal.rotate();
      // Segments from here on have headers (rotate wrote one), so the next start can tell an emptied one.
      data.journalHeaders = true;
      await main.write();
      await journal.deleteBefore(data.journalSegment);
      problems.checkpoint = null;
    } catch (error) {
      problems.checkpoint = `the state file cannot be written (${writeProblem(error)})`;
      throw error;
    }
  });
  const appendToJournal = async (entry: JournalEntry): Promise<void> => {
    try {
      await journal.append(entry);
      problems.journal = null;
    } catch (error) {
      problems.journal = `the journal cannot be written (${writeProblem(error)})`;
      throw error;
    }
  };

  const syncedListeners: ((sample: WebhookSyncedSample) => void)[] = [];
  const seen = new SeenNotifications(data.seen);
  let lastPruneAt = 0;
  const pruneNotifications = (now: number) => {
    if (now - lastPruneAt < PRUNE_EVERY_MS) return;
    lastPruneAt = now;
    seen.prune(now);
  };

  /** Adds a trigger to the order's job: one pending job per order, as pretix's OrderSyncQueue does. */
  const mergeTrigger = (trigger: JobTrigger, now: number, fromWebhook = false): 'queued' | 'merged' => {
    const key = jobKey(trigger.connectionId, trigger.event, trigger.code);
    const job = data.jobs[key];
    if (!job) {
      data.jobs[key] = newJob(trigger, now, fromWebhook);
      return 'queued';
    }
    mergeIntoJob(job, trigger, now, fromWebhook);
    return 'merged';
  };

  for (const entry of replay) {
    // Progress saved while its connection was being removed may follow the removal's checkpoint: it stays removed.
    if ((entry.kind === 'backfill' || entry.kind === 'sweep') && !data.connections[entry.state.connectionId]) continue;
    if (entry.kind === 'backfill') {
      data.backfills[eventKey(entry.state.connectionId, entry.state.event)] = entry.state;
      continue;
    }
    if (entry.kind === 'sweep') {
      data.sweeps[eventKey(entry.state.connectionId, entry.state.event)] = entry.state;
      continue;
    }
    const { connectionId, id } = splitNotificationKey(entry.notificationKey);
    if (seen.has(connectionId, id)) continue;
    seen.add(connectionId, id, entry.at);
    mergeTrigger(entry.trigger, entry.at, true);
  }
  // After a repair too: the checkpoint deletes the damaged segments, whose skipped lines are kept in *.damaged.
  if (replay.length > 0 || opened.repaired.length > 0) await mainCommit.commit();

  // Durable before visible: what the API shows of a backfill or sweep is only what a restart would resume from.
  // `data` (what checkpoints write) takes a save at once, so a checkpoint taken meanwhile includes it, exactly like
  // a webhook's trigger; these views take it only once its journal line is on disk.
  const visibleBackfills: Record<string, BackfillState> = { ...data.backfills };
  const visibleSweeps: Record<string, SweepState> = { ...data.sweeps };
  const saveProgress = async <S extends BackfillState | SweepState>(
    entry: ProgressEntry,
    state: S,
    persisted: Record<string, S>,
    visible: Record<string, S>,
  ): Promise<void> => {
    const key = eventKey(state.connectionId, state.event);
    const previous = persisted[key];
    persisted[key] = state;
    try {
      await appendToJournal(entry);
    } catch (error) {
      if (persisted[key] === state) {
        if (previous) persisted[key] = previous;
        else delete persisted[key];
      }
      throw error;
    }
    // A later save (or the connection's removal) may have replaced it meanwhile: that one decides what is shown.
    if (persisted[key] === state) visible[key] = state;
    if (journal.checkpointDue()) void mainCommit.commit().catch(() => undefined);
  };

  // The same rule for configuration: `data` takes a save at once (a checkpoint taken meanwhile includes it), and
  // these views, which every read uses, take it only once the checkpoint that holds it is on disk. A save that
  // cannot be written is undone, so nobody is shown what a restart would not have.
  const durableView = <T>(persisted: Record<string, T>) => {
    const visible: Record<string, T> = { ...persisted };
    const set = async (key: string, value: T): Promise<void> => {
      const previous = persisted[key];
      persisted[key] = value;
      try {
        await mainCommit.commit();
      } catch (error) {
        if (persisted[key] === value) {
          if (previous === undefined) delete persisted[key];
          else persisted[key] = previous;
        }
        throw error;
      }
      // A later save (or a removal) may have replaced it meanwhile: that one decides what is shown.
      if (persisted[key] === value) visible[key] = value;
    };
    // A removal is shown at once, like a connection's: a crash before its checkpoint only brings the entry back.
    const remove = async (key: string): Promise<void> => {
      delete persisted[key];
      delete visible[key];
      await mainCommit.commit();
    };
    return { visible, set, remove };
  };
  const installations = durableView(data.installations);
  const connections = durableView(data.connections);
  const events = durableView(data.events);
  const mappingSets = durableView(data.mappingSets);

  const store: Store = {
    getInstallation: async (portalId) => installations.visible[portalId],
    listInstallations: async () => Object.values(installations.visible),
    saveInstallation: (installation) => installations.set(installation.portalId, installation),

    getConnection: async (id) => connections.visible[id],
    findConnectionByWebhookFingerprint: async (fingerprint) =>
      Object.values(connections.visible).find((c) => c.webhookTokenFingerprint === fingerprint),
    findWebhookTarget: async (fingerprint, event) => {
      const connection = Object.values(connections.visible).find((c) => c.webhookTokenFingerprint === fingerprint);
      if (!connection) return undefined;
      return { connection, eventConfig: event === undefined ? undefined : events.visible[eventKey(connection.id, event)] };
    },
    listConnections: async (portalId) =>
      Object.values(connections.visible).filter((c) => portalId === undefined || c.portalId === portalId),
    saveConnection: (connection) => connections.set(connection.id, connection),
    async deleteConnection(id) {
      // Gone from view at once: a removal is safe to show early (a crash before its checkpoint brings the
      // connection back, and the person removes it again), and nothing may be queued for it meanwhile.
      for (const map of [data.connections, connections.visible]) delete map[id];
      seen.forget(id);
      for (const map of [data.events, events.visible]) {
        for (const [key, event] of Object.entries(map)) if (event.connectionId === id) delete map[key];
      }
      for (const map of [data.mappingSets, mappingSets.visible]) {
        for (const [key, set] of Object.entries(map)) if (set.connectionId === id) delete map[key];
      }
      for (const [key, job] of Object.entries(data.jobs)) if (job.connectionId === id) delete data.jobs[key];
      for (const map of [data.backfills, data.sweeps, visibleBackfills, visibleSweeps]) {
        for (const key of Object.keys(map)) if (key.startsWith(`${id}:`)) delete map[key];
      }
      await Promise.all([mainCommit.commit(), records.purge(records.keysOfConnection(id))]);
    },
    getEventConfig: async (connectionId, event) => events.visible[eventKey(connectionId, event)],
    listEventConfigs: async (connectionId) =>
      Object.values(events.visible).filter((e) => connectionId === undefined || e.connectionId === connectionId),
    saveEventConfig: (config) => events.set(eventKey(config.connectionId, config.event), config),
    getMappingSet: async (connectionId, id) => mappingSets.visible[eventKey(connectionId, id)],
    listMappingSets: async (connectionId) => Object.values(mappingSets.visible).filter((set) => set.connectionId === connectionId),
    saveMappingSet: (set) => mappingSets.set(eventKey(set.connectionId, set.id), set),
    deleteMappingSet: (connectionId, id) => mappingSets.remove(eventKey(connectionId, id)),

    async acceptWebhook(notificationKey, trigger, now, basis): Promise<AcceptResult> {
      pruneNotifications(now);
      const { connectionId, id } = splitNotificationKey(notificationKey);
      if (basis && !webhookBasisHolds(basis, trigger, connections.visible[trigger.connectionId], events.visible[eventKey(trigger.connectionId, trigger.event)])) return 'stale';
      if (seen.has(connectionId, id)) {
        // The original may still be on its way to the disk; this answer acknowledges it too.
        await journal.flush();
        return 'duplicate';
      }
      seen.add(connectionId, id, now);
      const result = mergeTrigger(trigger, now, true);
      // Only the journal line is on the acknowledgement's path; the state file follows as a checkpoint.
      try {
        await appendToJournal({ notificationKey, trigger, at: now });
      } catch (error) {
        // Not on disk, so not acknowledged: pretix's retry must be taken as new, not answered as a duplicate.
        seen.remove(connectionId, id);
        throw error;
      }
      if (journal.checkpointDue()) void mainCommit.commit().catch(() => undefined);
      return result;
    },
    async enqueue(triggers, now) {
      triggers.forEach((trigger) => mergeTrigger(trigger, now));
      if (triggers.length > 0) await mainCommit.commit();
      return triggers.length;
    },
    async enqueueFailed(failed, now) {
      for (const { trigger, failure } of failed) {
        mergeTrigger(trigger, now);
        const job = data.jobs[jobKey(trigger.connectionId, trigger.event, trigger.code)]!;
        // A job the worker is running right now keeps running; its own outcome decides.
        recordOutsideFailure(job, failure, now);
      }
      if (failed.length > 0) await mainCommit.commit();
    },
    async enqueueClaimed(trigger, now) {
      mergeTrigger(trigger, now);
      const job = data.jobs[jobKey(trigger.connectionId, trigger.event, trigger.code)]!;
      const claimed = job.state === 'pending';
      if (claimed) Object.assign(job, { state: 'in_flight', inFlightSince: now });
      // A crash before the sync ends leaves it in flight in the checkpoint; recovery makes it pending again.
      await mainCommit.commit();
      return claimed ? job : null;
    },
    async claimDueJobs(now, limit, options = {}) {
      // One process: no other claim can run at the same time (`exclusive` holds by itself).
      const due = Object.values(data.jobs)
        .filter((job) => job.state === 'pending' && job.nextAttemptAt <= now)
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
        .slice(0, limit);
      if (options.stillWaitingSince !== undefined && !(due[0] && due[0].nextAttemptAt <= options.stillWaitingSince)) return [];
      // Not persisted: after a crash a claimed job is simply pending again, which is what recovery wants.
      for (const job of due) {
        job.state = 'in_flight';
        job.inFlightSince = now;
      }
      return due;
    },
    async dueSummary(now, limit) {
      return dueSummaryOf(Object.values(data.jobs), now, limit);
    },
    async nextDueAt() {
      let next: number | null = null;
      for (const job of Object.values(data.jobs)) {
        if (job.state === 'pending' && (next === null || job.nextAttemptAt < next)) next = job.nextAttemptAt;
      }
      return next;
    },
    async completeJobs(keys, now) {
      for (const key of keys) {
        const job = data.jobs[key];
        if (job && completeJob(job, now) === 'delete') delete data.jobs[key];
      }
      await mainCommit.commit();
    },
    async redactJobErrors(keys, redact) {
      let changed = 0;
      for (const key of keys) {
        const job = data.jobs[key];
        if (job?.lastError === undefined) continue;
        const redacted = redact(job.lastError);
        if (redacted === job.lastError) continue;
        job.lastError = redacted;
        changed += 1;
      }
      // The checkpoint replaces the whole file (temp file and rename), so the old text is not kept beside it.
      if (changed > 0) await mainCommit.commit();
      return changed;
    },
    async failJob(key, failure, now) {
      const job = data.jobs[key];
      if (!job) return;
      failJob(job, failure, now);
      await mainCommit.commit();
    },
    async retryJob(key, now) {
      const job = data.jobs[key];
      if (!job || !retryJob(job, now)) return false;
      await mainCommit.commit();
      return true;
    },
    async releaseJobs(keys, now) {
      let released = 0;
      for (const key of keys) {
        const job = data.jobs[key];
        if (job && releaseJob(job, now)) released += 1;
      }
      if (released > 0) await mainCommit.commit();
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
    getJob: async (key) => data.jobs[key],
    async listJobs(filter = {}) {
      return Object.values(data.jobs).filter(
        (job) =>
          (filter.portalId === undefined || job.portalId === filter.portalId) &&
          (filter.state === undefined || job.state === filter.state) &&
          (filter.connectionId === undefined || job.connectionId === filter.connectionId),
      );
    },
    async queueCounts(portalId) {
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

    getBackfill: async (connectionId, event) => visibleBackfills[eventKey(connectionId, event)],
    listBackfills: async () => Object.values(visibleBackfills),
    // One journal line per save (a backfill saves once a page), not a checkpoint of the whole file.
    saveBackfill: (state) => saveProgress({ kind: 'backfill', state }, state, data.backfills, visibleBackfills),
    getSweep: async (connectionId, event) => visibleSweeps[eventKey(connectionId, event)],
    saveSweep: (state) => saveProgress({ kind: 'sweep', state }, state, data.sweeps, visibleSweeps),

    getSyncRecord: async (key) => records.get(key),
    async getSyncRecords(keys) {
      const found = new Map<string, SyncRecord>();
      for (const key of keys) {
        const record = records.get(key);
        if (record) found.set(key, record);
      }
      return found;
    },
    async putSyncRecords(list: SyncRecord[]) {
      await records.put(list);
      for (const record of list) {
        const job = data.jobs[record.key];
        if (record.status !== 'synced' || job?.state !== 'in_flight' || job.webhookAckedAt === undefined) continue;
        const at = Date.parse(record.syncedAt);
        const sample = { portalId: job.portalId, lagMs: Math.max(0, at - job.webhookAckedAt), at };
        job.webhookAckedAt = undefined;
        for (const listener of syncedListeners) listener(sample);
      }
    },
    onWebhookSynced(listener) {
      syncedListeners.push(listener);
    },
    findSyncRecordsByEmails: async (portalId, emails) => records.findByEmails(portalId, emails),
    findSyncRecords: async (portalId, matches) => records.findInPortal(portalId, matches),
    purgeSyncRecords: (keys, replacements) => records.purge(keys, replacements),

    health(): StoreHealth {
      const reason = [problems.journal, problems.checkpoint].filter((p) => p !== null).join('; ');
      return reason === '' ? { ok: true, kind: 'lowdb' } : { ok: false, kind: 'lowdb', reason };
    },
    async flush() {
      await Promise.all([journal.flush(), mainCommit.flush(), records.flush()]);
    },
    async close() {
      await journal.flush();
      await mainCommit.commit();
      await journal.close();
      await records.close();
    },
  };
  return { store, repaired };
}
