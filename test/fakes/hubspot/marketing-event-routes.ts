// Marketing Events API 2026-03 of the fake (reference/hubspot.md §7): the calls the receiver makes, with HubSpot's
// rules as its published spec states them: required fields, events addressed by (externalAccountId,
// externalEventId) and reachable only by the app that created them, unknown ids → 404, attendance by email that
// creates a missing contact, and one participation per contact and event whose state the last call sets.
import type { FastifyRequest } from 'fastify';
import type { AccessToken } from './auth';
import type { FakeCore } from './core';
import { FakeHttpError, batchInputs, errorBody, isRecord, notFound, validationError } from './http';
import type { Portal } from './portal';

const BASE = '/marketing/marketing-events/2026-03';
const READ = () => 'crm.objects.marketing_events.read';
const WRITE = () => 'crm.objects.marketing_events.write';

export type AttendanceState = 'REGISTERED' | 'ATTENDED' | 'CANCELLED';
const STATES: Record<string, AttendanceState> = { register: 'REGISTERED', attend: 'ATTENDED', cancel: 'CANCELLED' };

export interface FakeMarketingEvent {
  objectId: string;
  externalAccountId: string;
  externalEventId: string;
  /** The app whose token created it: external-id calls of other apps do not find it. */
  appKey: string;
  eventName: string;
  eventOrganizer: string;
  eventType?: string;
  eventUrl?: string;
  eventDescription?: string;
  startDateTime?: string;
  endDateTime?: string;
  eventCancelled: boolean;
  eventCompleted: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface FakeParticipation {
  contactId: string;
  email: string;
  objectId: string;
  state: AttendanceState;
  /** interactionDateTime of the call that set the state (ms). */
  occurredAt: number;
  /** Every state change, oldest first: a repeated call with the same state and time adds nothing. */
  history: { state: AttendanceState; occurredAt: number }[];
}

interface PortalEvents {
  events: Map<string, FakeMarketingEvent>;
  /** `${objectId}:${contactId}` → participation. */
  participations: Map<string, FakeParticipation>;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The marketing events of every portal, for the routes and for tests' assertions. */
export class MarketingEventRegistry {
  private readonly portals = new Map<string, PortalEvents>();
  private nextObjectId = 60_000_000_001;

  of(portalId: string): PortalEvents {
    let entry = this.portals.get(portalId);
    if (!entry) this.portals.set(portalId, (entry = { events: new Map(), participations: new Map() }));
    return entry;
  }

  newObjectId(): string {
    return String(this.nextObjectId++);
  }
}

const appKeyOf = (token: AccessToken) => (token.appId === undefined ? `static:${token.token}` : `app:${token.appId}`);

function findByExternal(events: PortalEvents, token: AccessToken, externalAccountId: string | undefined, externalEventId: string): FakeMarketingEvent {
  const event = [...events.events.values()].find(
    (e) => e.externalEventId === externalEventId && (externalAccountId === undefined || e.externalAccountId === externalAccountId) && e.appKey === appKeyOf(token),
  );
  if (!event) throw notFound(`Marketing event with externalEventId ${externalEventId} not found`, { subCategory: 'MarketingEventErrors.EVENT_NOT_FOUND' });
  return event;
}

function requiredQuery(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value === '') throw validationError(`Query parameter ${name} is required`);
  return value;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validationError(`Invalid input JSON: "${field}" must be a string`);
  return value;
}

function optionalDateTime(body: Record<string, unknown>, field: string): string | undefined {
  const value = optionalString(body, field);
  if (value !== undefined && !ISO_DATE_TIME.test(value)) throw validationError(`Invalid input JSON: "${field}" must be an ISO 8601 date-time, got ${value}`);
  return value;
}

function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw validationError(`Invalid input JSON: "${field}" must be a boolean`);
  return value;
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw validationError(`Invalid input JSON: "${field}" is required`, { context: { missingFields: [field] } });
  return value;
}

/** The writable fields of create and update bodies, checked; `customProperties` must be an array when present. */
function eventFields(body: Record<string, unknown>, requireCustomProperties: boolean) {
  if (requireCustomProperties && !Array.isArray(body.customProperties)) {
    throw validationError('Invalid input JSON: "customProperties" is required (it may be an empty array)', { context: { missingFields: ['customProperties'] } });
  }
  if (body.customProperties !== undefined && !Array.isArray(body.customProperties)) throw validationError('Invalid input JSON: "customProperties" must be an array');
  const fields = {
    eventName: optionalString(body, 'eventName'),
    eventOrganizer: optionalString(body, 'eventOrganizer'),
    eventType: optionalString(body, 'eventType'),
    eventUrl: optionalString(body, 'eventUrl'),
    eventDescription: optionalString(body, 'eventDescription'),
    startDateTime: optionalDateTime(body, 'startDateTime'),
    endDateTime: optionalDateTime(body, 'endDateTime'),
    eventCancelled: optionalBoolean(body, 'eventCancelled'),
    eventCompleted: optionalBoolean(body, 'eventCompleted'),
  };
  if (fields.startDateTime && fields.endDateTime && Date.parse(fields.endDateTime) < Date.parse(fields.startDateTime)) {
    throw validationError('endDateTime must not be before startDateTime');
  }
  return fields;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function publicEvent(event: FakeMarketingEvent) {
  const { appKey: _appKey, ...rest } = event;
  return { ...rest, id: event.objectId, customProperties: [] };
}

export function registerMarketingEventRoutes(core: FakeCore, registry: MarketingEventRegistry): void {
  const nowIso = () => new Date(core.now()).toISOString();

  /** Create or update by external ids (PUT and batch upsert). */
  const upsert = (portal: Portal, token: AccessToken, body: Record<string, unknown>) => {
    const externalAccountId = requireString(body, 'externalAccountId');
    const externalEventId = requireString(body, 'externalEventId');
    const eventName = requireString(body, 'eventName');
    const eventOrganizer = requireString(body, 'eventOrganizer');
    const fields = eventFields(body, true);
    const events = registry.of(portal.id);
    const existing = [...events.events.values()].find((e) => e.externalAccountId === externalAccountId && e.externalEventId === externalEventId);
    if (existing && existing.appKey !== appKeyOf(token)) {
      throw new FakeHttpError(403, errorBody('FORBIDDEN', 'Only Marketing Events originally created by the same app can be updated.'));
    }
    if (existing) {
      Object.assign(existing, defined(fields), { eventName, eventOrganizer, updatedAt: nowIso() });
      return existing;
    }
    const at = nowIso();
    const created: FakeMarketingEvent = {
      ...defined(fields),
      objectId: registry.newObjectId(),
      externalAccountId,
      externalEventId,
      appKey: appKeyOf(token),
      eventName,
      eventOrganizer,
      eventCancelled: fields.eventCancelled ?? false,
      eventCompleted: fields.eventCompleted ?? false,
      createdAt: at,
      updatedAt: at,
    };
    events.events.set(created.objectId, created);
    return created;
  };

  core.crmRoute('PUT', `${BASE}/events/:externalEventId`, { scope: WRITE }, (request, { portal, token, params }) => {
    if (!isRecord(request.body)) throw validationError('Invalid input JSON: body must be an object');
    if (request.body.externalEventId !== params.externalEventId) throw validationError('externalEventId in the body must equal the one in the path');
    return publicEvent(upsert(portal, token, request.body));
  });

  core.crmRoute('POST', `${BASE}/events/upsert`, { scope: WRITE }, (request, { portal, token }) => {
    const inputs = batchInputs(request.body);
    // Checked as a whole first: HubSpot refuses the batch rather than writing part of it.
    const ids = inputs.map((input) => `${String(input.externalAccountId)}\u0000${String(input.externalEventId)}`);
    if (new Set(ids).size !== ids.length) throw validationError('Duplicate externalEventId in batch input');
    const startedAt = nowIso();
    const results = inputs.map((input) => publicEvent(upsert(portal, token, input)));
    return { status: 'COMPLETE', results, startedAt, completedAt: nowIso() };
  });

  core.crmRoute('PATCH', `${BASE}/events/:externalEventId`, { scope: WRITE }, (request, { portal, token, params }) => {
    if (!isRecord(request.body)) throw validationError('Invalid input JSON: body must be an object');
    const event = findByExternal(registry.of(portal.id), token, requiredQuery(request, 'externalAccountId'), params.externalEventId!);
    Object.assign(event, defined(eventFields(request.body, true)), { updatedAt: nowIso() });
    return publicEvent(event);
  });

  core.crmRoute('POST', `${BASE}/batch/update`, { scope: WRITE }, (request, { portal, token }, reply) => {
    const inputs = batchInputs(request.body);
    const events = registry.of(portal.id);
    const results = [];
    const errors = [];
    for (const input of inputs) {
      const objectId = requireString(input, 'objectId');
      const fields = eventFields(input, true);
      const event = events.events.get(objectId);
      if (!event || event.appKey !== appKeyOf(token)) {
        errors.push({ status: 'error', category: 'OBJECT_NOT_FOUND', message: `Marketing event ${objectId} not found`, context: { ids: [objectId] }, errors: [], links: {} });
        continue;
      }
      const { eventCompleted: _completed, ...updatable } = fields;
      Object.assign(event, defined(updatable), { updatedAt: nowIso() });
      results.push(publicEvent(event));
    }
    const answer = { status: 'COMPLETE', results, startedAt: nowIso(), completedAt: nowIso(), ...(errors.length > 0 ? { errors, numErrors: errors.length } : {}) };
    return errors.length > 0 ? reply.code(207).send(answer) : answer;
  });

  core.crmRoute('POST', `${BASE}/events/:externalEventId/cancel`, { scope: WRITE }, (request, { portal, token, params }) => {
    const event = findByExternal(registry.of(portal.id), token, requiredQuery(request, 'externalAccountId'), params.externalEventId!);
    Object.assign(event, { eventCancelled: true, updatedAt: nowIso() });
    return publicEvent(event);
  });

  core.crmRoute('POST', `${BASE}/events/:externalEventId/complete`, { scope: WRITE }, (request, { portal, token, params }) => {
    const event = findByExternal(registry.of(portal.id), token, requiredQuery(request, 'externalAccountId'), params.externalEventId!);
    if (!isRecord(request.body)) throw validationError('Invalid input JSON: body must be an object');
    const startDateTime = requireString(request.body, 'startDateTime');
    const endDateTime = requireString(request.body, 'endDateTime');
    for (const [field, value] of [['startDateTime', startDateTime], ['endDateTime', endDateTime]] as const) {
      if (!ISO_DATE_TIME.test(value)) throw validationError(`Invalid input JSON: "${field}" must be an ISO 8601 date-time`);
    }
    Object.assign(event, { eventCompleted: true, startDateTime, endDateTime, updatedAt: nowIso() });
    return publicEvent(event);
  });

  core.crmRoute('GET', `${BASE}/events/:externalEventId`, { scope: READ }, (request, { portal, token, params }) =>
    publicEvent(findByExternal(registry.of(portal.id), token, requiredQuery(request, 'externalAccountId'), params.externalEventId!)),
  );

  core.crmRoute('POST', `${BASE}/attendance/:externalEventId/:subscriberState/email-create`, { scope: WRITE }, (request, { portal, token, params }) => {
    const state = STATES[params.subscriberState ?? ''];
    if (!state) throw validationError(`Unknown subscriberState ${params.subscriberState}: use register, attend or cancel`);
    const externalAccountId = (request.query as Record<string, unknown>).externalAccountId;
    const events = registry.of(portal.id);
    const event = findByExternal(events, token, typeof externalAccountId === 'string' ? externalAccountId : undefined, params.externalEventId!);
    const inputs = batchInputs(request.body);
    // Validated as a whole before anything is written, like the CRM batch endpoints.
    const checked = inputs.map((input, index) => {
      for (const field of ['email', 'interactionDateTime', 'contactProperties', 'properties']) {
        if (input[field] === undefined) throw validationError(`Invalid input JSON: inputs[${index}].${field} is required`, { context: { missingFields: [field] } });
      }
      if (typeof input.email !== 'string' || !EMAIL.test(input.email)) throw validationError(`inputs[${index}].email is not a valid email address: ${String(input.email)}`);
      if (typeof input.interactionDateTime !== 'number' || !Number.isInteger(input.interactionDateTime)) {
        throw validationError(`inputs[${index}].interactionDateTime must be an integer (ms since the epoch)`);
      }
      if (!isRecord(input.contactProperties) || !isRecord(input.properties)) throw validationError(`inputs[${index}]: contactProperties and properties must be objects`);
      return { email: input.email.trim().toLowerCase(), at: input.interactionDateTime, contactProperties: input.contactProperties as Record<string, string> };
    });
    const results = checked.map(({ email, at, contactProperties }) => {
      const contact = portal.findByProperty('contacts', 'email', email) ?? portal.create('contacts', { ...contactProperties, email });
      const key = `${event.objectId}:${contact.id}`;
      const current = events.participations.get(key);
      if (!current) {
        events.participations.set(key, { contactId: contact.id, email, objectId: event.objectId, state, occurredAt: at, history: [{ state, occurredAt: at }] });
      } else if (current.state !== state || current.occurredAt !== at) {
        Object.assign(current, { state, occurredAt: at });
        current.history.push({ state, occurredAt: at });
      }
      return { email, vid: Number(contact.id) };
    });
    return { status: 'COMPLETE', results, startedAt: nowIso(), completedAt: nowIso() };
  });

  core.crmRoute('GET', `${BASE}/participations/contacts/:contactIdentifier/breakdown`, { scope: READ }, (_request, { portal, params }) => {
    const events = registry.of(portal.id);
    const id = params.contactIdentifier ?? '';
    const contact = id.includes('@') ? portal.findByProperty('contacts', 'email', id.toLowerCase()) : portal.store('contacts').get(id);
    const results = contact
      ? [...events.participations.values()]
          .filter((p) => p.contactId === contact.id)
          .map((p) => {
            const event = events.events.get(p.objectId)!;
            return {
              id: `${p.objectId}-${p.contactId}`,
              createdAt: new Date(p.history[0]!.occurredAt).toISOString(),
              associations: {
                contact: { contactId: p.contactId, email: p.email },
                marketingEvent: { marketingEventId: event.objectId, name: event.eventName, externalAccountId: event.externalAccountId, externalEventId: event.externalEventId },
              },
              properties: { attendanceState: p.state, occurredAt: p.occurredAt },
            };
          })
      : [];
    return { total: results.length, results };
  });
}
