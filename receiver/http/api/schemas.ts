// Request and response schemas of the signed card/settings API (`/api/v1/...`), one per contract type in
// src/app/shared/api-types.ts. Each schema is checked against its contract type at compile time (both directions,
// see `Same` below), and the OpenAPI document (../openapi.ts) is generated from these same schemas.
import { z } from 'zod';
import type * as Contract from '../../../src/app/shared/api-types';
import { eventSlugSchema, orderCodeSchema } from '../../domain/pretix-identifiers';
import { organizerSlugSchema, pretixBaseUrlSchema } from '../../domain/pretix-url';

// ---------- compile-time contract checks ----------

/** True only when A and B are the same type (not merely assignable one way). */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Fails to compile unless its argument is `true`. */
export function assertType<T extends true>(_proof?: T): void {}

// ---------- shared pieces ----------

export const orderStatusSchema = z.enum(['n', 'p', 'e', 'c']);
export const mappingModeSchema = z.enum(['overwrite', 'if_new', 'if_empty', 'append']);
export const pretixModelSchema = z.enum(['Order', 'OrderPosition']);
export const hubspotObjectTypeSchema = z.enum(['contacts', 'deals', 'companies']);
export const failureClassSchema = z.enum(['transient', 'permanent', 'config']);

export const apiErrorSchema = z
  .object({
    error: z.string(),
    message: z.string(),
    fieldErrors: z.record(z.string(), z.string()).optional(),
  })
  .meta({ description: 'Error body of every non-2xx answer; fieldErrors keys are dotted paths into the request body.' });
assertType<Same<z.infer<typeof apiErrorSchema>, Contract.ApiError>>();

// ---------- contact card ----------

export const syncedObjectLinkSchema = z.object({
  mappingId: z.string(),
  mappingLabel: z.string(),
  objectType: hubspotObjectTypeSchema,
  hubspotId: z.string(),
  url: z.string(),
});
assertType<Same<z.infer<typeof syncedObjectLinkSchema>, Contract.SyncedObjectLink>>();

export const orderSyncStateSchema = z.object({
  state: z.enum(['synced', 'pending', 'failed', 'not_synced']),
  syncedAt: z.string().nullable(),
  error: z.string().nullable(),
  failureLabel: z.string().nullable(),
  objects: z.array(syncedObjectLinkSchema),
});
assertType<Same<z.infer<typeof orderSyncStateSchema>, Contract.OrderSyncState>>();

export const cardPositionSchema = z.object({
  id: z.number().int(),
  positionid: z.number().int(),
  product: z.string(),
  attendeeName: z.string().nullable(),
  attendeeEmail: z.string().nullable(),
  price: z.string(),
  canceled: z.boolean(),
  answers: z.array(z.object({ question: z.string(), answer: z.string() })),
});
assertType<Same<z.infer<typeof cardPositionSchema>, Contract.CardPosition>>();

export const cardOrderSchema = z.object({
  connectionId: z.string(),
  event: z.object({ slug: z.string(), name: z.string() }),
  code: z.string(),
  status: orderStatusSchema,
  statusLabel: z.string(),
  total: z.string(),
  currency: z.string(),
  datetime: z.string(),
  positions: z.array(cardPositionSchema),
  pretixUrl: z.string(),
  sync: orderSyncStateSchema,
});
assertType<Same<z.infer<typeof cardOrderSchema>, Contract.CardOrder>>();

/** One or more values of a repeated query parameter. */
const repeated = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const MAX_CONTACT_EMAILS = 10;
export const contactOrdersQuerySchema = z.object({
  email: repeated(z.string().trim().toLowerCase().max(254))
    .optional()
    .transform((emails) => [...new Set((emails ?? []).filter((e) => e.includes('@')))].slice(0, MAX_CONTACT_EMAILS))
    .meta({ description: `The contact's email addresses (repeat the parameter; at most ${MAX_CONTACT_EMAILS} are used).` }),
});
export const contactOrdersParamsSchema = z.object({ contactId: z.string().regex(/^\d{1,20}$/, 'must be a HubSpot record id') });

export const contactOrdersResponseSchema = z.object({
  connected: z.boolean(),
  orders: z.array(cardOrderSchema),
  producedBy: z.array(z.string()),
  warnings: z.array(z.string()),
});
assertType<Same<z.infer<typeof contactOrdersResponseSchema>, Contract.ContactOrdersResponse>>();

const connectionIdSchema = z.string().min(1).max(64);

export const syncOrderRequestSchema = z.object({ connectionId: connectionIdSchema, event: eventSlugSchema, code: orderCodeSchema });
assertType<Same<z.infer<typeof syncOrderRequestSchema>, Contract.SyncOrderRequest>>();

export const syncOrderResponseSchema = z.object({ status: z.enum(['queued', 'merged']), message: z.string() });
assertType<Same<z.infer<typeof syncOrderResponseSchema>, Contract.SyncOrderResponse>>();

// ---------- settings page ----------

export const connectionSummarySchema = z.object({
  id: z.string(),
  baseUrl: z.string(),
  organizer: z.string(),
  createdAt: z.string(),
  webhookUrl: z.string(),
  syncAllEvents: z.boolean(),
  defaultMappingSetId: z.string().nullable(),
});
assertType<Same<z.infer<typeof connectionSummarySchema>, Contract.ConnectionSummary>>();



export const settingsResponseSchema = z.object({
  portalId: z.string(),
  connections: z.array(connectionSummarySchema),
  webhookActionTypes: z.array(z.string()),
});
assertType<Same<z.infer<typeof settingsResponseSchema>, Contract.SettingsResponse>>();

/** The contract shape (for the document); the handler validates with `createConnectionInputSchema`. */
export const createConnectionRequestSchema = z.object({ baseUrl: z.string(), organizer: z.string(), apiToken: z.string() });
assertType<Same<z.infer<typeof createConnectionRequestSchema>, Contract.CreateConnectionRequest>>();
export const createConnectionInputSchema = z.object({
  baseUrl: pretixBaseUrlSchema,
  organizer: organizerSlugSchema,
  apiToken: z.string().trim().min(16, 'looks too short for a pretix API token').max(200, 'looks too long for a pretix API token'),
});

export const createConnectionResponseSchema = z.object({ connection: connectionSummarySchema });
assertType<Same<z.infer<typeof createConnectionResponseSchema>, Contract.CreateConnectionResponse>>();

/** Not in the contract's types: `force` removes the connection even when its pretix webhook cannot be removed. */
export const deleteConnectionRequestSchema = z.object({ force: z.boolean().optional() });
export const deleteConnectionResponseSchema = z.object({ deleted: z.literal(true), message: z.string() });

export const eventSummarySchema = z.object({
  slug: z.string(),
  name: z.string(),
  dateFrom: z.string().nullable(),
  dateTo: z.string().nullable(),
  live: z.boolean(),
  testmode: z.boolean(),
  enabled: z.boolean(),
  mappingCount: z.number().int(),
  webhook: z.object({
    state: z.enum(['registered', 'manual', 'none']),
    id: z.number().int().nullable(),
    message: z.string().nullable(),
  }),
  mappingSetId: z.string().nullable().optional(),
  autoEnabled: z.boolean().optional(),
});
assertType<Same<z.infer<typeof eventSummarySchema>, Contract.EventSummary>>();

export const eventsResponseSchema = z.object({ events: z.array(eventSummarySchema) });
assertType<Same<z.infer<typeof eventsResponseSchema>, Contract.EventsResponse>>();

export const setEventEnabledRequestSchema = z.object({ enabled: z.boolean() });
assertType<Same<z.infer<typeof setEventEnabledRequestSchema>, Contract.SetEventEnabledRequest>>();
export const setEventEnabledResponseSchema = z.object({ event: eventSummarySchema });
assertType<Same<z.infer<typeof setEventEnabledResponseSchema>, Contract.SetEventEnabledResponse>>();

export const propertyMappingDtoSchema = z.object({
  pretix_field: z.string(),
  external_field: z.string(),
  value_map: z.string(),
  overwrite: mappingModeSchema,
});
assertType<Same<z.infer<typeof propertyMappingDtoSchema>, Contract.PropertyMappingDto>>();

export const objectMappingDtoSchema = z.object({
  id: z.union([z.number(), z.string()]),
  pretix_model: pretixModelSchema,
  external_object_type: hubspotObjectTypeSchema,
  pretix_id_field: z.string(),
  external_id_field: z.string(),
  property_mappings: z.array(propertyMappingDtoSchema),
  association_mappings: z.array(z.object({ via_mapping_id: z.union([z.number(), z.string()]) })),
});
assertType<Same<z.infer<typeof objectMappingDtoSchema>, Contract.ObjectMappingDto>>();

export const mappingsResponseSchema = z.object({
  mappings: z.array(objectMappingDtoSchema),
  warnings: z.record(z.string(), z.string()),
});
assertType<Same<z.infer<typeof mappingsResponseSchema>, Contract.MappingsResponse>>();

/** The contract shape; the handler validates the mappings with the sync engine's `objectMappingsSchema`. */
export const saveMappingsRequestSchema = z.object({ mappings: z.array(objectMappingDtoSchema) });
assertType<Same<z.infer<typeof saveMappingsRequestSchema>, Contract.SaveMappingsRequest>>();

export const mappingSetIdParamSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit');
export const mappingSetDtoSchema = z.object({
  id: z.string(),
  name: z.string(),
  mappings: z.array(objectMappingDtoSchema),
  events: z.array(z.string()),
  updatedAt: z.string(),
});
assertType<Same<z.infer<typeof mappingSetDtoSchema>, Contract.MappingSetDto>>();
export const mappingSetsResponseSchema = z.object({ sets: z.array(mappingSetDtoSchema) });
assertType<Same<z.infer<typeof mappingSetsResponseSchema>, Contract.MappingSetsResponse>>();
const setNameSchema = z.string().trim().min(1).max(100);
/** The contract shape; the handler validates the mappings with the sync engine's `objectMappingsSchema`. */
export const saveMappingSetRequestSchema = z.object({ name: setNameSchema.optional(), mappings: z.array(objectMappingDtoSchema) });
assertType<Same<z.infer<typeof saveMappingSetRequestSchema>, Contract.SaveMappingSetRequest>>();
export const saveMappingSetResponseSchema = z.object({
  set: mappingSetDtoSchema,
  warnings: z.record(z.string(), z.string()),
  resync: z.object({
    changedMappingIds: z.array(z.string()),
    started: z.array(z.string()),
    notStarted: z.array(z.object({ event: z.string(), reason: z.string() })),
  }),
});
assertType<Same<z.infer<typeof saveMappingSetResponseSchema>, Contract.SaveMappingSetResponse>>();
export const copyMappingSetRequestSchema = z.object({ name: setNameSchema.optional() });
assertType<Same<z.infer<typeof copyMappingSetRequestSchema>, Contract.CopyMappingSetRequest>>();
export const assignMappingSetRequestSchema = z.object({ set: mappingSetIdParamSchema.nullable() });
assertType<Same<z.infer<typeof assignMappingSetRequestSchema>, Contract.AssignMappingSetRequest>>();
export const assignMappingSetResponseSchema = z.object({ event: z.string(), mappingSetId: z.string().nullable(), changedMappingIds: z.array(z.string()) });
assertType<Same<z.infer<typeof assignMappingSetResponseSchema>, Contract.AssignMappingSetResponse>>();

export const deleteMappingSetResponseSchema = z.object({ deleted: z.string() });
assertType<Same<z.infer<typeof deleteMappingSetResponseSchema>, Contract.DeleteMappingSetResponse>>();

// "Sync every event of this organizer"
export const setAllEventsRequestSchema = z.object({ enabled: z.boolean(), defaultMappingSetId: mappingSetIdParamSchema.nullable().optional() });
assertType<Same<z.infer<typeof setAllEventsRequestSchema>, Contract.SetAllEventsRequest>>();
export const setAllEventsResponseSchema = z.object({
  connection: connectionSummarySchema,
  adopted: z.array(z.string()),
  stillEnabled: z.array(z.string()),
  leftDisabled: z.array(z.string()),
  message: z.string(),
});
assertType<Same<z.infer<typeof setAllEventsResponseSchema>, Contract.SetAllEventsResponse>>();

export const sourceFieldDtoSchema = z.object({
  key: z.string(),
  label: z.string(),
  displayLabel: z.string(),
  type: z.string(),
  typeLabel: z.string(),
  enumOptions: z.array(z.object({ value: z.string(), label: z.string() })).nullable(),
});
assertType<Same<z.infer<typeof sourceFieldDtoSchema>, Contract.SourceFieldDto>>();

export const sourceFieldsQuerySchema = z.object({ model: pretixModelSchema.optional() });
export const sourceFieldsResponseSchema = z.object({
  groups: z.array(z.object({ label: z.string(), fields: z.array(sourceFieldDtoSchema) })),
});
assertType<Same<z.infer<typeof sourceFieldsResponseSchema>, Contract.SourceFieldsResponse>>();

export const hubspotPropertyDtoSchema = z.object({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  displayLabel: z.string(),
  hasUniqueValue: z.boolean(),
  options: z.array(z.object({ label: z.string(), value: z.string() })),
});
assertType<Same<z.infer<typeof hubspotPropertyDtoSchema>, Contract.HubSpotPropertyDto>>();

export const hubspotPropertiesResponseSchema = z.object({ properties: z.array(hubspotPropertyDtoSchema) });
assertType<Same<z.infer<typeof hubspotPropertiesResponseSchema>, Contract.HubSpotPropertiesResponse>>();

/**
 * Not in the contract's types: optionally the unsaved mappings to create properties for. Without it, the event's
 * saved mappings are used (a mapping cannot be saved while it names a missing property, so the settings page
 * should send its draft).
 */
export const createMissingPropertiesRequestSchema = z.object({ mappings: z.array(objectMappingDtoSchema).max(50).optional() });

export const createMissingPropertiesResponseSchema = z.object({
  created: z.array(z.object({ objectType: hubspotObjectTypeSchema, name: z.string() })),
  existing: z.number().int(),
});
assertType<Same<z.infer<typeof createMissingPropertiesResponseSchema>, Contract.CreateMissingPropertiesResponse>>();

export const syncProblemSchema = z.object({
  key: z.string(),
  connectionId: z.string(),
  event: z.string(),
  code: z.string(),
  failureClass: failureClassSchema,
  failureLabel: z.string(),
  error: z.string(),
  attempts: z.number().int(),
  failedAt: z.string().nullable(),
});
assertType<Same<z.infer<typeof syncProblemSchema>, Contract.SyncProblem>>();

const millisecondsOrNull = z.number().nonnegative().nullable();
export const syncHealthSchema = z.object({
  lag: z.object({ count: z.number().int().nonnegative(), p50Ms: millisecondsOrNull, p95Ms: millisecondsOrNull, maxMs: millisecondsOrNull }),
  backlog: z.object({
    pending: z.number().int().nonnegative(),
    inFlight: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    oldestPendingAgeMs: millisecondsOrNull,
  }),
});
assertType<Same<z.infer<typeof syncHealthSchema>, Contract.SyncHealthDto>>();

export const syncProblemsResponseSchema = z.object({ problems: z.array(syncProblemSchema), health: syncHealthSchema });
assertType<Same<z.infer<typeof syncProblemsResponseSchema>, Contract.SyncProblemsResponse>>();

export const retryRequestSchema = z.object({ key: z.string().min(1).max(400) });
assertType<Same<z.infer<typeof retryRequestSchema>, Contract.RetryRequest>>();

export const backfillProgressSchema = z.object({
  state: z.enum(['idle', 'running', 'done', 'canceled', 'failed']),
  total: z.number().int().nullable(),
  processed: z.number().int(),
  synced: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  ratePerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  error: z.string().nullable(),
});
assertType<Same<z.infer<typeof backfillProgressSchema>, Contract.BackfillProgress>>();

// ---------- path parameters and the signed portal ----------

export const connectionParamsSchema = z.object({ connectionId: connectionIdSchema });
export const eventParamsSchema = z.object({ connectionId: connectionIdSchema, event: eventSlugSchema });
export const mappingSetParamsSchema = z.object({ connectionId: connectionIdSchema, set: mappingSetIdParamSchema });
export const copyMappingSetParamsSchema = mappingSetParamsSchema.extend({ event: eventSlugSchema });
export const objectTypeParamsSchema = z.object({ objectType: hubspotObjectTypeSchema });

/** `portalId` as HubSpot appends it (and as the UI sends it): every value must be the same numeric id. */
export const portalQuerySchema = z.object({
  portalId: z
    .union([z.string(), z.array(z.string())])
    .meta({ description: 'The HubSpot account id; HubSpot appends it to signed requests. Repeated values must agree.' }),
});
