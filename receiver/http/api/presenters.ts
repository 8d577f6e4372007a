// Small translations from stored records to what the card and settings page show: labels, sync states, links.
import type { ConnectionSummary, OrderSyncState, SyncedObjectLink, SyncProblem } from '../../../src/app/shared/api-types';
import { hubspotRecordUrl } from '../../hubspot/object-links';
import type { Connection, SyncJob, SyncRecord } from '../../store/types';
import type { FailureClass } from '../../domain/errors';
import type { HubSpotObjectType, ObjectMapping } from '../../domain/mapping-schema';
import { FAILURE_LABELS } from '../../sync/retry-policy';

const MODEL_LABELS: Record<ObjectMapping['pretix_model'], string> = { Order: 'Order', OrderPosition: 'Order position' };
const OBJECT_TYPE_LABELS: Record<HubSpotObjectType, string> = { contacts: 'Contacts', deals: 'Deals', companies: 'Companies' };

/** "Order → Contacts by email". */
export function mappingLabel(mapping: Pick<ObjectMapping, 'pretix_model' | 'external_object_type' | 'external_id_field'>): string {
  return `${MODEL_LABELS[mapping.pretix_model]} → ${OBJECT_TYPE_LABELS[mapping.external_object_type]} by ${mapping.external_id_field}`;
}

export const STATUS_LABELS: Record<'n' | 'p' | 'e' | 'c' | 'r', string> = {
  n: 'Pending',
  p: 'Paid',
  e: 'Expired',
  c: 'Canceled',
  r: 'Refunded',
};

/** A failed job stopped for good: transient failures only get there after the automatic attempts ran out. */
export function stoppedFailureLabel(failureClass: FailureClass): string {
  return FAILURE_LABELS[failureClass === 'transient' ? 'exceeded' : failureClass];
}

export function pretixOrderUrl(connection: Pick<Connection, 'baseUrl' | 'organizer'>, event: string, code: string): string {
  const e = encodeURIComponent;
  return `${connection.baseUrl}/control/event/${e(connection.organizer)}/${e(event)}/orders/${e(code)}/`;
}

export function objectLinks(
  record: SyncRecord | undefined,
  mappings: ObjectMapping[],
  appUrl: string,
  portalId: string,
): SyncedObjectLink[] {
  if (!record) return [];
  const seen = new Set<string>();
  const links: SyncedObjectLink[] = [];
  for (const object of record.objects) {
    const key = `${object.mappingId}|${object.objectType}|${object.hubspotId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mapping = mappings.find((m) => String(m.id) === object.mappingId);
    links.push({
      mappingId: object.mappingId,
      mappingLabel: mapping ? mappingLabel(mapping) : `Mapping ${object.mappingId} (removed)`,
      objectType: object.objectType,
      hubspotId: object.hubspotId,
      url: hubspotRecordUrl(appUrl, portalId, object.objectType, object.hubspotId),
    });
  }
  return links;
}

/** The queue's view wins over the last record: a pending or failed job says more about now than the last sync. */
export function syncState(record: SyncRecord | undefined, job: SyncJob | undefined, objects: SyncedObjectLink[]): OrderSyncState {
  const syncedAt = record?.syncedAt ?? null;
  if (job && (job.state === 'pending' || job.state === 'in_flight')) {
    const retrying = job.lastError !== undefined && job.failureClass !== undefined;
    return {
      state: 'pending',
      syncedAt,
      error: retrying ? job.lastError! : null,
      failureLabel: retrying ? FAILURE_LABELS[job.failureClass!] : null,
      objects,
    };
  }
  if (job && job.state === 'failed') {
    const failureClass = job.failureClass ?? record?.failureClass ?? 'transient';
    return {
      state: 'failed',
      syncedAt,
      error: job.lastError ?? record?.lastError ?? 'The sync failed.',
      failureLabel: stoppedFailureLabel(failureClass),
      objects,
    };
  }
  if (record?.status === 'failed') {
    return {
      state: 'failed',
      syncedAt,
      error: record.lastError ?? 'The sync failed.',
      failureLabel: stoppedFailureLabel(record.failureClass ?? 'transient'),
      objects,
    };
  }
  if (record) return { state: 'synced', syncedAt, error: null, failureLabel: null, objects };
  return { state: 'not_synced', syncedAt: null, error: null, failureLabel: null, objects: [] };
}

export function syncProblem(job: SyncJob): SyncProblem {
  const failureClass = job.failureClass ?? 'transient';
  return {
    key: job.key,
    connectionId: job.connectionId,
    event: job.event,
    code: job.code,
    failureClass,
    failureLabel: stoppedFailureLabel(failureClass),
    error: job.lastError ?? 'The sync failed.',
    attempts: job.attempts,
    failedAt: job.lastErrorAt !== undefined ? new Date(job.lastErrorAt).toISOString() : null,
  };
}

export function connectionSummary(connection: {
  id: string;
  baseUrl: string;
  organizer: string;
  createdAt: string;
  webhookUrl: string;
  syncAllEvents?: boolean;
  defaultMappingSetId?: string | null;
}): ConnectionSummary {
  return {
    id: connection.id,
    baseUrl: connection.baseUrl,
    organizer: connection.organizer,
    createdAt: connection.createdAt,
    webhookUrl: connection.webhookUrl,
    syncAllEvents: connection.syncAllEvents === true,
    defaultMappingSetId: connection.defaultMappingSetId ?? null,
  };
}
