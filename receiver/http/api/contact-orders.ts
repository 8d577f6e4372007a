// The contact card's data: the pretix orders of a contact, found two ways — live from pretix (the order list's
// `email` filter on every enabled event of the portal's connections) and from our sync records (orders in which
// the contact is an attendee, or that were synced under an email pretix no longer has). Every pretix call runs
// against one deadline; whatever does not come back in time becomes a warning, never a failed card.
import type { CardOrder, CardPosition, ContactOrdersResponse } from '../../../src/app/shared/api-types';
import type { PretixOrder } from '../../pretix/schemas';
import type { Connection, Store, SyncRecord } from '../../store/types';
import { jobKey } from '../../store/types';
import type { EventContextCache } from '../../sync/event-context-cache';
import { computeFieldValue, eventLocale, localize } from '../../sync/field-values';
import type { PretixClientLike } from '../../sync/ports';
import type { EventContext } from '../../sync/event-context';
import { createDeadline, errorMessage, settleLimited, type Deadline } from './deadline';
import { mappingLabel, objectLinks, pretixOrderUrl, STATUS_LABELS, syncState } from './presenters';

/** What the card needs from a pretix client beyond the sync's needs: the order list filtered by email. */
export interface OrderLookupClient {
  getOrder(event: string, code: string): Promise<PretixOrder | null>;
  listOrders(
    event: string,
    options: { email: string; ordering: string; pageSize: number },
  ): AsyncIterable<{ orders: PretixOrder[]; hasNext: boolean; count: number }>;
}

export interface ContactOrdersDeps {
  store: Store;
  pretixFor(connection: Connection): PretixClientLike & OrderLookupClient;
  contexts: EventContextCache;
  hubspotAppUrl: string;
  upstreamTimeoutMs: number;
}

/** The card shows the newest orders only; hubspot.fetch answers must stay under 1 MB. */
export const MAX_CARD_ORDERS = 50;
export const MAX_POSITIONS_PER_ORDER = 50;
export const MAX_ANSWER_LENGTH = 300;
/** pretix list requests per card load (events × emails); pretix Hosted allows 360 a minute per organizer. */
export const MAX_ORDER_SEARCHES = 40;
/** Orders only known from sync records, fetched one by one. */
export const MAX_RECORD_FETCHES = 25;
export const MAX_RESPONSE_BYTES = 900_000;
const PRETIX_CONCURRENCY = 6;

interface Found {
  connection: Connection;
  event: string;
  order: PretixOrder;
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export async function contactOrders(deps: ContactOrdersDeps, portalId: string, contactId: string, emails: string[]): Promise<ContactOrdersResponse> {
  const { store } = deps;
  const connections = store.listConnections(portalId);
  if (connections.length === 0) return { connected: false, orders: [], producedBy: [], warnings: [] };

  const deadline = createDeadline(deps.upstreamTimeoutMs);
  const warnings = new Set<string>();
  const found = new Map<string, Found>();
  const connectionById = new Map(connections.map((c) => [c.id, c]));
  const where = (connection: Connection, event: string) => `${event} (${connection.organizer} on ${connection.baseUrl})`;

  // 1. Live: pretix's order list filtered by email, on each enabled event.
  const searches: { connection: Connection; event: string; email: string }[] = [];
  for (const connection of connections) {
    for (const config of store.listEventConfigs(connection.id)) {
      if (!config.enabled) continue;
      for (const email of emails) searches.push({ connection, event: config.event, email });
    }
  }
  // Event data (product and question names) is needed for whatever is found; start loading it (usually cached,
  // the worker uses the same cache) alongside the searches rather than after them.
  const contextLoads = new Map<string, Promise<EventContext>>();
  const loadContext = (connection: Connection, event: string) => {
    const key = `${connection.id}:${event}`;
    let load = contextLoads.get(key);
    if (!load) {
      load = deps.contexts.get(key, deps.pretixFor(connection), connection.organizer, event);
      load.catch(() => undefined);
      contextLoads.set(key, load);
    }
    return load;
  };
  for (const { connection, event } of searches.slice(0, MAX_ORDER_SEARCHES)) loadContext(connection, event);

  if (searches.length > MAX_ORDER_SEARCHES) {
    warnings.add(`Only ${MAX_ORDER_SEARCHES} of ${searches.length} event and email combinations were searched in pretix.`);
  }
  // Phases share the deadline: searches may take half of it, recorded orders 30 %, event data what is left.
  const searchPhase = deadline.phase(0.5);
  const searchResults = await settleLimited(
    searches.slice(0, MAX_ORDER_SEARCHES).map(({ connection, event, email }) => () =>
      searchPhase.race(firstPage(deps.pretixFor(connection), event, email), `pretix (${connection.organizer}/${event})`),
    ),
    PRETIX_CONCURRENCY,
  );
  searchResults.forEach((result, index) => {
    const { connection, event } = searches[index]!;
    if (result.status === 'rejected') {
      warnings.add(`Orders of ${where(connection, event)} could not be loaded from pretix: ${errorMessage(result.reason)}`);
      return;
    }
    if (result.value.hasNext) warnings.add(`Only the ${result.value.orders.length} newest matching orders of ${where(connection, event)} are shown.`);
    for (const order of result.value.orders) found.set(jobKey(connection.id, event, order.code), { connection, event, order });
  });

  // 2. Recorded: orders our sync wrote for these emails (attendee emails included) that the search did not return.
  const records = emails.length > 0 ? store.findSyncRecordsByEmails(portalId, emails) : [];
  const recordByKey = new Map(records.map((r) => [r.key, r]));
  const missing = records
    .filter((r) => !found.has(r.key) && connectionById.has(r.connectionId))
    .sort((a, b) => b.syncedAt.localeCompare(a.syncedAt));
  if (missing.length > MAX_RECORD_FETCHES) warnings.add(`${missing.length - MAX_RECORD_FETCHES} older synced orders are not shown.`);
  const recordPhase = deadline.phase(0.3);
  const fetched = await settleLimited(
    missing.slice(0, MAX_RECORD_FETCHES).map((record) => () => {
      const connection = connectionById.get(record.connectionId)!;
      return recordPhase.race(deps.pretixFor(connection).getOrder(record.event, record.code), `pretix (${connection.organizer}/${record.event})`);
    }),
    PRETIX_CONCURRENCY,
  );
  fetched.forEach((result, index) => {
    const record = missing[index]!;
    const connection = connectionById.get(record.connectionId)!;
    if (result.status === 'rejected') {
      warnings.add(`Order ${record.code} of ${where(connection, record.event)} could not be loaded from pretix: ${errorMessage(result.reason)}`);
    } else if (result.value) {
      found.set(record.key, { connection, event: record.event, order: result.value });
    }
  });

  // 3. Newest first, capped, with the event data needed to name products and questions.
  const newest = [...found.values()].sort((a, b) => Date.parse(b.order.datetime) - Date.parse(a.order.datetime));
  if (newest.length > MAX_CARD_ORDERS) warnings.add(`Showing the ${MAX_CARD_ORDERS} newest of ${newest.length} orders.`);
  const shown = newest.slice(0, MAX_CARD_ORDERS);
  const contexts = await loadContexts(shown, loadContext, deadline, warnings, where);

  const orders = shown.map((entry) => {
    const key = jobKey(entry.connection.id, entry.event, entry.order.code);
    const mappings = store.getEventConfig(entry.connection.id, entry.event)?.mappings ?? [];
    const record = recordByKey.get(key) ?? store.getSyncRecord(key);
    return cardOrder(entry, contexts.get(`${entry.connection.id}:${entry.event}`) ?? null, record, store.getJob(key), mappings, deps.hubspotAppUrl, portalId, warnings);
  });

  const response: ContactOrdersResponse = {
    connected: true,
    orders,
    producedBy: producedBy(records, contactId, emails, (record) => store.getEventConfig(record.connectionId, record.event)?.mappings ?? []),
    warnings: [...warnings],
  };
  return fitInto(response, MAX_RESPONSE_BYTES);
}

async function firstPage(client: OrderLookupClient, event: string, email: string) {
  for await (const page of client.listOrders(event, { email, ordering: '-datetime', pageSize: 50 })) {
    return { orders: page.orders, hasNext: page.hasNext };
  }
  return { orders: [], hasNext: false };
}

async function loadContexts(
  shown: Found[],
  loadContext: (connection: Connection, event: string) => Promise<EventContext>,
  deadline: Deadline,
  warnings: Set<string>,
  where: (connection: Connection, event: string) => string,
): Promise<Map<string, EventContext>> {
  const wanted = new Map<string, { connection: Connection; event: string }>();
  for (const { connection, event } of shown) wanted.set(`${connection.id}:${event}`, { connection, event });
  const entries = [...wanted.entries()];
  // Most of these loads started with the searches; the pretix client's limiter keeps the request rate in check.
  const results = await Promise.allSettled(
    entries.map(([, { connection, event }]) => deadline.race(loadContext(connection, event), `pretix (${connection.organizer}/${event})`)),
  );
  const contexts = new Map<string, EventContext>();
  results.forEach((result, index) => {
    const [key, { connection, event }] = entries[index]!;
    if (result.status === 'fulfilled') contexts.set(key, result.value);
    else warnings.add(`Product and question names of ${where(connection, event)} could not be loaded from pretix: ${errorMessage(result.reason)}`);
  });
  return contexts;
}

function cardOrder(
  { connection, event, order }: Found,
  ctx: EventContext | null,
  record: SyncRecord | undefined,
  job: Parameters<typeof syncState>[1],
  mappings: Parameters<typeof objectLinks>[1],
  appUrl: string,
  portalId: string,
  warnings: Set<string>,
): CardOrder {
  const locale = ctx ? eventLocale(ctx) : 'en';
  const questionText = (id: number, identifier: string | null | undefined) => {
    const question = ctx?.questions.find((q) => q.id === id);
    return question ? localize(question.question, locale) : identifier || `Question ${id}`;
  };
  if (order.positions.length > MAX_POSITIONS_PER_ORDER) {
    warnings.add(`Order ${order.code} has ${order.positions.length} tickets; the first ${MAX_POSITIONS_PER_ORDER} are shown.`);
  }
  const positions = order.positions.slice(0, MAX_POSITIONS_PER_ORDER).map((position): CardPosition => {
    let product: string | null = null;
    if (ctx) {
      const value = computeFieldValue('product', { order, position }, ctx);
      product = typeof value === 'string' && value !== '' ? value : null;
    }
    return {
      id: position.id,
      positionid: position.positionid,
      product: product ?? `Product ${position.item}`,
      attendeeName: position.attendee_name || null,
      attendeeEmail: position.attendee_email || null,
      price: position.price,
      canceled: position.canceled,
      answers: position.answers.map((answer) => ({
        question: truncate(questionText(answer.question, answer.question_identifier), MAX_ANSWER_LENGTH),
        answer: truncate(answer.answer ?? '', MAX_ANSWER_LENGTH),
      })),
    };
  });
  // 'r' (refunded) is pretix's legacy spelling of a canceled order.
  const status = order.status === 'r' ? 'c' : order.status;
  return {
    connectionId: connection.id,
    event: { slug: event, name: ctx ? localize(ctx.event.name, locale) || event : event },
    code: order.code,
    status,
    statusLabel: STATUS_LABELS[order.status],
    total: order.total,
    currency: ctx?.event.currency ?? '',
    datetime: order.datetime,
    positions,
    pretixUrl: pretixOrderUrl(connection, event, order.code),
    sync: syncState(record, job, objectLinks(record, mappings, appUrl, portalId)),
  };
}

/** Labels of the mappings that wrote this contact: by its record id, or by one of its emails as upsert key. */
function producedBy(
  records: SyncRecord[],
  contactId: string,
  emails: string[],
  mappingsOf: (record: SyncRecord) => Parameters<typeof objectLinks>[1],
): string[] {
  const labels = new Set<string>();
  const emailSet = new Set(emails);
  for (const record of records) {
    for (const object of record.objects) {
      if (object.objectType !== 'contacts') continue;
      const byId = object.hubspotId === contactId;
      const byEmail = object.idProperty === 'email' && emailSet.has(object.idValue.trim().toLowerCase());
      if (!byId && !byEmail) continue;
      const mapping = mappingsOf(record).find((m) => String(m.id) === object.mappingId);
      if (mapping) labels.add(mappingLabel(mapping));
    }
  }
  return [...labels].sort();
}

/** Drops the oldest orders until the answer fits (hubspot.fetch refuses answers over 1 MB). */
export function fitInto(response: ContactOrdersResponse, maxBytes: number): ContactOrdersResponse {
  const size = (value: ContactOrdersResponse) => Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (size(response) <= maxBytes) return response;
  const total = response.orders.length;
  const orders = [...response.orders];
  const note = (shown: number) => `Showing the ${shown} newest of ${total} orders (the card's answer must stay under 1 MB).`;
  let candidate = response;
  while (orders.length > 0) {
    orders.pop();
    candidate = { ...response, orders, warnings: [...response.warnings, note(orders.length)] };
    if (size(candidate) <= maxBytes) return candidate;
  }
  return candidate;
}
