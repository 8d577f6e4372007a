// The card/settings API's routes as data: method, path, schemas and a summary. The plugin (./plugin.ts) registers
// one handler per entry (the compiler insists on all of them) and the OpenAPI document (../openapi.ts) is built
// from the same entries, so the document cannot drift from what is served.
import { z } from 'zod';
import { objectMappingsSchema } from '../../domain/mapping-schema';
import {
  backfillProgressSchema,
  connectionParamsSchema,
  contactOrdersParamsSchema,
  contactOrdersQuerySchema,
  contactOrdersResponseSchema,
  createConnectionInputSchema,
  createConnectionRequestSchema,
  createConnectionResponseSchema,
  createMissingPropertiesRequestSchema,
  createMissingPropertiesResponseSchema,
  deleteConnectionRequestSchema,
  deleteConnectionResponseSchema,
  eventParamsSchema,
  eventsResponseSchema,
  hubspotPropertiesResponseSchema,
  mappingsResponseSchema,
  objectTypeParamsSchema,
  retryRequestSchema,
  saveMappingsRequestSchema,
  assignMappingSetRequestSchema,
  assignMappingSetResponseSchema,
  copyMappingSetParamsSchema,
  copyMappingSetRequestSchema,
  mappingSetParamsSchema,
  mappingSetsResponseSchema,
  saveMappingSetRequestSchema,
  saveMappingSetResponseSchema,
  setAllEventsRequestSchema,
  setAllEventsResponseSchema,
  deleteMappingSetResponseSchema,
  setEventEnabledRequestSchema,
  setEventEnabledResponseSchema,
  settingsResponseSchema,
  sourceFieldsQuerySchema,
  sourceFieldsResponseSchema,
  syncOrderRequestSchema,
  syncOrderResponseSchema,
  syncProblemsResponseSchema,
} from './schemas';

export const API_PREFIX = '/api/v1';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax below API_PREFIX, e.g. `/connections/:connectionId`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: z.ZodType;
  query?: z.ZodType;
  /** What the handler validates the JSON body with. */
  body?: z.ZodType;
  /** The contract shape of the body, for the document (defaults to `body`). */
  docBody?: z.ZodType;
  response: z.ZodType;
  /** Success status (default 200). */
  status?: number;
  /** Error statuses this route answers besides the ones every route may give (400, 401, 503). */
  errors?: number[];
}

const saveMappingsInputSchema = z.object({ mappings: objectMappingsSchema });
const saveMappingSetInputSchema = saveMappingSetRequestSchema.extend({ mappings: objectMappingsSchema });

export const API_ROUTES = {
  getContactOrders: {
    method: 'GET',
    path: '/contacts/:contactId/orders',
    summary: "The contact's pretix orders, newest first, with their sync state",
    description:
      "Found by the contact's emails through pretix's order list (`email` filter) on every enabled event of the portal's connections, " +
      'and through the sync records. Orders pretix could not deliver in time are reported in `warnings`; the answer stays under 1 MB.',
    tags: ['card'],
    params: contactOrdersParamsSchema,
    query: contactOrdersQuerySchema,
    response: contactOrdersResponseSchema,
  },
  syncOrder: {
    method: 'POST',
    path: '/orders/sync',
    summary: 'Queue one order for sync now',
    tags: ['card'],
    body: syncOrderRequestSchema,
    response: syncOrderResponseSchema,
    status: 202,
    errors: [404, 409],
  },
  getSettings: {
    method: 'GET',
    path: '/settings',
    summary: "The portal's pretix connections and the webhook action types",
    tags: ['settings'],
    response: settingsResponseSchema,
  },
  createConnection: {
    method: 'POST',
    path: '/connections',
    summary: 'Test a pretix API token and save the connection',
    description: 'Answers 400 with `fieldErrors` for baseUrl, organizer or apiToken when pretix refuses them.',
    tags: ['settings'],
    body: createConnectionInputSchema,
    docBody: createConnectionRequestSchema,
    response: createConnectionResponseSchema,
    status: 201,
    errors: [409, 502, 504],
  },
  deleteConnection: {
    method: 'DELETE',
    path: '/connections/:connectionId',
    summary: 'Remove a connection with its events, mappings, jobs and sync records',
    description:
      "Takes the connection's webhook out of pretix first; while pretix cannot be reached the connection stays (502) unless `force` is true, " +
      'and the answer then names the webhook to delete by hand.',
    tags: ['settings'],
    params: connectionParamsSchema,
    body: deleteConnectionRequestSchema,
    response: deleteConnectionResponseSchema,
    errors: [404, 409, 502, 504],
  },
  listEvents: {
    method: 'GET',
    path: '/connections/:connectionId/events',
    summary: "All of the organizer's pretix events with their sync settings, in one answer (the settings page filters and pages them)",
    tags: ['settings'],
    params: connectionParamsSchema,
    response: eventsResponseSchema,
    errors: [404, 409, 502, 504],
  },
  setAllEvents: {
    method: 'PUT',
    path: '/connections/:connectionId/all-events',
    summary: '"Sync every event of this organizer" on or off, with the mapping set new events get',
    description:
      'On: the pretix webhook covers all events (`all_events: true`, plus `pretix.event.added`), every event without settings here is ' +
      'enabled now, and new events are enabled as they appear (the reconcile sweep lists the events as a safety net). Off: the webhook ' +
      'covers the enabled events again; events enabled automatically keep syncing (`stillEnabled`) until disabled. 502 and nothing ' +
      'changed when pretix refuses or cannot be reached.',
    tags: ['settings'],
    params: connectionParamsSchema,
    body: setAllEventsRequestSchema,
    response: setAllEventsResponseSchema,
    errors: [404, 409, 502, 504],
  },
  setEventEnabled: {
    method: 'PUT',
    path: '/connections/:connectionId/events/:event',
    summary: 'Enable or disable sync for an event',
    tags: ['settings'],
    params: eventParamsSchema,
    body: setEventEnabledRequestSchema,
    response: setEventEnabledResponseSchema,
    errors: [404, 409, 502, 504],
  },
  getMappings: {
    method: 'GET',
    path: '/connections/:connectionId/events/:event/mappings',
    summary: "The event's object mappings, with type warnings when the catalogues can be loaded in time",
    tags: ['mappings'],
    params: eventParamsSchema,
    response: mappingsResponseSchema,
    errors: [404],
  },
  saveMappings: {
    method: 'PUT',
    path: '/connections/:connectionId/events/:event/mappings',
    summary: "Check and save the event's object mappings",
    description:
      'Every pretix field must exist in the event\'s source-field catalogue for the mapping\'s model and every HubSpot property for its ' +
      'object type; errors come as 400 `fieldErrors` keyed like `mappings.0.property_mappings.2.external_field`, type mismatches as `warnings`.',
    tags: ['mappings'],
    params: eventParamsSchema,
    body: saveMappingsInputSchema,
    docBody: saveMappingsRequestSchema,
    response: mappingsResponseSchema,
    errors: [404, 409, 502, 504],
  },
  listMappingSets: {
    method: 'GET',
    path: '/connections/:connectionId/mapping-sets',
    summary: "The connection's organizer-wide mapping sets, with the events that use each",
    tags: ['mappings'],
    params: connectionParamsSchema,
    response: mappingSetsResponseSchema,
    errors: [404],
  },
  saveMappingSet: {
    method: 'PUT',
    path: '/connections/:connectionId/mapping-sets/:set',
    summary: 'Create or replace a mapping set; the events that use it re-sync the mappings that changed',
    description:
      'Checked like an event\'s mappings against EVERY event that uses the set: errors come as 400 `fieldErrors` keyed ' +
      '`events.<slug>.mappings.0.property_mappings.2.pretix_field`, naming the event that lacks the field; nothing is saved then. ' +
      'After a save, every enabled event using the set starts a background backfill of the changed mappings (`resync.started`).',
    tags: ['mappings'],
    params: mappingSetParamsSchema,
    body: saveMappingSetInputSchema,
    docBody: saveMappingSetRequestSchema,
    response: saveMappingSetResponseSchema,
    errors: [404, 409, 502, 504],
  },
  deleteMappingSet: {
    method: 'DELETE',
    path: '/connections/:connectionId/mapping-sets/:set',
    summary: 'Delete a mapping set that nothing uses',
    description:
      'Refused with 409 `mapping_set_in_use` (naming the events) while events sync with the set, and with 409 `mapping_set_is_default` ' +
      'while "sync every event" gives it to new events; nothing changes then.',
    tags: ['mappings'],
    params: mappingSetParamsSchema,
    response: deleteMappingSetResponseSchema,
    errors: [404, 409],
  },
  copyMappingSet: {
    method: 'POST',
    path: '/connections/:connectionId/mapping-sets/:set/copy-from/:event',
    summary: 'Create or replace a mapping set with what the event syncs with now',
    tags: ['mappings'],
    params: copyMappingSetParamsSchema,
    body: copyMappingSetRequestSchema,
    response: saveMappingSetResponseSchema,
    errors: [404, 409, 502, 504],
  },
  assignMappingSet: {
    method: 'PUT',
    path: '/connections/:connectionId/events/:event/mapping-set',
    summary: 'Make the event sync with a mapping set (checked against the event), or with its own mappings (`set: null`)',
    tags: ['mappings'],
    params: eventParamsSchema,
    body: assignMappingSetRequestSchema,
    response: assignMappingSetResponseSchema,
    errors: [404, 409, 502, 504],
  },
  createMissingProperties: {
    method: 'POST',
    path: '/connections/:connectionId/events/:event/mappings/create-missing-properties',
    summary: 'Create the HubSpot properties the mappings name but the portal lacks',
    description:
      'Uses `mappings` from the body when given (the unsaved draft), else the saved mappings. Properties go into the "pretix" group ' +
      '(created first); identifiers become unique text properties; choice fields become enumerations with the value map\'s or pretix\'s options.',
    tags: ['mappings'],
    params: eventParamsSchema,
    body: createMissingPropertiesRequestSchema,
    response: createMissingPropertiesResponseSchema,
    errors: [404, 409, 502, 504],
  },
  getSourceFields: {
    method: 'GET',
    path: '/connections/:connectionId/events/:event/source-fields',
    summary: "The event's pretix source fields, grouped by category",
    tags: ['mappings'],
    params: eventParamsSchema,
    query: sourceFieldsQuerySchema,
    response: sourceFieldsResponseSchema,
    errors: [404, 409, 502, 504],
  },
  getHubSpotProperties: {
    method: 'GET',
    path: '/hubspot/properties/:objectType',
    summary: 'The writable HubSpot properties of an object type',
    tags: ['mappings'],
    params: objectTypeParamsSchema,
    response: hubspotPropertiesResponseSchema,
    errors: [409, 502, 504],
  },
  listSyncProblems: {
    method: 'GET',
    path: '/sync-problems',
    summary: "Orders whose sync stopped and waits for a person, newest first, with the portal's webhook lag (last hour) and queue backlog",
    tags: ['settings'],
    response: syncProblemsResponseSchema,
  },
  retrySyncProblem: {
    method: 'POST',
    path: '/sync-problems/retry',
    summary: 'Put a stopped sync back in the queue',
    tags: ['settings'],
    body: retryRequestSchema,
    response: syncOrderResponseSchema,
    status: 202,
    errors: [404, 409],
  },
  // Backfill ("sync all existing orders"), answered by the backfill runner; 'idle' before the first one.
  getBackfill: {
    method: 'GET',
    path: '/connections/:connectionId/events/:event/backfill',
    summary: "The event's backfill progress",
    tags: ['backfill'],
    params: eventParamsSchema,
    response: backfillProgressSchema,
    errors: [404],
  },
  startBackfill: {
    method: 'POST',
    path: '/connections/:connectionId/events/:event/backfill',
    summary: 'Start syncing all existing orders of the event',
    tags: ['backfill'],
    params: eventParamsSchema,
    response: backfillProgressSchema,
    errors: [404, 409],
  },
  cancelBackfill: {
    method: 'DELETE',
    path: '/connections/:connectionId/events/:event/backfill',
    summary: "Cancel the event's running backfill",
    tags: ['backfill'],
    params: eventParamsSchema,
    response: backfillProgressSchema,
    errors: [404],
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof API_ROUTES;
