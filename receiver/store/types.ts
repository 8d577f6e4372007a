// The records the receiver keeps, and the storage interface that sync/ and http/ depend on.
// Kept small on purpose so that a PostgreSQL implementation can sit beside the lowdb one.
import type { FailureClass } from '../domain/errors';
import type { ObjectMapping, HubSpotObjectType } from '../domain/mapping-schema';

/** A HubSpot account that installed the app through OAuth. Tokens are sealed by the SecretBox. */
export interface Installation {
  portalId: string;
  status: 'active' | 'uninstalled';
  accessTokenSealed: string | null;
  refreshTokenSealed: string | null;
  accessTokenExpiresAt: number;
  /** When the current access token was obtained (ms), to refresh a share of its lifetime before it expires. */
  accessTokenIssuedAt?: number;
  scopes: string[];
  installedAt: string;
  updatedAt: string;
  uninstalledReason?: string;
}

/** A portal's link to one pretix organizer. */
export interface Connection {
  id: string;
  portalId: string;
  /** pretix base URL without /api/v1, e.g. https://pretix.eu */
  baseUrl: string;
  organizer: string;
  apiTokenSealed: string;
  /** Keyed hash of the secret in the webhook URL; the secret itself is only kept sealed. */
  webhookTokenFingerprint: string;
  webhookTokenSealed: string;
  createdAt: string;
  /** "Sync every event of this organizer": the pretix webhook covers all events (`all_events: true`, plus
   * `pretix.event.added`), and events this receiver does not know yet are enabled as soon as they appear. */
  syncAllEvents?: boolean;
  /** The mapping set such automatically enabled events sync with; absent or null: the default mappings. */
  defaultMappingSetId?: string | null;
}

export interface EventConfig {
  connectionId: string;
  event: string;
  enabled: boolean;
  mappings: ObjectMapping[];
  /** pretix webhook id when we registered one through the API. */
  webhookId?: number | null;
  /** How pretix learns about this event's orders: our webhook registered through the API, or one a person added
   * by hand because the token may not manage webhooks. */
  webhookMode?: 'registered' | 'manual';
  /** Set when the last webhook change for this event could not be made in pretix: what the person must know. */
  webhookProblem?: string | null;
  /** The connection's mapping set this event syncs with; absent or null: the event's own `mappings`. Read an
   * event's mappings through effectiveMappings() (connections/effective-mappings.ts), never `mappings` directly. */
  mappingSetId?: string | null;
  /** The per-event switch "Marketing event in HubSpot" and which orders count (sync/participation.ts). */
  marketingEvent?: MarketingEventSettings;
  /** The HubSpot marketing events made for this event (one, or one per date of a series), by externalEventId. */
  marketingEvents?: Record<string, StoredMarketingEvent>;
  /** Why the marketing event is missing or stale (e.g. the portal did not grant the scopes); null when all is well. */
  marketingEventProblem?: string | null;
  /** pretix announced a change of the event or of some dates (webhook): their marketing events are refreshed, then
   * this is cleared. Stored before the webhook is acknowledged, so a restart still does it. */
  marketingRefreshDue?: MarketingRefreshDue | null;
  /** Enabled by "sync every event" (new in pretix, or listed when the option was turned on), not by a person. */
  autoEnabled?: boolean;
  updatedAt: string;
}

export interface MarketingEventSettings {
  enabled: boolean;
  /** Orders awaiting payment count as registered (default true: pretix's "placed"). */
  countPending?: boolean;
  /** Orders still waiting for the organizer's approval count (default false). */
  countApprovalPending?: boolean;
}

/** What a marketing-event refresh waits for: all of the event's marketing events, or those of some dates. */
export interface MarketingRefreshDue {
  requestedAt: string;
  /** New with every request: tells a request made while a refresh ran from the one it took (same millisecond too). */
  id: string;
  dates: 'all' | number[];
  /** Only if pretix no longer has the event (a deletion that named no event): one request for each event still there. */
  onlyIfGone?: boolean;
}

/** A HubSpot marketing event for a pretix event or one date (sub-event) of it. */
export interface StoredMarketingEvent {
  externalEventId: string;
  subeventId: number | null;
  /** HubSpot's id, used for record links and batch updates. */
  objectId: string;
  name: string;
  startDateTime?: string;
  endDateTime?: string;
  url?: string;
  state: 'active' | 'completed' | 'cancelled';
  syncedAt: string;
}

/** A person's participation in one marketing event, as last sent to HubSpot (per order, in its sync record). */
export interface Participation {
  externalEventId: string;
  /** Lower-cased: the attendee's email, else the buyer's. */
  email: string;
  state: 'registered' | 'attended' | 'cancelled';
  /** interactionDateTime sent (ms): the order's time, or the check-in's for attended. */
  at: number;
  /** Attended in HubSpot, but the check-in was reverted in pretix since: HubSpot has no way to un-attend. */
  reverted?: boolean;
}

/** Named object mappings of a connection that several events share (organizer-wide), same shape as an event's. */
export interface MappingSet {
  connectionId: string;
  /** A slug, unique within the connection. */
  id: string;
  name: string;
  mappings: ObjectMapping[];
  updatedAt: string;
}

export type JobState = 'pending' | 'in_flight' | 'failed';

export interface SyncJob {
  key: string;
  portalId: string;
  connectionId: string;
  event: string;
  code: string;
  state: JobState;
  /** The pretix actions (or 'manual', 'reconcile', 'backfill') that asked for this sync, newest last, capped. */
  triggers: string[];
  firstTriggeredAt: number;
  lastTriggeredAt: number;
  attempts: number;
  nextAttemptAt: number;
  inFlightSince?: number;
  /** A trigger arrived while the job was in flight: run it again afterwards. */
  rerun?: boolean;
  /**
   * When the oldest webhook not yet in HubSpot was acknowledged (its journal time, so it survives a restart):
   * what the lag is measured from. Other triggers (manual, reconcile, backfill) leave it alone.
   */
  webhookAckedAt?: number;
  /** The same for webhooks that arrived while the job was in flight: it becomes webhookAckedAt for the rerun. */
  rerunAckedAt?: number;
  failureClass?: FailureClass;
  lastError?: string;
  lastErrorAt?: number;
}

/** For a worker that shares the queue with other instances: it decided to claim on what it saw waiting, and another
 * instance may have taken that since, or be taking it now. Either way it claims nothing and decides again. */
export interface ClaimOptions {
  /** Claim nothing while another instance is claiming. */
  exclusive?: boolean;
  /** Claim nothing unless a job due since then (or earlier) still waits: the oldest the decision was taken on. */
  stillWaitingSince?: number;
}

/** The jobs claimDueJobs() would take now. */
export interface DueSummary {
  due: number;
  /** When the longest-waiting of them became due; null when none is. */
  oldestAt: number | null;
  /** The same among those with a trigger other than a check-in; null when only check-ins wait. */
  oldestPromptAt: number | null;
  /** The latest trigger of any of them. */
  newestAt: number | null;
}

export interface SyncedObject {
  mappingId: string;
  positionId: number | null;
  objectType: HubSpotObjectType;
  idProperty: string;
  idValue: string;
  hubspotId: string;
  created: boolean;
  /** What was planned for the object when this write reached HubSpot (sync/unchanged-objects.ts): the next sync
   * leaves an object planned the same way alone. Absent in records written before it existed: those write again. */
  fingerprint?: string;
}

/** The outcome of the last sync of one order: what the contact card shows. */
export interface SyncRecord {
  key: string;
  portalId: string;
  connectionId: string;
  event: string;
  code: string;
  /** Lower-cased order and attendee emails, to find the orders of a contact. */
  emails: string[];
  status: 'synced' | 'failed';
  orderLastModified?: string;
  syncedAt: string;
  objects: SyncedObject[];
  /** "fromType:fromId>toType:toId" pairs already associated, so a re-sync does not repeat them. */
  associations: string[];
  skipped: { mappingId: string; positionId: number | null; reason: string }[];
  /** Marketing-event participations of this order's tickets (absent when the event has no marketing event). */
  participation?: Participation[];
  failureClass?: FailureClass;
  lastError?: string;
}

/** "Sync all existing orders" of an event; persisted so that a restart resumes from the last finished page. */
export interface BackfillState {
  connectionId: string;
  event: string;
  state: 'running' | 'done' | 'canceled' | 'failed';
  /** Only these mappings (after a mapping change), or all of them. */
  mappingIds: string[] | null;
  /** The first page of the order list (ordered by creation time) not yet completely synced. */
  nextPage: number;
  total: number | null;
  processed: number;
  synced: number;
  skipped: number;
  failed: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** The reconcile sweep of one event: where it got to, and what it found last time. */
export interface SweepState {
  connectionId: string;
  event: string;
  /** pretix's X-Page-Generated of the last complete sweep: the next one lists orders modified since then. */
  watermark: string | null;
  lastSweepAt: string | null;
  lastFound: number;
  lastEnqueued: number;
  lastError: string | null;
}

export interface WebhookSyncedSample {
  portalId: string;
  /** From the acknowledgement of the oldest webhook the sync covered to the sync record's time. */
  lagMs: number;
  /** The sync record's time (ms). */
  at: number;
}

/** 'stale': what the delivery was judged on (WebhookBasis) no longer holds; nothing was stored. */
export type AcceptResult = 'queued' | 'merged' | 'duplicate' | 'stale';

/** What a webhook route judged a delivery on, checked again by acceptWebhook in the same step as the accept: the
 * connection still has this token's fingerprint, organizer and portal, and the trigger's event is still enabled.
 * A lookup served from a cache (findWebhookTarget's `mayUseCache`) is only as good as this check. */
export interface WebhookBasis {
  webhookFingerprint: string;
  organizer: string;
}

export interface WebhookTarget {
  connection: Connection;
  eventConfig: EventConfig | undefined;
}

export interface JobTrigger {
  portalId: string;
  connectionId: string;
  event: string;
  code: string;
  action: string;
}

export interface QueueCounts {
  pending: number;
  inFlight: number;
  failed: number;
  failedByClass: Record<FailureClass, number>;
  oldestPendingAt: number | null;
}

export type StoreKind = 'lowdb' | 'postgres';

export type StoreHealth = { ok: true; kind?: StoreKind } | { ok: false; reason: string; kind?: StoreKind };

export interface Store {
  // Installations (OAuth)
  getInstallation(portalId: string): Promise<Installation | undefined>;
  listInstallations(): Promise<Installation[]>;
  saveInstallation(installation: Installation): Promise<void>;

  // Connections and events
  getConnection(id: string): Promise<Connection | undefined>;
  findConnectionByWebhookFingerprint(fingerprint: string): Promise<Connection | undefined>;
  /** A webhook delivery's connection (by its token's fingerprint) and, when the delivery names one, that event's
   * configuration: what every delivery reads, in one lookup (one round trip on PostgreSQL). With `mayUseCache` the
   * answer may come from this process's memory and be out of date: only for a caller that hands acceptWebhook the
   * basis it judged on, and that looks again when the answer is 'stale'. */
  findWebhookTarget(fingerprint: string, event: string | undefined, options?: { mayUseCache?: boolean }): Promise<WebhookTarget | undefined>;
  listConnections(portalId?: string): Promise<Connection[]>;
  saveConnection(connection: Connection): Promise<void>;
  /** Removes the connection, its events, jobs and sync records (their lines leave the disk, see purgeSyncRecords). */
  deleteConnection(id: string): Promise<void>;
  getEventConfig(connectionId: string, event: string): Promise<EventConfig | undefined>;
  listEventConfigs(connectionId?: string): Promise<EventConfig[]>;
  saveEventConfig(config: EventConfig): Promise<void>;
  getMappingSet(connectionId: string, id: string): Promise<MappingSet | undefined>;
  listMappingSets(connectionId: string): Promise<MappingSet[]>;
  saveMappingSet(set: MappingSet): Promise<void>;
  /** Removes the set (callers make sure no event uses it first). */
  deleteMappingSet(connectionId: string, id: string): Promise<void>;

  // Queue
  /** Dedupes on notification id, merges into the order's pending job, and resolves once it is on disk. With a
   * `basis`, only while it still holds (checked atomically with the accept), else 'stale' and nothing is stored. */
  acceptWebhook(notificationKey: string, trigger: JobTrigger, now: number, basis?: WebhookBasis): Promise<AcceptResult>;
  /** Enqueues without a notification id (manual sync, reconcile, backfill). */
  enqueue(triggers: JobTrigger[], now: number): Promise<number>;
  /** Records orders that failed outside the queue (backfill, sweep) as jobs that already made one attempt. */
  enqueueFailed(
    failed: { trigger: JobTrigger; failure: { failureClass: FailureClass; message: string; nextAttemptAt: number | null } }[],
    now: number,
  ): Promise<void>;
  /**
   * Sync now: enqueues like enqueue() and, unless the job is in flight already, marks it in flight for the caller in
   * the same step (so the worker cannot take it first); resolves once on disk with the claimed job, or null.
   */
  enqueueClaimed(trigger: JobTrigger, now: number): Promise<SyncJob | null>;
  /** Marks up to `limit` due jobs in flight and returns them, oldest first. */
  claimDueJobs(now: number, limit: number, options?: ClaimOptions): Promise<SyncJob[]>;
  /** When the next job becomes due (for the worker's sleep), or null if none is pending. */
  nextDueAt(): Promise<number | null>;
  /** What waits to be claimed now, every instance's arrivals alike: what the flush policy decides on when several
   * instances share the queue. Of the `limit` longest-waiting jobs at most (a claim takes no more): a backlog of
   * thousands is not read in full at every look. */
  dueSummary(now: number, limit: number): Promise<DueSummary>;
  completeJobs(keys: string[], now: number): Promise<void>;
  failJob(key: string, failure: { failureClass: FailureClass; message: string; nextAttemptAt: number | null }, now: number): Promise<void>;
  /** Puts a failed (or waiting) job back in line now; false if there is no such job. */
  retryJob(key: string, now: number): Promise<boolean>;
  /** Jobs this process claimed go back in line as they were (a stop cut their sync short): no attempt is counted. */
  releaseJobs(keys: string[], now: number): Promise<void>;
  /** On start: jobs left in flight by a crash become pending again (retries are idempotent). */
  recoverInFlight(now: number): Promise<number>;
  /** Rewrites the last error of these jobs (a privacy deletion takes a person's email out); how many changed. */
  redactJobErrors(keys: string[], redact: (message: string) => string): Promise<number>;
  getJob(key: string): Promise<SyncJob | undefined>;
  listJobs(filter?: { portalId?: string; state?: JobState; connectionId?: string }): Promise<SyncJob[]>;
  queueCounts(portalId?: string): Promise<QueueCounts>;

  // Backfills and reconcile sweeps. Durable before visible: a saved state is returned by the getters only once it
  // is on disk, so what the API shows is never ahead of what a restart resumes from.
  getBackfill(connectionId: string, event: string): Promise<BackfillState | undefined>;
  listBackfills(): Promise<BackfillState[]>;
  saveBackfill(state: BackfillState): Promise<void>;
  getSweep(connectionId: string, event: string): Promise<SweepState | undefined>;
  saveSweep(state: SweepState): Promise<void>;

  // Sync records
  getSyncRecord(key: string): Promise<SyncRecord | undefined>;
  /** The records of these keys that exist, in one read (a batch's previous records: one round trip, not one per order). */
  getSyncRecords(keys: string[]): Promise<Map<string, SyncRecord>>;
  /** Also reports, for each synced record of an in-flight job with a webhook waiting, that webhook's lag. */
  putSyncRecords(records: SyncRecord[]): Promise<void>;
  /** Called for every webhook whose order reached HubSpot: ack → sync record time, per portal. */
  onWebhookSynced(listener: (sample: WebhookSyncedSample) => void): void;
  findSyncRecordsByEmails(portalId: string, emails: string[]): Promise<SyncRecord[]>;
  /** Scans a portal's records (read from disk): for rare requests such as a privacy deletion. */
  findSyncRecords(portalId: string, matches: (record: SyncRecord) => boolean): Promise<SyncRecord[]>;
  /** Deletes records (and replaces others with redacted copies), compacting the log, so that what they held is off the
   * disk once this resolves. */
  purgeSyncRecords(keys: string[], replacements?: SyncRecord[]): Promise<void>;

  /** Whether the last writes reached the disk: false while webhooks cannot be acknowledged (disk full, EIO…). */
  health(): StoreHealth;
  /** Waits until every change so far is on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const jobKey = (connectionId: string, event: string, code: string) => `${connectionId}:${event}:${code}`;
