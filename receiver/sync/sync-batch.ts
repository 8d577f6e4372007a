// Syncs a batch of orders of one event into one portal: mappings run in order, each as one batch read (only when
// a mode needs current values) and one batch upsert for all orders together, then the associations with
// objects of earlier mappings. Failures are attributed to the orders that caused them; the rest go through.
// An object whose planned write is the one that last reached HubSpot is left out (unchanged-objects.ts), unless
// the batch is told to write everything.
import type { PretixOrder } from '../pretix/schemas';
import { jobKey, type Store, type SyncRecord, type SyncedObject } from '../store/types';
import { assignProperties, readPropertiesNeeded } from './assign-properties';
import { classify, type FailureClass } from '../domain/errors';
import { normalizeEmail } from './field-values';
import type { ObjectMapping } from '../domain/mapping-schema';
import { planOrderSync, type PlannedObject } from './mapping-engine';
import type { CrmClientLike, UpsertInput } from './ports';
import type { EventContext } from './event-context';
import type { MarketingBatchEntry } from './marketing-event-sync';
import { plannedFingerprint } from './unchanged-objects';

export interface OrderFailure {
  failureClass: FailureClass;
  message: string;
  retryAfterMs?: number;
  /** A bug of ours (../domain/errors classify()): logged with its stack by whoever records the failure. */
  internalError?: Error;
}

export type OrderOutcome = { code: string; record: SyncRecord; failure?: undefined } | { code: string; record?: undefined; failure: OrderFailure };

export interface SyncBatchInput {
  orders: PretixOrder[];
  mappings: ObjectMapping[];
  context: EventContext;
  crm: CrmClientLike;
  portalId: string;
  connectionId: string;
  recordKey: (code: string) => string;
  previousRecord: (code: string) => Promise<SyncRecord | undefined>;
  now: () => Date;
  /** Orders whose objects are all written, changed or not (a person asked, a backfill: unchanged-objects.ts). By
   * default none: an object planned exactly as its last successful write is not sent again. */
  force?: (code: string) => boolean;
  /** After the mappings: the marketing-event participations of the orders that synced (marketing-event-sync.ts). */
  marketing?: (entries: MarketingBatchEntry[]) => Promise<void>;
}

interface OrderState {
  order: PretixOrder;
  objects: PlannedObject[];
  skipped: SyncRecord['skipped'];
  synced: SyncedObject[];
  associations: Set<string>;
  /** Each planned object's fingerprint, kept in its SyncedObject. */
  fingerprints: Map<PlannedObject, string>;
  /** The objects whose fingerprint equals their last successful write's: that write, to keep instead of a new one. */
  unchanged: Map<PlannedObject, SyncedObject>;
  failure?: OrderFailure;
}

/** How a batch finds the key and the previous record of an order's sync record. */
export function recordAccess(store: Pick<Store, 'getSyncRecord'>, connectionId: string, event: string) {
  return {
    recordKey: (code: string) => jobKey(connectionId, event, code),
    previousRecord: (code: string) => store.getSyncRecord(jobKey(connectionId, event, code)),
  };
}

/**
 * HubSpot requests one batch costs with these mappings, whatever its size (up to the batch size): per mapping a batch
 * read when a mode needs the current values (if_new, if_empty, append), the upsert, and one call per association.
 * The worker's flush policy weighs this against the portal's budget.
 */
export function hubspotRequestsPerBatch(mappings: readonly ObjectMapping[]): number {
  let requests = 0;
  for (const mapping of mappings) {
    if (mapping.property_mappings.some((p) => p.overwrite !== 'overwrite')) requests += 1;
    requests += 1 + mapping.association_mappings.length;
  }
  return requests;
}

const objectRefKey = (mappingId: string, positionId: number | null) => `${mappingId}#${positionId ?? 'order'}`;

/** Fingerprints the order's planned objects and finds those planned exactly as their last successful write. */
function noteUnchanged(state: OrderState, mappings: ObjectMapping[], previous: SyncRecord | undefined, force: boolean): void {
  const byId = new Map(mappings.map((m) => [String(m.id), m]));
  // A failed record keeps the objects of the last sync that succeeded: those writes did reach HubSpot.
  const written = new Map((previous?.objects ?? []).map((o) => [objectRefKey(o.mappingId, o.positionId), o]));
  for (const object of state.objects) {
    const fingerprint = plannedFingerprint(byId.get(object.mappingId)!, object);
    state.fingerprints.set(object, fingerprint);
    if (force) continue;
    const last = written.get(objectRefKey(object.mappingId, object.positionId));
    if (last?.fingerprint === fingerprint && last.idValue === object.idValue && last.hubspotId) state.unchanged.set(object, last);
  }
}

export async function syncOrderBatch(input: SyncBatchInput): Promise<OrderOutcome[]> {
  const states: OrderState[] = [];
  for (const order of input.orders) {
    const previous = await input.previousRecord(order.code);
    const state: OrderState = {
      order,
      objects: [],
      skipped: [],
      synced: [],
      associations: new Set(previous?.associations ?? []),
      fingerprints: new Map(),
      unchanged: new Map(),
    };
    try {
      // ';' joins multiple-choice answers the way HubSpot's multiple-checkbox properties expect them.
      const plan = planOrderSync(order, input.mappings, input.context, { listJoiner: ';' });
      state.objects = plan.objects;
      state.skipped = plan.skipped;
      noteUnchanged(state, input.mappings, previous, input.force?.(order.code) ?? false);
    } catch (error) {
      state.failure = classify(error);
    }
    states.push(state);
  }
  // Older orders first, so that where two orders write the same object the newer one wins.
  const alive = () => states.filter((s) => !s.failure).sort((a, b) => a.order.datetime.localeCompare(b.order.datetime));

  for (const mapping of input.mappings) {
    const mappingId = String(mapping.id);
    await writeMapping(mapping, mappingId, alive(), input.crm);
    await associateMapping(mapping, mappingId, alive(), input.crm);
  }

  const outcomes = states.map((state): OrderOutcome => {
    if (state.failure) return { code: state.order.code, failure: state.failure };
    return { code: state.order.code, record: toRecord(state, input) };
  });
  if (!input.marketing) return outcomes;
  const orders = new Map(input.orders.map((order) => [order.code, order]));
  const entries: MarketingBatchEntry[] = [];
  for (const o of outcomes) if (o.record) entries.push({ order: orders.get(o.code)!, record: o.record, previous: await input.previousRecord(o.code) });
  try {
    await input.marketing(entries);
  } catch (error) {
    // Contacts and deals went through; the jobs retry the whole order, whose upserts change nothing the second time.
    const failure = classify(error);
    return outcomes.map((o) => (o.record ? { code: o.code, failure: { ...failure, message: `Marketing event: ${failure.message}` } } : o));
  }
  return outcomes;
}

async function writeMapping(mapping: ObjectMapping, mappingId: string, states: OrderState[], crm: CrmClientLike): Promise<void> {
  // Objects of this mapping across all orders, grouped by identifier: HubSpot refuses the same id twice in a batch.
  const byId = new Map<string, { objects: PlannedObject[]; owners: Set<OrderState> }>();
  for (const state of states) {
    for (const object of state.objects) {
      if (object.mappingId !== mappingId) continue;
      let group = byId.get(object.idValue);
      if (!group) byId.set(object.idValue, (group = { objects: [], owners: new Set() }));
      group.objects.push(object);
      group.owners.add(state);
    }
  }
  // A group goes out whole when any of its objects changed: within a batch the newer order's values win, as before.
  for (const [idValue, group] of byId) {
    if (!group.objects.every((object) => [...group.owners].some((owner) => owner.unchanged.has(object)))) continue;
    for (const owner of group.owners) {
      for (const object of group.objects) {
        const last = owner.unchanged.get(object);
        if (last) owner.synced.push(last);
      }
    }
    byId.delete(idValue);
  }
  if (byId.size === 0) return;
  const allOwners = new Set([...byId.values()].flatMap((g) => [...g.owners]));
  const fail = (owners: Iterable<OrderState>, failure: OrderFailure) => {
    for (const owner of owners) owner.failure ??= failure;
  };

  try {
    const needed = readPropertiesNeeded([...byId.values()].flatMap((g) => g.objects));
    const existing = needed.length > 0
      ? (await crm.batchRead(mapping.external_object_type, mapping.external_id_field, [...byId.keys()], needed)).found
      : null;

    const inputs: UpsertInput[] = [];
    for (const [idValue, group] of byId) {
      const current = existing?.get(idValue);
      let known: Record<string, string | null> = { ...(current?.properties ?? {}) };
      let isNew = existing ? !current : false;
      const properties: Record<string, string> = {};
      for (const object of group.objects) {
        const update = assignProperties(object.properties, known, isNew, ';');
        Object.assign(properties, update);
        known = { ...known, ...update };
        // Only the first order in the batch creates the object; later ones find it existing.
        isNew = false;
      }
      properties[mapping.external_id_field] = idValue;
      inputs.push({ idProperty: mapping.external_id_field, id: idValue, properties });
    }

    const outcome = await crm.batchUpsert(mapping.external_object_type, inputs);
    for (const error of outcome.errors) {
      for (const inputId of error.inputIds) {
        const group = byId.get(inputId);
        if (group) fail(group.owners, { failureClass: error.failureClass, message: `${mapping.external_object_type} ${inputId}: ${error.message}` });
      }
    }
    for (const result of outcome.results) {
      const group = byId.get(result.inputId);
      if (!group) continue;
      for (const object of group.objects) {
        for (const owner of group.owners) {
          if (!owner.objects.includes(object)) continue;
          owner.synced.push({
            mappingId,
            positionId: object.positionId,
            objectType: object.objectType,
            idProperty: object.idProperty,
            idValue: object.idValue,
            hubspotId: result.id,
            created: result.new,
            fingerprint: owner.fingerprints.get(object),
          });
        }
      }
    }
    // An input HubSpot neither answered nor reported must not count as synced.
    for (const [idValue, group] of byId) {
      const answered = outcome.results.some((r) => r.inputId === idValue) || outcome.errors.some((e) => e.inputIds.includes(idValue));
      if (!answered) fail(group.owners, { failureClass: 'transient', message: `HubSpot returned no result for ${mapping.external_object_type} ${idValue}` });
    }
  } catch (error) {
    fail(allOwners, classify(error));
  }
}

async function associateMapping(mapping: ObjectMapping, mappingId: string, states: OrderState[], crm: CrmClientLike): Promise<void> {
  for (const association of mapping.association_mappings) {
    const viaId = String(association.via_mapping_id);
    const pairs: { fromId: string; toId: string; owner: OrderState; key: string }[] = [];
    let toType: ObjectMapping['external_object_type'] | undefined;
    for (const state of states) {
      const from = state.synced.filter((o) => o.mappingId === mappingId);
      const to = state.synced.filter((o) => o.mappingId === viaId);
      for (const f of from) {
        for (const t of to) {
          // Position-level objects associate only with the same position's objects or with order-level ones.
          if (f.positionId !== null && t.positionId !== null && f.positionId !== t.positionId) continue;
          toType = t.objectType;
          const key = `${f.objectType}:${f.hubspotId}>${t.objectType}:${t.hubspotId}`;
          if (!state.associations.has(key)) pairs.push({ fromId: f.hubspotId, toId: t.hubspotId, owner: state, key });
        }
      }
    }
    if (pairs.length === 0 || !toType) continue;
    const unique = [...new Map(pairs.map((p) => [`${p.fromId}>${p.toId}`, { fromId: p.fromId, toId: p.toId }])).values()];
    try {
      await crm.associateDefault(mapping.external_object_type, toType, unique);
      for (const pair of pairs) pair.owner.associations.add(pair.key);
    } catch (error) {
      const failure = classify(error);
      for (const pair of pairs) pair.owner.failure ??= failure;
    }
  }
}

function toRecord(state: OrderState, input: SyncBatchInput): SyncRecord {
  const { order } = state;
  // Normalised like the identifiers HubSpot stores (IDNA domain, lower case), so the card finds them by the contact's email.
  const emails = new Set<string>();
  for (const email of [order.email, ...order.positions.map((p) => p.attendee_email)]) {
    const normalized = normalizeEmail(email);
    if (normalized) emails.add(normalized.toLowerCase());
  }
  // One entry per planned object, even when several positions share one HubSpot object.
  const seen = new Set<string>();
  const objects = state.synced.filter((o) => {
    const key = objectRefKey(o.mappingId, o.positionId);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    key: input.recordKey(order.code),
    portalId: input.portalId,
    connectionId: input.connectionId,
    event: order.event,
    code: order.code,
    emails: [...emails],
    status: 'synced',
    orderLastModified: order.last_modified,
    syncedAt: input.now().toISOString(),
    objects,
    associations: [...state.associations],
    skipped: state.skipped,
  };
}
