// The receiver's card and settings API as seen by the HubSpot app: types only (no runtime code), so the UI
// extensions share the contract without bundling receiver code. The receiver validates the same shapes with zod
// (receiver/http/api/schemas.ts) and checks them against these types at compile time.
//
// Every request goes through hubspot.fetch to `${RECEIVER_URL}/api/v1/...` and is signed by HubSpot
// (X-HubSpot-Signature-v3). The portal is taken from the signed `portalId` query parameter, never from a body.

export type OrderStatus = 'n' | 'p' | 'e' | 'c';
export type MappingMode = 'overwrite' | 'if_new' | 'if_empty' | 'append';
export type PretixModel = 'Order' | 'OrderPosition';
export type HubSpotObjectType = 'contacts' | 'deals' | 'companies';
export type FailureClass = 'transient' | 'permanent' | 'config';

/** Error body of every non-2xx answer. `fieldErrors` keys are dotted paths into the request body. */
export interface ApiError {
  error: string;
  message: string;
  fieldErrors?: Record<string, string>;
}

// ---------- contact card ----------

export interface SyncedObjectLink {
  mappingId: string;
  /** e.g. "Order → Contacts by email" */
  mappingLabel: string;
  objectType: HubSpotObjectType;
  hubspotId: string;
  url: string;
}

export interface OrderSyncState {
  state: 'synced' | 'pending' | 'failed' | 'not_synced';
  syncedAt: string | null;
  error: string | null;
  /** Human label of the failure class, e.g. "Misconfiguration, please check …". */
  failureLabel: string | null;
  objects: SyncedObjectLink[];
}

export interface CardPosition {
  id: number;
  positionid: number;
  product: string;
  attendeeName: string | null;
  attendeeEmail: string | null;
  price: string;
  canceled: boolean;
  /** Answers as synced: question text and the answer text. */
  answers: { question: string; answer: string }[];
}

export interface CardOrder {
  connectionId: string;
  event: { slug: string; name: string };
  code: string;
  status: OrderStatus;
  /** "Paid", "Pending", "Expired", "Canceled" */
  statusLabel: string;
  total: string;
  currency: string;
  /** ISO 8601 */
  datetime: string;
  positions: CardPosition[];
  /** The order in pretix's backend. */
  pretixUrl: string;
  sync: OrderSyncState;
}

/** GET /api/v1/contacts/:contactId/orders?email=a@x&email=b@y (emails of the contact, from CRM properties) */
export interface ContactOrdersResponse {
  /** False until the portal has a pretix connection: the card then points to the settings page. */
  connected: boolean;
  orders: CardOrder[];
  /** Mappings that wrote this contact, e.g. ["Order → Contacts by email"]. */
  producedBy: string[];
  /** Orders that could not be loaded from pretix (organizer unreachable…), so the card can say so. */
  warnings: string[];
}

/** POST /api/v1/orders/sync */
export interface SyncOrderRequest {
  connectionId: string;
  event: string;
  code: string;
}
export interface SyncOrderResponse {
  status: 'queued' | 'merged';
  message: string;
}

// ---------- settings page ----------

export interface ConnectionSummary {
  id: string;
  baseUrl: string;
  organizer: string;
  createdAt: string;
  /** The URL to register in pretix when automatic registration is not possible. */
  webhookUrl: string;
  /** "Sync every event of this organizer": new events are enabled as they appear, with `defaultMappingSetId`. */
  syncAllEvents: boolean;
  /** The mapping set automatically enabled events sync with; null: the default mappings. */
  defaultMappingSetId: string | null;
}

/** DELETE /api/v1/connections/:connectionId/mapping-sets/:set (409 while events use it) */
export interface DeleteMappingSetResponse {
  deleted: string;
}

/** PUT /api/v1/connections/:connectionId/all-events */
export interface SetAllEventsRequest {
  enabled: boolean;
  /** Omitted: keep the current default set; null: the default mappings. */
  defaultMappingSetId?: string | null;
}
export interface SetAllEventsResponse {
  connection: ConnectionSummary;
  adopted: string[];
  stillEnabled: string[];
  leftDisabled: string[];
  message: string;
}

export interface SettingsResponse {
  portalId: string;
  connections: ConnectionSummary[];
  /** The order action types a pretix webhook must send. */
  webhookActionTypes: string[];
}

/** POST /api/v1/connections (test and save) — 400 with fieldErrors baseUrl / organizer / apiToken */
export interface CreateConnectionRequest {
  baseUrl: string;
  organizer: string;
  apiToken: string;
}
export interface CreateConnectionResponse {
  connection: ConnectionSummary;
}

export interface EventSummary {
  slug: string;
  name: string;
  dateFrom: string | null;
  dateTo: string | null;
  live: boolean;
  testmode: boolean;
  enabled: boolean;
  mappingCount: number;
  webhook: { state: 'registered' | 'manual' | 'none'; id: number | null; message: string | null };
  /** The organizer-wide mapping set the event syncs with; absent or null: its own mappings. */
  mappingSetId?: string | null;
  /** Enabled by "sync every event of this organizer" rather than by a person. */
  autoEnabled?: boolean;
}

/** GET /api/v1/connections/:connectionId/events */
export interface EventsResponse {
  events: EventSummary[];
}

/** PUT /api/v1/connections/:connectionId/events/:event  { enabled } */
export interface SetEventEnabledRequest {
  enabled: boolean;
}
export interface SetEventEnabledResponse {
  event: EventSummary;
}

export interface PropertyMappingDto {
  pretix_field: string;
  external_field: string;
  /** JSON-encoded object of option identifier → HubSpot value, or "" (pretix's own format). */
  value_map: string;
  overwrite: MappingMode;
}

export interface ObjectMappingDto {
  id: number | string;
  pretix_model: PretixModel;
  external_object_type: HubSpotObjectType;
  pretix_id_field: string;
  external_id_field: string;
  property_mappings: PropertyMappingDto[];
  association_mappings: { via_mapping_id: number | string }[];
}

/** GET / PUT /api/v1/connections/:connectionId/events/:event/mappings — PUT answers 400 with fieldErrors
 *  keyed like "mappings.0.property_mappings.2.external_field". */
export interface MappingsResponse {
  mappings: ObjectMappingDto[];
  /** Per mapping and row: incompatible type hints, keyed like the fieldErrors. */
  warnings: Record<string, string>;
}
export interface SaveMappingsRequest {
  mappings: ObjectMappingDto[];
}

export interface SourceFieldDto {
  key: string;
  label: string;
  /** "Order code [Text (one line)]" */
  displayLabel: string;
  type: string;
  typeLabel: string;
  enumOptions: { value: string; label: string }[] | null;
}

/** GET /api/v1/connections/:connectionId/events/:event/source-fields?model=Order|OrderPosition */
export interface SourceFieldsResponse {
  groups: { label: string; fields: SourceFieldDto[] }[];
}

export interface HubSpotPropertyDto {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  /** "First name (firstname | string)" */
  displayLabel: string;
  hasUniqueValue: boolean;
  options: { label: string; value: string }[];
}

/** GET /api/v1/hubspot/properties/:objectType */
export interface HubSpotPropertiesResponse {
  properties: HubSpotPropertyDto[];
}

/** POST /api/v1/connections/:connectionId/events/:event/mappings/create-missing-properties */
export interface CreateMissingPropertiesResponse {
  created: { objectType: HubSpotObjectType; name: string }[];
  existing: number;
}

export interface SyncProblem {
  key: string;
  connectionId: string;
  event: string;
  code: string;
  failureClass: FailureClass;
  failureLabel: string;
  error: string;
  attempts: number;
  /** ISO 8601 */
  failedAt: string | null;
}

/** How far behind the portal's sync is: webhook lag over the last hour and the queue backlog. */
export interface SyncHealthDto {
  /** From a webhook's acknowledgement to its order being in HubSpot; null values when no webhook synced. */
  lag: { count: number; p50Ms: number | null; p95Ms: number | null; maxMs: number | null };
  backlog: { pending: number; inFlight: number; failed: number; oldestPendingAgeMs: number | null };
}

/** GET /api/v1/sync-problems ; POST /api/v1/sync-problems/retry { key } */
export interface SyncProblemsResponse {
  problems: SyncProblem[];
  health: SyncHealthDto;
}
export interface RetryRequest {
  key: string;
}

/** GET /api/v1/connections/:connectionId/events/:event/backfill ; POST … to start, DELETE to cancel */
export interface BackfillProgress {
  state: 'idle' | 'running' | 'done' | 'canceled' | 'failed';
  total: number | null;
  processed: number;
  synced: number;
  skipped: number;
  failed: number;
  startedAt: string | null;
  finishedAt: string | null;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  error: string | null;
}

/** An organizer-wide mapping set of a connection, with the events that use it. */
export interface MappingSetDto {
  id: string;
  name: string;
  mappings: ObjectMappingDto[];
  events: string[];
  updatedAt: string;
}

/** GET /api/v1/connections/:connectionId/mapping-sets */
export interface MappingSetsResponse {
  sets: MappingSetDto[];
}

/** PUT /api/v1/connections/:connectionId/mapping-sets/:set */
export interface SaveMappingSetRequest {
  name?: string;
  mappings: ObjectMappingDto[];
}

/** The saved set; its events re-sync the changed mappings in the background (`resync.started`). */
export interface SaveMappingSetResponse {
  set: MappingSetDto;
  warnings: Record<string, string>;
  resync: { changedMappingIds: string[]; started: string[]; notStarted: { event: string; reason: string }[] };
}

/** POST /api/v1/connections/:connectionId/mapping-sets/:set/copy-from/:event */
export interface CopyMappingSetRequest {
  name?: string;
}

/** PUT /api/v1/connections/:connectionId/events/:event/mapping-set  (`set: null`: the event's own mappings) */
export interface AssignMappingSetRequest {
  set: string | null;
}
export interface AssignMappingSetResponse {
  event: string;
  mappingSetId: string | null;
  /** Mappings that differ from what the event synced with before: a backfill of them applies the change. */
  changedMappingIds: string[];
}
