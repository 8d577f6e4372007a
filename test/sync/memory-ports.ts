// In-memory pretix and HubSpot behind the sync engine's ports (receiver/sync/ports.ts), for unit tests of the
// fetcher, the batch sync and the worker: every call is logged, nothing leaves the process.
import type { PretixOrder } from '../../receiver/pretix/schemas';
import type { CrmClientLike, CrmObjectRef, OrdersPage, PretixClientLike, UpsertInput } from '../../receiver/sync/ports';
import { fixtureContext, paidOrder } from './event-context';

export const T0 = Date.parse('2026-03-01T10:00:00Z');
export const code = (i: number) => `C${String(i).padStart(4, '0')}`;

export class MemoryPretix implements PretixClientLike {
  readonly orders: PretixOrder[] = [];
  readonly calls: string[] = [];

  /** `count` orders, the fixture's paid order with codes C0000…, modified `spacingMs` apart from `start`. */
  constructor(count = 0, start = T0, spacingMs = 10) {
    for (let i = 0; i < count; i += 1) this.add(code(i), start + i * spacingMs);
  }

  add(orderCode: string, modifiedAt: number, email = `buyer.${orderCode.toLowerCase()}@example.org`): PretixOrder {
    const order = { ...paidOrder(), code: orderCode, email, last_modified: new Date(modifiedAt).toISOString() };
    this.orders.push(order);
    return order;
  }

  // The fixture event's context (see event-context.ts).
  getEvent = async () => fixtureContext().event;
  getEventSettings = async () => fixtureContext().settings;
  listItems = async () => fixtureContext().items;
  listQuestions = async () => fixtureContext().questions;
  listCheckinLists = async () => fixtureContext().checkinLists;

  async getOrder(_event: string, wanted: string) {
    this.calls.push(`get ${wanted}`);
    return this.orders.find((o) => o.code === wanted) ?? null;
  }

  async *listOrders(_event: string, options: { modifiedSince?: string; ordering?: string; startPage?: number } = {}): AsyncIterable<OrdersPage> {
    const since = options.modifiedSince ? Date.parse(options.modifiedSince) : -Infinity;
    const descending = options.ordering?.startsWith('-') ?? false;
    const matching = this.orders
      .filter((o) => Date.parse(o.last_modified) >= since)
      .sort((a, b) => (Date.parse(a.last_modified) - Date.parse(b.last_modified)) * (descending ? -1 : 1));
    for (let page = options.startPage ?? 1; (page - 1) * 50 < matching.length; page += 1) {
      this.calls.push(`list ${options.ordering} page ${page}`);
      const orders = matching.slice((page - 1) * 50, page * 50);
      yield { orders, page, pageGenerated: null, hasNext: page * 50 < matching.length, count: matching.length };
    }
  }
}

export class MemoryCrm implements CrmClientLike {
  readonly calls: string[] = [];
  /** Inputs per upsert call, in order. */
  readonly upsertSizes: number[] = [];
  readonly objects = new Map<string, { id: string; properties: Record<string, string> }>();
  private nextId = 1;
  failUpsertFor = new Set<string>();

  async batchRead(objectType: string, _idProperty: string, ids: string[]) {
    this.calls.push(`read ${objectType}`);
    const found = new Map<string, CrmObjectRef>();
    for (const id of ids) {
      const object = this.objects.get(`${objectType}:${id}`);
      if (object) found.set(id, { id: object.id, properties: object.properties } as CrmObjectRef);
    }
    return { found, missing: ids.filter((id) => !found.has(id)) };
  }

  async batchUpsert(objectType: string, inputs: UpsertInput[]) {
    this.calls.push(`upsert ${objectType}`);
    this.upsertSizes.push(inputs.length);
    const results: { inputId: string; id: string; new: boolean }[] = [];
    const errors: { inputIds: string[]; message: string; failureClass: 'permanent' }[] = [];
    for (const input of inputs) {
      if (this.failUpsertFor.has(input.id)) {
        errors.push({ inputIds: [input.id], message: 'Property values were not valid', failureClass: 'permanent' });
        continue;
      }
      const key = `${objectType}:${input.id}`;
      const existing = this.objects.get(key);
      const object = existing ?? { id: String(this.nextId++), properties: {} };
      Object.assign(object.properties, input.properties);
      this.objects.set(key, object);
      results.push({ inputId: input.id, id: object.id, new: !existing });
    }
    return { results, errors };
  }

  async associateDefault(fromType: string, toType: string) {
    this.calls.push(`associate ${fromType}>${toType}`);
  }
}
