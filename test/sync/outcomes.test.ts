// recordOutcomes: a batch's records in one read and one write, whatever its size; a failed order keeps what its
// stored record held, and a run over some mappings keeps the others' objects.
import { describe, expect, it } from 'vitest';
import type { Store, SyncRecord } from '../../receiver/store/types';
import { recordOutcomes } from '../../receiver/sync/outcomes';
import type { OrderOutcome } from '../../receiver/sync/sync-batch';

const key = (code: string) => `c1:democon:${code}`;
const record = (code: string, objects: SyncRecord['objects']): SyncRecord => ({
  key: key(code),
  portalId: '42',
  connectionId: 'c1',
  event: 'democon',
  code,
  emails: [],
  status: 'synced',
  syncedAt: '2026-03-01T09:00:00.000Z',
  objects,
  associations: [],
  skipped: [],
});
const object = (mappingId: string, hubspotId: string) => ({ mappingId, positionId: null, objectType: 'contacts' as const, idProperty: 'email', idValue: `${hubspotId}@example.org`, hubspotId, created: true });

function countingStore(stored: SyncRecord[]) {
  const calls: string[] = [];
  const records = new Map(stored.map((r) => [r.key, r]));
  const failed: Parameters<Store['enqueueFailed']>[0][] = [];
  const store: Pick<Store, 'getSyncRecords' | 'putSyncRecords' | 'enqueueFailed'> = {
    async getSyncRecords(keys) {
      calls.push('read');
      return new Map(keys.flatMap((k) => (records.has(k) ? [[k, records.get(k)!] as const] : [])));
    },
    async putSyncRecords(list) {
      calls.push('write');
      list.forEach((r) => records.set(r.key, r));
    },
    async enqueueFailed(list) {
      if (list.length > 0) calls.push('enqueue failed');
      failed.push(list);
    },
  };
  return { store, calls, records, failed };
}

describe('recordOutcomes', () => {
  it('reads and writes a batch of 100 in one call each; failed orders keep their stored objects, partial runs the other mappings', async () => {
    const codes = Array.from({ length: 100 }, (_, i) => `O${String(i).padStart(3, '0')}`);
    const { store, calls, records, failed } = countingStore([record(codes[0]!, [object('1', 'old-contact'), object('2', 'old-deal')]), record(codes[1]!, [object('1', 'kept')])]);
    const outcomes: OrderOutcome[] = codes.map((code, i) =>
      i === 1 ? { code, failure: { failureClass: 'transient', message: 'HubSpot said 502' } } : { code, record: record(code, [object('1', `new-${code}`)]) },
    );
    const counts = await recordOutcomes({
      store,
      portalId: '42',
      connectionId: 'c1',
      event: 'democon',
      outcomes,
      onlyMappings: new Set(['1']),
      now: new Date('2026-03-01T10:00:00Z'),
      trigger: 'backfill',
      retryAt: () => 123,
    });
    expect(counts).toEqual({ synced: 99, skipped: 0, failed: 1 });
    expect(calls).toEqual(['read', 'write', 'enqueue failed']);
    expect(records.get(key(codes[0]!))!.objects.map((o) => o.hubspotId)).toEqual(['old-deal', `new-${codes[0]}`]);
    expect(records.get(key(codes[1]!))).toMatchObject({ status: 'failed', lastError: 'HubSpot said 502', objects: [object('1', 'kept')] });
    expect(failed.flat().map((f) => [f.trigger.code, f.failure.nextAttemptAt])).toEqual([[codes[1], 123]]);
  });
});
