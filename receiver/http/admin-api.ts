// The operator API behind the command-line tool: connections, mappings, queue status and retries.
// Guarded by a bearer token derived from SECRET_KEY, so only someone holding the receiver's key can use it.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { eventSlugSchema, orderCodeSchema } from '../domain/pretix-identifiers';
import { organizerSlugSchema, pretixBaseUrlSchema } from '../domain/pretix-url';
import type { ConnectionService } from '../connections/connection-service';
import type { EventConfigService } from '../connections/event-config-service';
import type { EventService } from '../connections/event-service';
import { mappingSetIdSchema, type MappingSetService } from '../connections/mapping-set-service';
import type { InstallationService } from '../hubspot/installations';
import { safeEqual } from '../store/secrets';
import type { JobTrigger, Store } from '../store/types';
import { jobKey } from '../store/types';
import { BackfillConflictError, type BackfillRunner } from '../sync/backfill';
import { SyncConfigError } from '../domain/errors';
import { mappingFileSchema } from '../domain/mapping-schema';
import type { ReconcileSweeper } from '../sync/reconcile';
import type { SyncHealth } from '../sync/sync-health';
import { FAILURE_LABELS } from '../sync/retry-policy';
import { badRequestFromZod, HttpError, rethrowInvalidMappings } from './errors';

export interface AdminApiDeps {
  store: Store;
  connections: ConnectionService;
  events: EventService;
  eventConfigs: Pick<EventConfigService, 'saveMappings'>;
  mappingSets: MappingSetService;
  installations: InstallationService;
  adminToken: string;
  onQueued: () => void;
  describe: () => { configured: string[]; missing: string[] };
  backfills: BackfillRunner;
  sweeper: ReconcileSweeper;
  /** Lag and backlog per portal (`queue status`). */
  health?: SyncHealth;
  now?: () => number;
}

const connectionBody = z.object({
  portalId: z.string().regex(/^\d+$/, 'must be the numeric HubSpot account id'),
  baseUrl: pretixBaseUrlSchema,
  organizer: organizerSlugSchema,
  apiToken: z.string().trim().min(16, 'looks too short for a pretix API token').max(200),
});
const eventParams = z.object({ id: z.string().uuid(), event: eventSlugSchema });
const jobStateQuery = z.object({ state: z.enum(['pending', 'in_flight', 'failed']).optional(), portalId: z.string().optional() });

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequestFromZod(result.error, what);
  return result.data;
}

export async function adminApiRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const now = deps.now ?? Date.now;

  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token || !safeEqual(token, deps.adminToken)) {
      throw new HttpError(401, 'unauthorized', 'The admin API needs `Authorization: Bearer <admin token>` (the CLI derives it from SECRET_KEY).');
    }
  });

  const requireConnection = async (id: string) => {
    const connection = await deps.store.getConnection(id);
    if (!connection) throw new HttpError(404, 'unknown_connection', `No connection ${id}.`);
    return connection;
  };

  app.get('/status', async () => ({
    config: deps.describe(),
    queue: await deps.store.queueCounts(),
    portals: await deps.installations.list(),
    connections: await deps.connections.list(),
  }));

  app.get('/portals', async () => ({ portals: await deps.installations.list() }));

  // Revokes the portal's refresh token at HubSpot and deletes its tokens here.
  app.post('/portals/:portalId/disconnect', async (request) => {
    const { portalId } = parse(z.object({ portalId: z.string().regex(/^\d+$/, 'must be the numeric HubSpot account id') }), request.params, 'portal');
    return { portal: await deps.installations.disconnect(portalId) };
  });

  app.get('/connections', async () => ({ connections: await deps.connections.list() }));

  app.post('/connections', async (request, reply) => {
    const body = parse(connectionBody, request.body, 'connection');
    const connection = await deps.connections.add(body);
    return reply.status(201).send({ connection });
  });

  // Takes the connection's webhook out of pretix first; `?force=true` removes it even when pretix is unreachable
  // (the answer then names the webhook to delete by hand).
  app.delete('/connections/:id', async (request) => {
    const { id } = parse(z.object({ id: z.string().uuid() }), request.params, 'connection id');
    const { force } = parse(z.object({ force: z.enum(['true', 'false']).optional() }), request.query, 'query');
    await requireConnection(id);
    return await deps.events.removeConnection(id, { force: force === 'true' });
  });

  app.get('/connections/:id/events', async (request) => {
    const { id } = parse(z.object({ id: z.string().uuid() }), request.params, 'connection id');
    await requireConnection(id);
    return { events: await deps.events.listEvents(id) };
  });

  app.get('/connections/:id/events/:event', async (request) => {
    const { id, event } = parse(eventParams, request.params, 'event');
    await requireConnection(id);
    const config = await deps.store.getEventConfig(id, event);
    if (!config) throw new HttpError(404, 'unknown_event', `Event ${event} has no settings yet.`);
    return { event: config };
  });

  // Checked like the settings page's save (400 `invalid_mappings` with field errors); saving keeps whether the event
  // syncs, `?enable=true` also enables it through the event service (which registers the pretix webhook).
  app.put('/connections/:id/events/:event/mappings', async (request) => {
    const { id, event } = parse(eventParams, request.params, 'event');
    const { enable } = parse(z.object({ enable: z.enum(['true', 'false']).optional() }), request.query, 'query');
    await requireConnection(id);
    const mappings = parse(mappingFileSchema, request.body, 'object mappings');
    const saved = await deps.eventConfigs.saveMappings(id, event, mappings, { enable: enable === 'true' }).catch(rethrowInvalidMappings);
    // Existing orders keep what the old mappings wrote until they are synced again: offer it instead of staying silent.
    const changed = saved.changedMappingIds;
    return {
      event: saved.config,
      warnings: saved.warnings,
      ...(saved.enabled ? { enabled: saved.enabled } : {}),
      resync: {
        changedMappingIds: changed,
        hasSyncedOrders: saved.hadMappings,
        hint: changed.length > 0 && saved.hadMappings
          ? `Existing orders still carry the old mapping. Apply it with POST …/backfill {"mappingIds": ${JSON.stringify(changed)}} (only what changed) or {} (everything).`
          : null,
      },
    };
  });

  // Organizer-wide mapping sets. Saving a set checks it against every event that uses it (400 `invalid_mappings`,
  // field errors keyed `events.<slug>.…`) and re-syncs those events' orders for the mappings that changed.
  const setParams = z.object({ id: z.string().uuid(), set: mappingSetIdSchema });
  const setBody = z.object({ name: z.string().trim().min(1).max(100).optional(), mappings: mappingFileSchema });

  app.get('/connections/:id/mapping-sets', async (request) => {
    const { id } = parse(z.object({ id: z.string().uuid() }), request.params, 'connection id');
    return { sets: await deps.mappingSets.list(id) };
  });

  app.get('/connections/:id/mapping-sets/:set', async (request) => {
    const { id, set } = parse(setParams, request.params, 'mapping set');
    return await deps.mappingSets.get(id, set);
  });

  app.put('/connections/:id/mapping-sets/:set', async (request) => {
    const { id, set } = parse(setParams, request.params, 'mapping set');
    const body = parse(setBody, request.body, 'mapping set');
    return await deps.mappingSets.save(id, set, body).catch(rethrowInvalidMappings);
  });

  // 409 while events use it (or it is the default set of "sync every event"), naming them; nothing changes then.
  app.delete('/connections/:id/mapping-sets/:set', async (request) => {
    const { id, set } = parse(setParams, request.params, 'mapping set');
    return await deps.mappingSets.delete(id, set);
  });

  // "Sync every event of this organizer": `{"enabled": true, "defaultMappingSet": "season"}` (null: the default
  // mappings; omitted: keep the current one). Registers the all-events webhook (502 and nothing changed if pretix
  // refuses), enables the events not known yet, and answers what it did.
  app.put('/connections/:id/all-events', async (request) => {
    const { id } = parse(z.object({ id: z.string().uuid() }), request.params, 'connection id');
    const body = parse(z.object({ enabled: z.boolean(), defaultMappingSet: mappingSetIdSchema.nullable().optional() }).strict(), request.body, 'all-events setting');
    await requireConnection(id);
    const outcome = await deps.events.setAllEvents(id, { enabled: body.enabled, defaultMappingSetId: body.defaultMappingSet });
    return { ...outcome, connection: await deps.connections.toPublic(outcome.connection) };
  });

  // A new set (or a replaced one) made of what the event syncs with now.
  app.post('/connections/:id/mapping-sets/:set/copy-from/:event', async (request) => {
    const { id, set, event } = parse(setParams.extend({ event: eventSlugSchema }), request.params, 'mapping set');
    const { name } = parse(z.object({ name: z.string().trim().min(1).max(100).optional() }).default({}), request.body ?? {}, 'mapping set');
    return await deps.mappingSets.copyFromEvent(id, event, set, name).catch(rethrowInvalidMappings);
  });

  // `{"set": "<id>"}` makes the event sync with the set (checked against the event), `{"set": null}` with its own.
  app.put('/connections/:id/events/:event/mapping-set', async (request) => {
    const { id, event } = parse(eventParams, request.params, 'event');
    const { set } = parse(z.object({ set: mappingSetIdSchema.nullable() }), request.body, 'assignment');
    const assigned = await deps.mappingSets.assign(id, event, set).catch(rethrowInvalidMappings);
    const changed = assigned.changedMappingIds;
    return {
      event: assigned.config,
      resync: {
        changedMappingIds: changed,
        hasSyncedOrders: assigned.hadMappings,
        hint: changed.length > 0 && assigned.hadMappings && assigned.config.enabled
          ? `Existing orders still carry the old mappings. Apply them with POST …/backfill {"mappingIds": ${JSON.stringify(changed)}} (only what changed) or {} (everything).`
          : null,
      },
    };
  });

  const backfillBody = z.object({ mappingIds: z.array(z.string().min(1)).min(1).optional() }).default({});

  app.post('/connections/:id/events/:event/backfill', async (request, reply) => {
    const { id, event } = parse(eventParams, request.params, 'event');
    await requireConnection(id);
    const { mappingIds } = parse(backfillBody, request.body ?? {}, 'backfill request');
    try {
      await deps.backfills.start(id, event, mappingIds ?? null);
    } catch (error) {
      if (error instanceof BackfillConflictError) throw new HttpError(409, 'backfill_running', error.message);
      if (error instanceof SyncConfigError) throw new HttpError(409, 'cannot_backfill', error.message);
      throw error;
    }
    return reply.status(202).send({ backfill: await deps.backfills.progress(id, event) });
  });

  app.get('/connections/:id/events/:event/backfill', async (request) => {
    const { id, event } = parse(eventParams, request.params, 'event');
    await requireConnection(id);
    const backfill = await deps.backfills.progress(id, event);
    if (!backfill) throw new HttpError(404, 'no_backfill', `No backfill of ${event} has been started.`);
    return { backfill };
  });

  app.delete('/connections/:id/events/:event/backfill', async (request) => {
    const { id, event } = parse(eventParams, request.params, 'event');
    await requireConnection(id);
    const backfill = await deps.backfills.cancel(id, event);
    if (!backfill) throw new HttpError(404, 'no_backfill', `No backfill of ${event} is running.`);
    return { backfill };
  });

  app.get('/sweeps', async () => ({
    sweeps: await Promise.all(
      (await deps.store.listEventConfigs())
        .filter((e) => e.enabled)
        .map(
          async (e) =>
            (await deps.store.getSweep(e.connectionId, e.event)) ?? { connectionId: e.connectionId, event: e.event, watermark: null, lastSweepAt: null, lastFound: 0, lastEnqueued: 0, lastError: null },
        ),
    ),
  }));

  app.post('/connections/:id/events/:event/sweep', async (request) => {
    const { id, event } = parse(eventParams, request.params, 'event');
    await requireConnection(id);
    return { sweep: await deps.sweeper.sweepEvent(id, event) };
  });

  app.post('/connections/:id/events/:event/:toggle', async (request) => {
    const params = parse(eventParams.extend({ toggle: z.enum(['enable', 'disable']) }), request.params, 'event');
    await requireConnection(params.id);
    return { event: await deps.events.setEnabled(params.id, params.event, params.toggle === 'enable') };
  });

  app.post('/connections/:id/events/:event/orders/:code/sync', async (request, reply) => {
    const params = parse(eventParams.extend({ code: orderCodeSchema }), request.params, 'order');
    const connection = await requireConnection(params.id);
    const trigger: JobTrigger = { portalId: connection.portalId, connectionId: connection.id, event: params.event, code: params.code, action: 'manual' };
    await deps.store.enqueue([trigger], now());
    deps.onQueued();
    return reply.status(202).send({ job: await deps.store.getJob(jobKey(connection.id, params.event, params.code)) });
  });

  app.get('/jobs', async (request) => {
    const query = parse(jobStateQuery, request.query, 'job filter');
    const jobs = (await deps.store.listJobs(query)).map((job) => ({
      ...job,
      failureLabel: job.state === 'failed' && job.failureClass ? FAILURE_LABELS[job.failureClass === 'transient' ? 'exceeded' : job.failureClass] : undefined,
    }));
    return { counts: await deps.store.queueCounts(query.portalId), jobs };
  });

  app.get('/sync-health', async () => ({ portals: (await deps.health?.all()) ?? [] }));

  app.post('/jobs/retry', async (request) => {
    const { key } = parse(z.object({ key: z.string().min(1) }), request.body, 'retry request');
    if (!(await deps.store.retryJob(key, now()))) throw new HttpError(404, 'unknown_job', `No waiting job ${key}.`);
    deps.onQueued();
    return { job: await deps.store.getJob(key) };
  });

  app.get('/records/:id/:event/:code', async (request) => {
    const params = parse(eventParams.extend({ code: orderCodeSchema }), request.params, 'order');
    const record = await deps.store.getSyncRecord(jobKey(params.id, params.event, params.code));
    if (!record) throw new HttpError(404, 'unknown_record', 'This order has not been synced yet.');
    return { record };
  });
}
