// What the store's files hold, as zod schemas: the state file is read through them, journal and sync-record lines
// are checked with them at start (not on the acknowledgement path). Objects are loose: a field this version does not
// know is kept, not stripped, so a rewrite never loses what another version put there.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DamagedStateError, issueText } from './damaged-state';
import type { JournalEntry } from './journal-entry';
import type { BackfillState, Connection, EventConfig, Installation, JobTrigger, MappingSet, SweepState, SyncJob, SyncRecord } from './types';

const failureClass = z.enum(['transient', 'permanent', 'config']);
const count = z.number().int().nonnegative();

const installationSchema: z.ZodType<Installation> = z.looseObject({
  portalId: z.string(),
  status: z.enum(['active', 'uninstalled']),
  accessTokenSealed: z.string().nullable(),
  refreshTokenSealed: z.string().nullable(),
  accessTokenExpiresAt: z.number(),
  accessTokenIssuedAt: z.number().optional(),
  scopes: z.array(z.string()),
  installedAt: z.string(),
  updatedAt: z.string(),
  uninstalledReason: z.string().optional(),
});

const connectionSchema: z.ZodType<Connection> = z.looseObject({
  id: z.string(),
  portalId: z.string(),
  baseUrl: z.string(),
  organizer: z.string(),
  apiTokenSealed: z.string(),
  webhookTokenFingerprint: z.string(),
  webhookTokenSealed: z.string(),
  createdAt: z.string(),
  syncAllEvents: z.boolean().optional(),
  defaultMappingSetId: z.string().nullable().optional(),
});

const eventConfigSchema = z.looseObject({
  connectionId: z.string(),
  event: z.string(),
  enabled: z.boolean(),
  // Checked for shape only: the mapping rules are the API's (they may tighten), and a stored mapping that an older
  // version accepted must not stop the receiver; the settings page shows and fixes it.
  mappings: z.array(z.looseObject({ id: z.union([z.number(), z.string()]) })),
  webhookId: z.number().nullable().optional(),
  webhookMode: z.enum(['registered', 'manual']).optional(),
  webhookProblem: z.string().nullable().optional(),
  mappingSetId: z.string().nullable().optional(),
  autoEnabled: z.boolean().optional(),
  updatedAt: z.string(),
}) as unknown as z.ZodType<EventConfig>;

const mappingSetSchema = z.looseObject({
  connectionId: z.string(),
  id: z.string(),
  name: z.string(),
  // Shape only, like an event's mappings (see above).
  mappings: z.array(z.looseObject({ id: z.union([z.number(), z.string()]) })),
  updatedAt: z.string(),
}) as unknown as z.ZodType<MappingSet>;

const syncJobSchema: z.ZodType<SyncJob> = z.looseObject({
  key: z.string(),
  portalId: z.string(),
  connectionId: z.string(),
  event: z.string(),
  code: z.string(),
  state: z.enum(['pending', 'in_flight', 'failed']),
  triggers: z.array(z.string()),
  firstTriggeredAt: z.number(),
  lastTriggeredAt: z.number(),
  attempts: count,
  nextAttemptAt: z.number(),
  inFlightSince: z.number().optional(),
  rerun: z.boolean().optional(),
  webhookAckedAt: z.number().optional(),
  rerunAckedAt: z.number().optional(),
  failureClass: failureClass.optional(),
  lastError: z.string().optional(),
  lastErrorAt: z.number().optional(),
});

const backfillSchema: z.ZodType<BackfillState> = z.looseObject({
  connectionId: z.string(),
  event: z.string(),
  state: z.enum(['running', 'done', 'canceled', 'failed']),
  mappingIds: z.array(z.string()).nullable(),
  nextPage: z.number().int(),
  total: z.number().nullable(),
  processed: z.number(),
  synced: z.number(),
  skipped: z.number(),
  failed: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});

const sweepSchema: z.ZodType<SweepState> = z.looseObject({
  connectionId: z.string(),
  event: z.string(),
  watermark: z.string().nullable(),
  lastSweepAt: z.string().nullable(),
  lastFound: z.number(),
  lastEnqueued: z.number(),
  lastError: z.string().nullable(),
});

export const CURRENT_SCHEMA_VERSION = 1;

const collection = <T>(item: z.ZodType<T>) => z.record(z.string(), item).default({});

/** The state file of the current schema version. Collections an earlier version did not have default to empty. */
export const mainDataSchema = z.looseObject({
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  installations: collection(installationSchema),
  connections: collection(connectionSchema),
  events: collection(eventConfigSchema),
  /** Organizer-wide mapping sets, keyed "<connection id>:<set id>" (absent in files written before them). */
  mappingSets: collection(mappingSetSchema),
  jobs: collection(syncJobSchema),
  /** pretix notification ids seen per connection, in hourly buckets (see seen-notifications.ts). */
  seen: z.record(z.string(), z.record(z.string(), z.array(z.number().int()))).default({}),
  backfills: collection(backfillSchema),
  sweeps: collection(sweepSchema),
  /** Journal segments from this number on are not yet in this file (see queue-journal.ts). */
  journalSegment: count.default(0),
  /** Set once every journal segment from `journalSegment` on starts with a header line, so an emptied or missing
   * segment can be told from one that simply had no entries (see queue-journal.ts). */
  journalHeaders: z.literal(true).optional(),
});
export type MainData = z.infer<typeof mainDataSchema>;

/**
 * Migrations from each older schema version to the next: `MIGRATIONS[n]` turns a version-n file into version n+1.
 * There is only version 1 so far. When the state file's shape changes incompatibly, raise CURRENT_SCHEMA_VERSION,
 * add the step here and a test that reads a file of the old version.
 */
export type Migrations = Record<number, (data: Record<string, unknown>) => Record<string, unknown>>;
const MIGRATIONS: Migrations = {};

/**
 * A state file's content brought from `schemaVersion` up to `current`, one step at a time, or the reason it cannot
 * be: no version, a newer one, or a missing step. Exported with its parameters for the tests of the seam.
 */
export function migrateMainData(
  data: Record<string, unknown>,
  migrations: Migrations = MIGRATIONS,
  current = CURRENT_SCHEMA_VERSION,
): { ok: true; data: Record<string, unknown> } | { ok: false; reason: string } {
  let version = data.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, reason: `schemaVersion is missing or not a version number (${JSON.stringify(version) ?? 'absent'})` };
  }
  if (version > current) {
    return { ok: false, reason: `written by a newer version of the receiver (schemaVersion ${version}; this one reads up to ${current})` };
  }
  let migrated = data;
  while (version < current) {
    const step = migrations[version];
    if (!step) return { ok: false, reason: `no migration from schemaVersion ${version}` };
    migrated = { ...step(migrated), schemaVersion: version + 1 };
    version += 1;
  }
  return { ok: true, data: migrated };
}

/**
 * The state of a data file that does not exist yet. Without journalHeaders: segments found beside it may come from a
 * version before headers (a crash before its first checkpoint); the first checkpoint sets it.
 */
export function emptyMainData(): MainData {
  return mainDataSchema.parse({ schemaVersion: CURRENT_SCHEMA_VERSION });
}

const refuse = (file: string, reason: string) => new DamagedStateError([{ file, lines: [], reason, skipped: [] }], false);

/**
 * Reads and checks the state file: absent → a fresh state; older → migrated in memory (written at the next
 * checkpoint); newer, unparsable or of the wrong shape → DamagedStateError, and the file is not touched.
 */
export async function readMainData(file: string): Promise<MainData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyMainData();
    throw refuse(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw refuse(file, text.trim() === '' ? 'the file is empty' : `not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw refuse(file, `expected a JSON object, found ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  }
  const migrated = migrateMainData(raw as Record<string, unknown>);
  if (!migrated.ok) throw refuse(file, migrated.reason);
  const data = migrated.data;
  const parsed = mainDataSchema.safeParse(data);
  if (!parsed.success) throw refuse(file, `not a valid state file (${issueText(parsed.error)})`);
  return parsed.data;
}

const triggerSchema: z.ZodType<JobTrigger> = z.looseObject({
  portalId: z.string(),
  connectionId: z.string(),
  event: z.string(),
  code: z.string(),
  action: z.string(),
});

/** An acknowledged webhook. The notification key is "<connection id>:<pretix notification id>". */
const webhookEntrySchema = z.looseObject({
  kind: z.literal('webhook').optional(),
  notificationKey: z.string().regex(/^.+:\d+$/, 'expected "<connection id>:<notification id>"'),
  trigger: triggerSchema,
  at: z.number(),
});

const progressEntrySchemas = {
  backfill: z.looseObject({ kind: z.literal('backfill'), state: backfillSchema }),
  sweep: z.looseObject({ kind: z.literal('sweep'), state: sweepSchema }),
};

/**
 * The schema for a parsed journal line, chosen by its `kind` (a webhook has none, its original shape, or "webhook"),
 * so that a damaged line is reported with what is wrong in it rather than "matches none of three shapes".
 */
export function journalEntrySchemaFor(raw: unknown): z.ZodType<JournalEntry> {
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  if (kind === 'backfill' || kind === 'sweep') return progressEntrySchemas[kind] as z.ZodType<JournalEntry>;
  return webhookEntrySchema;
}

/** What the first line of every journal segment says after its "#journal " prefix (see journal-replay.ts). */
export const journalHeaderSchema = z.object({ version: z.literal(1), segment: count });

const syncedObjectSchema = z.looseObject({
  mappingId: z.string(),
  positionId: z.number().nullable(),
  objectType: z.string(),
  idProperty: z.string(),
  idValue: z.string(),
  hubspotId: z.string(),
  created: z.boolean(),
  fingerprint: z.string().optional(),
});

const syncRecordSchema = z.looseObject({
  key: z.string(),
  portalId: z.string(),
  connectionId: z.string(),
  event: z.string(),
  code: z.string(),
  emails: z.array(z.string()),
  status: z.enum(['synced', 'failed']),
  orderLastModified: z.string().optional(),
  syncedAt: z.string(),
  objects: z.array(syncedObjectSchema),
  associations: z.array(z.string()),
  skipped: z.array(z.looseObject({ mappingId: z.string(), positionId: z.number().nullable(), reason: z.string() })),
  failureClass: failureClass.optional(),
  lastError: z.string().optional(),
}) as unknown as z.ZodType<SyncRecord>;

/** A line of the sync-record log: a record, or the deletion of one. */
export const recordLogLineSchema = z.union([z.object({ key: z.string(), deleted: z.literal(true) }), syncRecordSchema]);
