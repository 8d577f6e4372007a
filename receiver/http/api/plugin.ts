// The signed card/settings API under /api/v1: what the HubSpot app's contact card and settings page call through
// hubspot.fetch. Every request is verified (./signed-requests.ts) and scoped to the signed portal; a portal sees
// only its own connections, mappings, orders and jobs — anything else answers 404, exactly like "not found".
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { BackfillProgress, EventSummary } from '../../../src/app/shared/api-types';
import { DuplicateConnectionError, type ConnectionService } from '../../connections/connection-service';
import type { NewProperty, NewPropertyGroup, PropertyDefinition } from '../../hubspot/crm-client';
import { PretixConnectionError } from '../../pretix/errors';
import { ORDER_ACTIONS } from '../../pretix/webhook-actions';
import type { Connection, JobTrigger, Store } from '../../store/types';
import { jobKey } from '../../store/types';
import type { EventContextCache } from '../../sync/event-context-cache';
import type { HubSpotObjectType, ObjectMapping } from '../../domain/mapping-schema';
import type { PretixClientLike } from '../../sync/ports';
import { backlogOf, type SyncHealth } from '../../sync/sync-health';
import type { EventContext } from '../../sync/event-context';
import type { EventLister } from '../../connections/catalogues';
import { connectionFieldError, HttpError, rethrowInvalidMappings } from '../errors';
import { contactOrders, type OrderLookupClient } from './contact-orders';
import { createDeadline, DeadlineError, type Deadline } from './deadline';
import {
  HUBSPOT_PROPERTY_NAME,
  planMissingProperties,
  PRETIX_PROPERTY_GROUP,
  sourceFieldGroups,
  toMappingDto,
  writableProperties,
  type MappingDraft,
} from './mappings';
import type { CatalogueSource } from '../../connections/catalogues';
import type { EventConfigService } from '../../connections/event-config-service';
import { effectiveMappings } from '../../connections/effective-mappings';
import type { MappingSetService, MappingSetSummary, SavedMappingSet } from '../../connections/mapping-set-service';
import type { AllEventsOutcome } from '../../connections/event-service';
import { connectionSummary, syncProblem } from './presenters';
import { API_ROUTES, type RouteId, type RouteSpec } from './routes';
import { portalOf, registerSignedRequests } from './signed-requests';

/** The event service (HubSpot-side event list and enable toggle, with pretix webhook registration). */
export interface EventServiceLike {
  listEvents(connectionId: string): Promise<EventSummary[]>;
  setEnabled(connectionId: string, event: string, enabled: boolean): Promise<EventSummary>;
  /** "Sync every event of this organizer" on or off. */
  setAllEvents(connectionId: string, options: { enabled: boolean; defaultMappingSetId?: string | null }): Promise<AllEventsOutcome>;
  /** Removes the connection after taking its webhook out of pretix: the one way a connection is removed. */
  removeConnection(connectionId: string, options?: { force?: boolean }): Promise<{ webhookMessage: string | null }>;
}

/** Backfill control for `/connections/:connectionId/events/:event/backfill`; wired by the backfill work. */
export interface BackfillControl {
  progress(connectionId: string, event: string): BackfillProgress | Promise<BackfillProgress>;
  start(connectionId: string, event: string): Promise<BackfillProgress>;
  cancel(connectionId: string, event: string): Promise<BackfillProgress>;
}

export interface PropertyClient {
  listProperties(objectType: HubSpotObjectType): Promise<PropertyDefinition[]>;
  createProperty(objectType: HubSpotObjectType, definition: NewProperty): Promise<{ created: boolean }>;
  createPropertyGroup(objectType: HubSpotObjectType, group: NewPropertyGroup): Promise<{ created: boolean }>;
}

export interface CardApiDeps {
  publicUrl: string;
  /** HUBSPOT_CLIENT_SECRET; without it every request answers 503 with an explanation. */
  clientSecret: string | undefined;
  hubspotAppUrl: string;
  store: Store;
  connections: ConnectionService;
  pretixFor(connection: Connection): PretixClientLike & OrderLookupClient & EventLister;
  crmFor(portalId: string): Promise<PropertyClient>;
  contexts: EventContextCache;
  /** Source fields and HubSpot properties, cached (shared with the event configuration service). */
  catalogues: CatalogueSource;
  events: EventServiceLike;
  /** Checks and saves mappings: the same rules as the admin API. */
  eventConfigs: Pick<EventConfigService, 'check' | 'saveMappings'>;
  /** Organizer-wide mapping sets (the same service as the admin API's). */
  mappingSets: Pick<MappingSetService, 'list' | 'save' | 'copyFromEvent' | 'assign' | 'delete'>;
  /** Until the backfill runner is wired, the backfill endpoints answer 501. */
  backfill?: BackfillControl;
  onQueued(): void;
  /** Webhook lag and backlog per portal (the sync section); without it the backlog alone. */
  health?: Pick<SyncHealth, 'portal'>;
  /** Queues a manual job and syncs it at once, outside the worker's cycle; false if left to the worker (in flight). */
  syncNow?(trigger: JobTrigger): Promise<boolean>;
  now?: () => number;
  /** Deadline for the pretix and HubSpot calls made while answering one request (default 10 s; HubSpot waits 15 s). */
  upstreamTimeoutMs?: number;
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;

const mappingSetDto = ({ set, events }: MappingSetSummary) => ({
  id: set.id,
  name: set.name,
  mappings: set.mappings.map(toMappingDto),
  events,
  updatedAt: set.updatedAt,
});
const savedSetDto = (saved: SavedMappingSet) => ({ set: mappingSetDto(saved), warnings: saved.warnings, resync: saved.resync });
const MAPPING_WARNINGS_TIMEOUT_MS = 4_000;
const MAX_SYNC_PROBLEMS = 200;

type OutputOf<S, K extends string> = S extends { [P in K]: infer T extends z.ZodType } ? z.output<T> : undefined;

interface HandlerInput<S> {
  portalId: string;
  params: OutputOf<S, 'params'>;
  query: OutputOf<S, 'query'>;
  body: OutputOf<S, 'body'>;
  request: FastifyRequest;
}
type Handler<S extends RouteSpec> = (input: HandlerInput<S>) => Promise<z.input<S['response']>>;
type Handlers = { [K in RouteId]: Handler<(typeof API_ROUTES)[K]> };

function fieldErrorsOf(error: z.ZodError, prefix = ''): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    fieldErrors[key || '(body)'] ??= issue.message;
  }
  return fieldErrors;
}

function validate<T extends z.ZodType>(schema: T, value: unknown, what: 'path' | 'query' | 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fieldErrors = fieldErrorsOf(result.error);
  const summary = Object.entries(fieldErrors)
    .slice(0, 5)
    .map(([key, message]) => `${key}: ${message}`)
    .join('; ');
  throw new HttpError(400, 'invalid_request', `Invalid request ${what}: ${summary}`, fieldErrors);
}

const notFound = (what: string) => new HttpError(404, 'not_found', `No ${what} in this HubSpot account.`);

export async function cardApiRoutes(app: FastifyInstance, deps: CardApiDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const { store } = deps;

  registerSignedRequests(app, { publicUrl: deps.publicUrl, clientSecret: deps.clientSecret, now });
  // Errors are answered by the one mapping in ../errors.ts (registered on the root), in the documented ApiError shape.

  // ----- helpers -----

  /** The connection if it belongs to the portal; another portal's connection is as unknown as a missing one. */
  const ownConnection = async (portalId: string, connectionId: string): Promise<Connection> => {
    const connection = await store.getConnection(connectionId);
    if (!connection || connection.portalId !== portalId) throw notFound(`connection ${connectionId}`);
    return connection;
  };

  const eventContext = (connection: Connection, event: string, deadline: Deadline): Promise<EventContext> =>
    deps.catalogues.eventContext(connection, event, deadline.race);
  const listProperties = (portalId: string, objectType: HubSpotObjectType, deadline: Deadline, fresh = false) =>
    deps.catalogues.listProperties(portalId, objectType, deadline.race, fresh);

  const backfillControl = (): BackfillControl => {
    if (!deps.backfill) throw new HttpError(501, 'not_available', 'Backfills are not available through this API in this version of the receiver yet.');
    return deps.backfill;
  };

  // ----- handlers -----

  const handlers: Handlers = {
    async getContactOrders({ portalId, params, query }) {
      return contactOrders(
        { store, pretixFor: deps.pretixFor, contexts: deps.contexts, hubspotAppUrl: deps.hubspotAppUrl, upstreamTimeoutMs: timeoutMs },
        portalId,
        params.contactId,
        query.email,
      );
    },

    async syncOrder({ portalId, body }) {
      const connection = await ownConnection(portalId, body.connectionId);
      const config = await store.getEventConfig(connection.id, body.event);
      if (!config?.enabled) {
        throw new HttpError(409, 'event_not_enabled', `Sync is not enabled for event ${body.event}; enable it in the app settings first.`);
      }
      const key = jobKey(connection.id, body.event, body.code);
      const before = await store.getJob(key);
      const trigger: JobTrigger = { portalId, connectionId: connection.id, event: body.event, code: body.code, action: 'manual' };
      // A person waits: sync it now rather than when the worker's cycle (or a backfill's batches) get to it.
      const started = deps.syncNow ? await deps.syncNow(trigger) : (await store.enqueue([trigger], now()), false);
      if (!started) deps.onQueued();
      if (before?.state === 'in_flight') {
        return { status: 'merged', message: `Order ${body.code} is being synced right now; it will be synced once more afterwards.` };
      }
      if (before?.state === 'pending') return { status: 'merged', message: `Order ${body.code} was already waiting to be synced; it goes next.` };
      return { status: 'queued', message: `Order ${body.code} is queued and will reach HubSpot in a moment.` };
    },

    async getSettings({ portalId }) {
      return {
        portalId,
        connections: (await deps.connections.list(portalId)).map(connectionSummary),
        webhookActionTypes: [...ORDER_ACTIONS],
      };
    },

    async createConnection({ portalId, body }) {
      const deadline = createDeadline(timeoutMs);
      const adding = deps.connections.add({ portalId, ...body });
      try {
        return { connection: connectionSummary(await deadline.race(adding, `pretix at ${body.baseUrl}`)) };
      } catch (error) {
        if (error instanceof DeadlineError) {
          // We answer "failed" now, so a connection saved after all must not appear behind the person's back.
          adding.then((late) => deps.events.removeConnection(late.id, { force: true })).catch(() => undefined);
          throw new HttpError(504, 'upstream_timeout', `${error.message}.`, { baseUrl: `pretix did not answer within ${timeoutMs / 1000} s.` });
        }
        if (error instanceof PretixConnectionError) throw connectionFieldError(error);
        if (error instanceof DuplicateConnectionError) {
          throw new HttpError(400, 'invalid_connection', error.message, { organizer: 'This organizer is already connected.' });
        }
        throw error;
      }
    },

    async deleteConnection({ portalId, params, body }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const removed = `The connection to ${connection.organizer} on ${connection.baseUrl} was removed.`;
      // Takes the pretix webhook out first; refuses (502) while pretix is unreachable unless forced.
      const removal = await createDeadline(timeoutMs).race(deps.events.removeConnection(connection.id, { force: body.force }), `pretix (${connection.organizer})`);
      return { deleted: true, message: removal.webhookMessage ? `${removed} ${removal.webhookMessage}` : removed };
    },

    async listEvents({ portalId, params }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const service = deps.events;
      return { events: await createDeadline(timeoutMs).race(service.listEvents(connection.id), `pretix (${connection.organizer})`) };
    },

    async setEventEnabled({ portalId, params, body }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const service = deps.events;
      return { event: await createDeadline(timeoutMs).race(service.setEnabled(connection.id, params.event, body.enabled), `pretix (${connection.organizer})`) };
    },

    async setAllEvents({ portalId, params, body }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const outcome = await createDeadline(timeoutMs).race(
        deps.events.setAllEvents(connection.id, { enabled: body.enabled, defaultMappingSetId: body.defaultMappingSetId }),
        `pretix (${connection.organizer})`,
      );
      const { connection: saved, ...rest } = outcome;
      return { ...rest, connection: connectionSummary(await deps.connections.toPublic(saved)) };
    },

    async getMappings({ portalId, params }) {
      const connection = await ownConnection(portalId, params.connectionId);
      // What the event syncs with: its mapping set's rows when it uses one (saving those here is refused, see saveMappings).
      const mappings = await effectiveMappings(store, await store.getEventConfig(connection.id, params.event));
      let warnings: Record<string, string> = {};
      if (mappings.length > 0) {
        try {
          // A courtesy, so a short wait: the catalogues are usually cached from the editor's own requests.
          const deadline = createDeadline(Math.min(timeoutMs, MAPPING_WARNINGS_TIMEOUT_MS));
          warnings = (await deps.eventConfigs.check(connection.id, params.event, mappings, deadline.race)).warnings;
        } catch {
          // Warnings are a courtesy: the mappings themselves come from our store and are shown regardless.
        }
      }
      return { mappings: mappings.map(toMappingDto), warnings };
    },

    async saveMappings({ portalId, params, body }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const mappings: ObjectMapping[] = body.mappings;
      // The settings page's toggle enables the event: saving here never switches sync on or off.
      const { warnings } = await deps.eventConfigs
        .saveMappings(connection.id, params.event, mappings, { race: createDeadline(timeoutMs).race })
        .catch(rethrowInvalidMappings);
      return { mappings: mappings.map(toMappingDto), warnings };
    },

    async listMappingSets({ portalId, params }) {
      const connection = await ownConnection(portalId, params.connectionId);
      return { sets: (await deps.mappingSets.list(connection.id)).map(mappingSetDto) };
    },

    async saveMappingSet({ portalId, params, body }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const saved = await deps.mappingSets
        .save(connection.id, params.set, { name: body.name, mappings: body.mappings }, createDeadline(timeoutMs).race)
        .catch(rethrowInvalidMappings);
      return savedSetDto(saved);
    },

    async deleteMappingSet({ portalId, params }) {
      const connection = await ownConnection(portalId, params.connectionId);
      return await deps.mappingSets.delete(connection.id, params.set);
    },

    async copyMappingSet({ portalId, params, body }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const saved = await deps.mappingSets
        .copyFromEvent(connection.id, params.event, params.set, body.name, createDeadline(timeoutMs).race)
        .catch(rethrowInvalidMappings);
      return savedSetDto(saved);
    },

    async assignMappingSet({ portalId, params, body }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const assigned = await deps.mappingSets.assign(connection.id, params.event, body.set, createDeadline(timeoutMs).race).catch(rethrowInvalidMappings);
      return { event: params.event, mappingSetId: assigned.config.mappingSetId ?? null, changedMappingIds: assigned.changedMappingIds };
    },

    async createMissingProperties({ portalId, params, body }) {
      const connection = await ownConnection(portalId, params.connectionId);
      const drafts: MappingDraft[] = body.mappings ?? await effectiveMappings(store, await store.getEventConfig(connection.id, params.event));
      if (drafts.length === 0) return { created: [], existing: 0 };
      const deadline = createDeadline(timeoutMs);
      const types = [...new Set(drafts.map((m) => m.external_object_type))];
      const [ctx, ...lists] = await Promise.all([
        eventContext(connection, params.event, deadline),
        ...types.map((type) => listProperties(portalId, type, deadline, true)),
      ]);
      const existingNames = new Map(types.map((type, i) => [type, new Set((lists[i] as PropertyDefinition[]).map((p) => p.name))]));
      const { planned, existingCount } = planMissingProperties(drafts, ctx as EventContext, existingNames);

      const badNames = Object.fromEntries(
        planned
          .filter((p) => !HUBSPOT_PROPERTY_NAME.test(p.definition.name))
          .map((p) => [p.path, `"${p.definition.name}" cannot be a HubSpot internal name: use lower-case letters, digits and underscores, starting with a letter.`]),
      );
      if (Object.keys(badNames).length > 0) throw new HttpError(400, 'invalid_property_names', 'Some property names cannot be created in HubSpot.', badNames);

      const crm = await deps.crmFor(portalId);
      const created: { objectType: HubSpotObjectType; name: string }[] = [];
      let existing = existingCount;
      try {
        for (const type of new Set(planned.map((p) => p.objectType))) {
          // HubSpot refuses a property whose group does not exist yet; 409 means the group is already there.
          await deadline.race(crm.createPropertyGroup(type, PRETIX_PROPERTY_GROUP), 'HubSpot');
        }
        for (const { objectType, definition } of planned) {
          const result = await deadline.race(crm.createProperty(objectType, definition), 'HubSpot');
          if (result.created) created.push({ objectType, name: definition.name });
          else existing += 1;
        }
      } finally {
        for (const type of types) deps.catalogues.forgetProperties(portalId, type);
      }
      return { created, existing };
    },

    async getSourceFields({ portalId, params, query }) {
      const connection = await ownConnection(portalId, params.connectionId);
      return sourceFieldGroups(await eventContext(connection, params.event, createDeadline(timeoutMs)), query.model);
    },

    async getHubSpotProperties({ portalId, params }) {
      return { properties: writableProperties(await listProperties(portalId, params.objectType, createDeadline(timeoutMs), true)) };
    },

    async listSyncProblems({ portalId }) {
      const problems = (await store.listJobs({ portalId, state: 'failed' }))
        .sort((a, b) => (b.lastErrorAt ?? 0) - (a.lastErrorAt ?? 0))
        .slice(0, MAX_SYNC_PROBLEMS)
        .map(syncProblem);
      const { lag, backlog } = (await deps.health?.portal(portalId)) ?? { lag: { count: 0, p50Ms: null, p95Ms: null, maxMs: null }, backlog: backlogOf(await store.queueCounts(portalId), now()) };
      return { problems, health: { lag, backlog } };
    },

    async retrySyncProblem({ portalId, body }) {
      const job = await store.getJob(body.key);
      if (!job || job.portalId !== portalId) throw notFound(`sync problem ${body.key}`);
      if (!(await store.retryJob(job.key, now()))) {
        throw new HttpError(409, 'in_flight', `Order ${job.code} is being synced right now.`);
      }
      deps.onQueued();
      return { status: 'queued', message: `Order ${job.code} of ${job.event} is queued again.` };
    },

    async getBackfill({ portalId, params }) {
      const connection = await ownConnection(portalId, params.connectionId);
      return backfillControl().progress(connection.id, params.event);
    },

    async startBackfill({ portalId, params }) {
      const connection = await ownConnection(portalId, params.connectionId);
      return backfillControl().start(connection.id, params.event);
    },

    async cancelBackfill({ portalId, params }) {
      const connection = await ownConnection(portalId, params.connectionId);
      return backfillControl().cancel(connection.id, params.event);
    },
  };

  for (const [id, spec] of Object.entries(API_ROUTES) as [RouteId, RouteSpec][]) {
    const handler = handlers[id] as unknown as Handler<RouteSpec>;
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (request, reply) => {
        const input = {
          portalId: portalOf(request),
          params: spec.params ? validate(spec.params, request.params, 'path') : undefined,
          query: spec.query ? validate(spec.query, request.query, 'query') : undefined,
          body: spec.body ? validate(spec.body, request.body ?? {}, 'body') : undefined,
          request,
        } as HandlerInput<RouteSpec>;
        const result = await handler(input);
        // Parsing the answer strips anything the contract does not name, so nothing leaks by accident.
        return reply.status(spec.status ?? 200).send(spec.response.parse(result));
      },
    });
  }
}
