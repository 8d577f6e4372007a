// What a batch's outcomes leave behind: sync records for every order (failed ones keep their previous objects),
// and, for orders that failed outside the queue (backfill, sweep), a job so that the failure is visible and
// retried like any other.
import type { Store, SyncRecord } from '../store/types';
import { jobKey } from '../store/types';
import type { OrderFailure, OrderOutcome } from './sync-batch';

/** The record of an order whose sync failed: what was synced before stays, with the failure on top. */
export function failedRecord(
  previous: SyncRecord | undefined,
  order: { key: string; portalId: string; connectionId: string; event: string; code: string },
  failure: OrderFailure,
  now: Date,
): SyncRecord {
  const { key, portalId, connectionId, event, code } = order;
  return {
    ...(previous ?? { key, portalId, connectionId, event, code, emails: [], objects: [], associations: [], skipped: [] }),
    status: 'failed',
    syncedAt: previous?.syncedAt ?? now.toISOString(),
    failureClass: failure.failureClass,
    lastError: failure.message,
  };
}

/** A run over only some mappings replaces those mappings' objects in the record and keeps the others'. */
export function mergeRecord(previous: SyncRecord | undefined, next: SyncRecord, onlyMappings: Set<string> | null): SyncRecord {
  if (!previous || !onlyMappings) return next;
  return {
    ...next,
    objects: [...previous.objects.filter((o) => !onlyMappings.has(o.mappingId)), ...next.objects],
    associations: [...new Set([...previous.associations, ...next.associations])],
  };
}

export interface RecordOutcomesInput {
  store: Pick<Store, 'getSyncRecords' | 'putSyncRecords' | 'enqueueFailed'>;
  portalId: string;
  connectionId: string;
  event: string;
  outcomes: OrderOutcome[];
  onlyMappings: Set<string> | null;
  now: Date;
  /** Trigger name for the jobs of failed orders. */
  trigger: string;
  /** When a failed order should be retried, per failure (null: wait for a person). */
  retryAt: (failure: OrderFailure) => number | null;
}

export async function recordOutcomes(input: RecordOutcomesInput): Promise<{ synced: number; skipped: number; failed: number }> {
  const { store, outcomes } = input;
  const records: SyncRecord[] = [];
  const failures: { code: string; failure: OrderFailure }[] = [];
  let skipped = 0;
  // Read again rather than taken from the batch's start: a sync of the same order may have written its record while
  // this batch waited for HubSpot, and what is merged with or kept on failure is what is stored now. One read.
  const keyOf = (code: string) => jobKey(input.connectionId, input.event, code);
  const stored = await store.getSyncRecords(outcomes.map((outcome) => keyOf(outcome.code)));
  for (const outcome of outcomes) {
    const key = keyOf(outcome.code);
    const previous = stored.get(key);
    if (outcome.record) {
      records.push(mergeRecord(previous, outcome.record, input.onlyMappings));
      if (outcome.record.objects.length === 0) skipped += 1;
    } else {
      failures.push({ code: outcome.code, failure: outcome.failure });
      records.push(failedRecord(previous, { key, portalId: input.portalId, connectionId: input.connectionId, event: input.event, code: outcome.code }, outcome.failure, input.now));
    }
  }
  await store.putSyncRecords(records);
  const at = input.now.getTime();
  await store.enqueueFailed(
    failures.map(({ code, failure }) => ({
      trigger: { portalId: input.portalId, connectionId: input.connectionId, event: input.event, code, action: input.trigger },
      failure: { ...failure, nextAttemptAt: input.retryAt(failure) },
    })),
    at,
  );
  return { synced: records.length - failures.length - skipped, skipped, failed: failures.length };
}
