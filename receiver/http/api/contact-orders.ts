// The contact card's data: the pretix orders of a contact, found two ways — live from pretix (the organizer-wide
// order list's `email` filter: one search per connection and email, however many events the organizer has) and from
// our sync records (orders in which the contact is an attendee, or that were synced under an email pretix no longer
// has). Every pretix call runs against one deadline; whatever does not come back in time becomes a warning, never a
// failed card.
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
import { effectiveMappings } from '../../connections/effective-mappings';
import type { ObjectMapping } from '../../domain/mapping-schema';

export interface OrderSearchOptions {
  email: string;
  ordering: string;
  pageSize: number;
}

/** What the card needs from a pretix client beyond the sync's needs: the organizer's order list filtered by email. */
export interface OrderLookupClient {
  getOrder(event: string, code: string): Promise<PretixOrder | null>;
  listOrganizerOrders(options: OrderSearchOptions): AsyncIterable<{ orders: PretixOrder[]; hasNext: boolean; count: number }>;
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
/**
 * Pages read per connection and email before giving up on filling the card: only reached when the contact has
 * hundreds of orders in events that are not synced (those are skipped), so the newest synced ones are further back.
 */
export const MAX_SEARCH_PAGES = 4;
const SEARCH_PAGE_SIZE = 50;
/** Orders only known from sync records, fetched one by one. */
export const MAX_RECORD_FETCHES = 25;
export const MAX_RESPONSE_BYTES = 900_000;
const PRETIX_CONCURRENCY = 6;

interface Found {
  connection: Connection;
  event: string;
  order: PretixOrder;
}

interface SearchResult {
  orders: PretixOrder[];
  /** pretix had more matching orders than were read (cap filled, or MAX_SEARCH_PAGES reached). */
  truncated: boolean;
  pagesRead: number;
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export async function contactOrders(deps: ContactOrdersDeps, portalId: string, contactId: string, emails: string[]): Promise<ContactOrdersResponse> {
  const { store } = deps;
  const connections = await store.listConnections(portalId);
  if (connections.length === 0) return { connected: false, orders: [], producedBy: [], warnings: [] };

  const deadline = createDeadline(deps.upstreamTimeoutMs);
  const warnings = new Set<string>();
  const found = new Map<string, Found>();
  const connectionById = new Map(connections.map((c) => [c.id, c]));
  const where = (connection: Connection, event: string) => `${event} (${connection.organizer} on ${connection.baseUrl})`;
  const records = emails.length > 0 ? await store.findSyncRecordsByEmails(portalId, emails) : [];

  // 1. Live: the organizer's order list filtered by email, once per connection and email. It spans every event the
  // token can read; only events we sync (or synced this contact's orders in) belong on the card.
  const searches: { connection: Connection; email: string; shownEvents: Set<string> }[] = [];
  for (const connection of connections) {
    const shownEvents = new Set((await store.listEventConfigs(connection.id)).filter((config) => config.enabled).map((config) => config.event));
    for (const record of records) if (record.connectionId === connection.id) shownEvents.add(record.event);
    if (shownEvents.size === 0) continue;
    for (const email of emails) searches.push({ connection, email, shownEvents });
  }
  // Phases share the deadline: searches may take half of it, recorded orders 30 %, event data what is left.
  const searchPhase = deadline.phase(0.5);
  let olderInPretix = false;
  const searchResults = await settleLimited(
    searches.map(({ connection, email, shownEvents }) => () =>
      searchPhase.race(searchOrganizer(deps.pretixFor(connection), email, shownEvents), `pretix (${connection.organizer})`),
    ),
    PRETIX_CONCURRENCY,
  );
  searchResults.forEach((result, index) => {
    const { connection } = searches[index]!;
    if (result.status === 'rejected') {
      warnings.add(`Orders of ${connection.organizer} on ${connection.baseUrl} could not be loaded from pretix: ${errorMessage(result.reason)}`);
      return;
    }
    const { orders, truncated, pagesRead } = result.value;
    if (truncated && orders.length >= MAX_CARD_ORDERS) {
      olderInPretix = true;
    } else if (truncated) {
      warnings.add(
        `Only the ${pagesRead * SEARCH_PAGE_SIZE} newest orders of ${connection.organizer} on ${connection.baseUrl} for this contact were searched.`,
      );
    }
    for (const order of orders) found.set(jobKey(connection.id, order.event, order.code), { connection, event: order.event, order });
  });

  // 2. Recorded: orders our sync wrote for these emails (attendee emails included) that the search did not return.
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
  if (olderInPretix) warnings.add(`Showing the ${MAX_CARD_ORDERS} newest orders; pretix has older ones for this contact.`);
  else if (newest.length > MAX_CARD_ORDERS) warnings.add(`Showing the ${MAX_CARD_ORDERS} newest of ${newest.length} orders.`);
  const shown = newest.slice(0, MAX_CARD_ORDERS);
  // Event data (product and question names) only for the events on the card, from the cache the worker shares.
  const loadContext = (connection: Connection, event: string) =>
    deps.contexts.get(`${connection.id}:${event}`, deps.pretixFor(connection), connection.organizer, event);
  const contexts = await loadContexts(shown, loadContext, deadline, warnings, where);

  // Each event's mappings once, read before the synchronous assembly below needs them.
  const mappingsByEvent = new Map<string, ObjectMapping[]>();
  const mappingsOf = async (connectionId: string, event: string) => {
    const key = `${connectionId}:${event}`;
    if (!mappingsByEvent.has(key)) mappingsByEvent.set(key, await effectiveMappings(store, await store.getEventConfig(connectionId, event)));
    return mappingsByEvent.get(key)!;
  };
  const orders = [];
  for (const entry of shown) {
    const key = jobKey(entry.connection.id, entry.event, entry.order.code);
    const mappings = await mappingsOf(entry.connection.id, entry.event);
    const record = recordByKey.get(key) ?? (await store.getSyncRecord(key));
    orders.push(cardOrder(entry, contexts.get(`${entry.connection.id}:${entry.event}`) ?? null, record, await store.getJob(key), mappings, deps.hubspotAppUrl, portalId, warnings));
  }
  for (const record of records) await mappingsOf(record.connectionId, record.event);

  const response: ContactOrdersResponse = {
    connected: true,
    orders,
    producedBy: producedBy(records, contactId, emails, (record) => mappingsByEvent.get(`${record.connectionId}:${record.event}`) ?? []),
    warnings: [...warnings],
  };
  return fitInto(response, MAX_RESPONSE_BYTES);
}

/**
 * Newest first, skipping orders of events the card does not show, until the card's cap is filled: more orders than
 * that from one search could never be shown.
 */
async function searchOrganizer(client: OrderLookupClient, email: string, shownEvents: Set<string>): Promise<SearchResult> {
  const orders: PretixOrder[] = [];
  let pagesRead = 0;
  for await (const page of client.listOrganizerOrders({ email, ordering: '-datetime', pageSize: SEARCH_PAGE_SIZE })) {
    pagesRead += 1;
    for (const [index, order] of page.orders.entries()) {
      if (shownEvents.has(order.event)) orders.push(order);
      if (orders.length >= MAX_CARD_ORDERS) return { orders, truncated: page.hasNext || index < page.orders.length - 1, pagesRead };
    }
    if (!page.hasNext) return { orders, truncated: false, pagesRead };
    if (pagesRead >= MAX_SEARCH_PAGES) return { orders, truncated: true, pagesRead };
  }
  return { orders, truncated: false, pagesRead };
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
  // Usually cached; the pretix client's limiter keeps the request rate of the others in check.
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
