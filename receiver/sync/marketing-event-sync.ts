// The marketing-event part of a batch sync: after the batch's contacts and deals, the batch's orders are turned
// into participations (participation.ts), the marketing events of their dates are created if new (one batch upsert;
// their objectIds are kept in the event's config), and the attendance changes go out as one email-create call per
// date and state — so 100 check-ins of one date cost one HubSpot request, not 100.
//
// Without the marketing-event scopes the step does nothing and the event's config says why; contacts and deals are
// not held back by it. Temporary failures fail the batch's jobs, which retry like any other (upserts are idempotent).
import type { PretixOrder, PretixSubEvent } from '../pretix/schemas';
import type { Connection, EventConfig, Participation, Store, StoredMarketingEvent, SyncRecord } from '../store/types';
import { SyncConfigError } from '../domain/errors';
import { HubSpotApiError } from '../hubspot/errors';
import { MARKETING_EVENT_SCOPES, type AttendanceCall, type MarketingEventInput } from '../hubspot/marketing-events-client';
import { eventLocale, localize } from './field-values';
import type { EventContext } from './event-context';
import { planParticipation, type AttendanceChange } from './participation';
import type { MarketingEventsLike, PretixClientLike } from './ports';

export type MarketingStore = Pick<Store, 'getEventConfig' | 'saveEventConfig' | 'getInstallation'>;

export interface MarketingStepInput {
  store: MarketingStore;
  connection: Connection;
  event: string;
  context: EventContext;
  pretix: PretixClientLike;
  client: MarketingEventsLike;
  now: () => number;
}

/** One order of the batch that synced: its new record, and what the previous one held. */
export interface MarketingBatchEntry {
  order: PretixOrder;
  record: SyncRecord;
  previous: SyncRecord | undefined;
}

export type Availability = { available: true } | { available: false; reason: string };

/** Whether the portal granted the marketing-event scopes (a static token's are unknown: tried, and a 403 says so). */
export async function marketingEventAvailability(store: Pick<Store, 'getInstallation'>, portalId: string): Promise<Availability> {
  const installation = await store.getInstallation(portalId);
  if (!installation || installation.status !== 'active') return { available: true };
  const missing = MARKETING_EVENT_SCOPES.filter((scope) => !installation.scopes.includes(scope));
  if (missing.length === 0) return { available: true };
  return {
    available: false,
    reason: `The HubSpot app was installed without the optional scopes ${missing.join(', ')}: reinstall it from the status page and grant them to get marketing events. Contacts and deals sync without them.`,
  };
}

const isMissingScopes = (error: unknown): boolean => {
  const cause = error instanceof SyncConfigError ? error.cause : error;
  return cause instanceof HubSpotApiError && (cause.status === 403 || cause.category === 'MISSING_SCOPES');
};

/** The step for syncOrderBatch's `marketing`, or undefined when the event has no marketing event. */
export async function marketingStepFor(
  base: Omit<MarketingStepInput, 'client'>,
  config: EventConfig,
  marketingFor: ((portalId: string) => Promise<MarketingEventsLike>) | undefined,
): Promise<((entries: MarketingBatchEntry[]) => Promise<void>) | undefined> {
  if (!config.marketingEvent?.enabled || !marketingFor) return undefined;
  const client = await marketingFor(base.connection.portalId);
  return (entries) => syncMarketingEvents({ ...base, client }, entries);
}

/** Runs the step for a batch's synced orders: fills each record's `participation`. Throws on temporary failures. */
export async function syncMarketingEvents(input: MarketingStepInput, entries: MarketingBatchEntry[]): Promise<void> {
  const { store, connection, event } = input;
  const config = await store.getEventConfig(connection.id, event);
  const keepPrevious = () => entries.forEach((e) => keepParticipation(e));
  if (!config?.marketingEvent?.enabled || entries.length === 0) return keepPrevious();
  const availability = await marketingEventAvailability(store, connection.portalId);
  if (!availability.available) {
    keepPrevious();
    await saveProblem(input, availability.reason);
    return;
  }
  const plans = entries.map((entry) => ({ entry, plan: planParticipation(entry.order, connection.organizer, config.marketingEvent!, entry.previous?.participation) }));
  try {
    const dates = new Map(plans.flatMap(({ plan }) => plan.dates).map((d) => [d.externalEventId, d.subeventId]));
    for (const { plan } of plans) for (const change of plan.changes) dates.set(change.externalEventId, change.subeventId);
    await ensureMarketingEvents(input, config, dates);
    await sendChanges(input, plans.flatMap(({ plan }) => plan.changes));
  } catch (error) {
    if (!isMissingScopes(error)) throw error;
    keepPrevious();
    await saveProblem(input, `HubSpot refused the marketing-event calls for missing scopes (${error instanceof Error ? error.message : String(error)}). Contacts and deals sync without them.`);
    return;
  }
  for (const { entry, plan } of plans) entry.record.participation = plan.next;
  if ((await store.getEventConfig(connection.id, event))?.marketingEventProblem) await saveProblem(input, null);
}

function keepParticipation(entry: MarketingBatchEntry): void {
  const previous: Participation[] | undefined = entry.previous?.participation;
  if (previous) entry.record.participation = previous;
}

async function saveProblem(input: MarketingStepInput, problem: string | null): Promise<void> {
  const current = await input.store.getEventConfig(input.connection.id, input.event);
  if (!current || (current.marketingEventProblem ?? null) === problem) return;
  await input.store.saveEventConfig({ ...current, marketingEventProblem: problem, updatedAt: new Date(input.now()).toISOString() });
}

/** The marketing event for the whole event (subeventId null) or one of its dates, from pretix's data. */
export async function describeMarketingEvent(
  input: Pick<MarketingStepInput, 'connection' | 'event' | 'context' | 'pretix'>,
  externalEventId: string,
  subeventId: number | null,
  organizerName: string,
): Promise<{ body: MarketingEventInput; gone: boolean }> {
  const { context, connection } = input;
  const locale = eventLocale(context);
  const eventName = localize(context.event.name, locale);
  const base = { externalAccountId: connection.id, externalEventId, eventOrganizer: organizerName, eventType: 'pretix' };
  if (subeventId === null) {
    return {
      body: { ...base, eventName, ...dates(context.event.date_from, context.event.date_to), ...(context.event.public_url ? { eventUrl: context.event.public_url } : {}) },
      gone: false,
    };
  }
  const subevent: PretixSubEvent | null = (await input.pretix.getSubEvent?.(input.event, subeventId)) ?? null;
  const name = subevent ? localize(subevent.name, locale) || eventName : eventName;
  const day = subevent?.date_from?.slice(0, 10);
  return {
    // The date in the name keeps the dates of a series apart in HubSpot's lists (and in a batch upsert's answer).
    body: {
      ...base,
      eventName: day ? `${name} (${day})` : `${name} (#${subeventId})`,
      ...dates(subevent?.date_from ?? null, subevent?.date_to),
      ...(context.event.public_url ? { eventUrl: `${context.event.public_url.replace(/\/?$/, '/')}${subeventId}/` } : {}),
    },
    gone: !subevent || subevent.active === false,
  };
}

function dates(from: string | null, to: string | null | undefined): { startDateTime?: string; endDateTime?: string } {
  if (!from) return {};
  return { startDateTime: new Date(from).toISOString(), endDateTime: new Date(to ?? from).toISOString() };
}

async function organizerNameOf(input: Pick<MarketingStepInput, 'pretix' | 'connection'>): Promise<string> {
  try {
    return (await input.pretix.getOrganizerName?.()) ?? input.connection.organizer;
  } catch {
    // The name is cosmetic: the slug does as well.
    return input.connection.organizer;
  }
}

/** Creates the marketing events these dates need and keeps their objectIds in the event's config. */
export async function ensureMarketingEvents(input: MarketingStepInput, config: EventConfig, needed: Map<string, number | null>): Promise<void> {
  const known = config.marketingEvents ?? {};
  const missing = [...needed].filter(([externalEventId]) => !known[externalEventId]);
  if (missing.length === 0) return;
  const organizerName = await organizerNameOf(input);
  const described = await Promise.all(missing.map(async ([externalEventId, subeventId]) => ({ subeventId, ...(await describeMarketingEvent(input, externalEventId, subeventId, organizerName)) })));
  const objectIds = await input.client.upsert(described.map((d) => d.body));
  const syncedAt = new Date(input.now()).toISOString();
  const created: Record<string, StoredMarketingEvent> = {};
  for (const d of described) {
    const objectId = objectIds.get(d.body.externalEventId);
    if (!objectId) continue;
    created[d.body.externalEventId] = {
      externalEventId: d.body.externalEventId,
      subeventId: d.subeventId,
      objectId,
      name: d.body.eventName,
      ...(d.body.startDateTime ? { startDateTime: d.body.startDateTime } : {}),
      ...(d.body.endDateTime ? { endDateTime: d.body.endDateTime } : {}),
      ...(d.body.eventUrl ? { url: d.body.eventUrl } : {}),
      state: 'active',
      syncedAt,
    };
  }
  // Read again right before the save: the settings page may have changed the config while HubSpot answered.
  const fresh = await input.store.getEventConfig(input.connection.id, input.event);
  if (!fresh) return;
  await input.store.saveEventConfig({ ...fresh, marketingEvents: { ...fresh.marketingEvents, ...created }, marketingEventProblem: null, updatedAt: syncedAt });
}

/** One email-create call per marketing event and state (100 people each). */
async function sendChanges(input: MarketingStepInput, changes: AttendanceChange[]): Promise<void> {
  const groups = new Map<string, { externalEventId: string; call: AttendanceCall; inputs: Map<string, number> }>();
  for (const change of changes) {
    const key = `${change.externalEventId}\u0000${change.call}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { externalEventId: change.externalEventId, call: change.call, inputs: new Map() }));
    // The same person twice in one batch (two orders): one input, the earliest time.
    const at = group.inputs.get(change.email);
    group.inputs.set(change.email, at === undefined ? change.at : Math.min(at, change.at));
  }
  // Registrations before attendance before cancellations, as they happened.
  const order: AttendanceCall[] = ['register', 'attend', 'cancel'];
  const sorted = [...groups.values()].sort((a, b) => order.indexOf(a.call) - order.indexOf(b.call));
  for (const group of sorted) {
    await input.client.recordAttendance(
      input.connection.id,
      group.externalEventId,
      group.call,
      [...group.inputs].map(([email, interactionDateTime]) => ({ email, interactionDateTime })),
    );
  }
}
