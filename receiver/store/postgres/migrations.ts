// The PostgreSQL schema, as numbered migrations applied in order at start. Each runs once (schema_migrations
// records it), all of them in one transaction under a transaction-level advisory lock: instances starting at the
// same moment queue up behind the first, which applies what is missing; the others then find nothing to do.
import type pg from 'pg';
import { inTransaction } from './pool';

/** Any constant; the same in every instance (pg_advisory_xact_lock's key). */
const MIGRATION_LOCK_KEY = 7_302_118_011;

// No foreign keys to connections: a removal deletes what belongs to it in one transaction (deleteConnection), and
// a save racing it must not fail the save (the lowdb store accepts it the same way).
// Records are kept as JSON documents (`data`), with the columns that queries filter, sort or constrain on beside
// them: the Store interface reads whole records, and the documents keep the lowdb and PostgreSQL shapes one.
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE installations (
        portal_id text PRIMARY KEY,
        data jsonb NOT NULL
      );
      CREATE TABLE connections (
        id text PRIMARY KEY,
        portal_id text NOT NULL,
        webhook_fingerprint text NOT NULL UNIQUE,
        created_at text NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX connections_portal ON connections (portal_id);
      CREATE TABLE event_configs (
        connection_id text NOT NULL,
        event text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (connection_id, event)
      );
      CREATE TABLE mapping_sets (
        connection_id text NOT NULL,
        id text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (connection_id, id)
      );
      CREATE TABLE backfills (
        connection_id text NOT NULL,
        event text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (connection_id, event)
      );
      CREATE TABLE sweeps (
        connection_id text NOT NULL,
        event text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (connection_id, event)
      );
      -- pretix's notification ids already taken in: the primary key is the dedupe across instances.
      CREATE TABLE seen_notifications (
        connection_id text NOT NULL,
        notification_id bigint NOT NULL,
        seen_at bigint NOT NULL,
        PRIMARY KEY (connection_id, notification_id)
      );
      CREATE INDEX seen_notifications_age ON seen_notifications (seen_at);
      -- One job per order (the key): the primary key is "one pending job per order" across instances.
      CREATE TABLE jobs (
        key text PRIMARY KEY,
        portal_id text NOT NULL,
        connection_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'in_flight', 'failed')),
        next_attempt_at bigint NOT NULL,
        first_triggered_at bigint NOT NULL,
        failure_class text,
        claimed_by text,
        claim_expires_at bigint,
        data jsonb NOT NULL
      );
      CREATE INDEX jobs_due ON jobs (next_attempt_at) WHERE state = 'pending';
      CREATE INDEX jobs_claims ON jobs (claim_expires_at) WHERE state = 'in_flight';
      CREATE INDEX jobs_portal ON jobs (portal_id, state);
      CREATE INDEX jobs_connection ON jobs (connection_id);
      CREATE TABLE sync_records (
        key text PRIMARY KEY,
        portal_id text NOT NULL,
        connection_id text NOT NULL,
        emails text[] NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX sync_records_portal ON sync_records (portal_id);
      CREATE INDEX sync_records_emails ON sync_records USING gin (emails);
      CREATE INDEX sync_records_connection ON sync_records (connection_id);
      -- OAuth states by their hash, so that HubSpot's redirect may land on any instance.
      CREATE TABLE oauth_states (
        state_hash text PRIMARY KEY,
        expires_at bigint NOT NULL,
        used_at bigint
      );
      -- Imports by "pretix-hubspot store migrate": the source file's hash, so that one file is imported once.
      CREATE TABLE imports (
        source_hash text PRIMARY KEY,
        source_path text NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        counts jsonb NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'accept_webhooks',
    // Takes in a batch of webhooks in one statement (one round trip, one commit), item by item in the batch's order,
    // each as acceptWebhook's transaction does: the notification id first (the dedupe), then a new job for the order.
    // An order that already has a job is not merged here (the merge rules live in job-transitions.ts): its
    // notification id is taken back out in the same statement, so nothing of it is committed, and the caller takes
    // it in through the transaction that merges.
    sql: `
      CREATE FUNCTION accept_webhooks(items jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
      DECLARE
        item jsonb;
        results text[] := '{}';
      BEGIN
        FOR item IN SELECT e.value FROM jsonb_array_elements(items) WITH ORDINALITY AS e(value, n) ORDER BY e.n LOOP
          INSERT INTO seen_notifications (connection_id, notification_id, seen_at)
            VALUES (item->>'connectionId', (item->>'notificationId')::bigint, (item->>'now')::bigint)
            ON CONFLICT DO NOTHING;
          IF NOT FOUND THEN
            results := results || 'duplicate'::text;
            CONTINUE;
          END IF;
          INSERT INTO jobs (key, portal_id, connection_id, state, next_attempt_at, first_triggered_at, data)
            VALUES (item->>'key', item->>'portalId', item->>'connectionId', 'pending', (item->>'nextAttemptAt')::bigint,
                    (item->>'firstTriggeredAt')::bigint, item->'job')
            ON CONFLICT (key) DO NOTHING;
          IF FOUND THEN
            results := results || 'queued'::text;
          ELSE
            DELETE FROM seen_notifications
              WHERE connection_id = item->>'connectionId' AND notification_id = (item->>'notificationId')::bigint;
            results := results || 'exists'::text;
          END IF;
        END LOOP;
        RETURN results;
      END
      $$;
    `,
  },
  {
    version: 3,
    name: 'webhook basis, set-based accept',
    // Two changes to the intake's one statement. A delivery judged on a cached lookup (config-tables.ts) is taken in
    // only while what it was judged on still holds: the rule of store/webhook-basis.ts, checked in the statement
    // that takes it in ('stale' otherwise; items without a basis, as an instance of the previous version sends them,
    // are taken in as before). And a batch is taken in by a few set-based statements instead of two or three per
    // item (measured: PostgreSQL's CPU per delivery stayed about the same; what it buys is the key order below), with
    // the same answers:
    // the first item of a notification id takes it (later ones of the batch are 'duplicate', or go the merging way
    // with it); of those, the first of an order makes its job ('queued'); the others are 'exists', and their
    // notification ids are taken back out, so that nothing of them is committed and the caller merges them.
    // Rows are written in key order, so two instances' batches lock them in the same order.
    sql: `
      CREATE FUNCTION webhook_basis_holds(p_connection text, p_portal text, p_event text, p_fingerprint text, p_organizer text)
      RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT EXISTS (
          SELECT 1 FROM connections c
            JOIN event_configs e ON e.connection_id = c.id AND e.event = p_event
           WHERE c.id = p_connection AND c.portal_id = p_portal AND c.webhook_fingerprint = p_fingerprint
             AND c.data->>'organizer' = p_organizer AND e.data->'enabled' = 'true'::jsonb)
      $$;
      CREATE OR REPLACE FUNCTION accept_webhooks(items jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
      DECLARE
        results text[];
        back_connections text[];
        back_notifications bigint[];
      BEGIN
        WITH raw AS (
          SELECT e.n, i."connectionId" AS cid, i."notificationId" AS nid, i.now, i.key, i."portalId" AS portal, i.event,
                 i."nextAttemptAt" AS next_at, i."firstTriggeredAt" AS first_at, i.job,
                 i.basis->>'webhookFingerprint' AS fingerprint, i.basis->>'organizer' AS organizer, i.basis IS NOT NULL AS has_basis
            FROM jsonb_array_elements(items) WITH ORDINALITY AS e(value, n),
                 LATERAL jsonb_to_record(e.value) AS i("connectionId" text, "notificationId" bigint, now bigint, key text,
                 "portalId" text, event text, "nextAttemptAt" bigint, "firstTriggeredAt" bigint, job jsonb, basis jsonb)
        ),
        -- A burst's items mostly share one basis: each distinct one is checked once.
        bases AS (
          SELECT cid, portal, event, fingerprint, organizer, webhook_basis_holds(cid, portal, event, fingerprint, organizer) AS holds
            FROM (SELECT DISTINCT cid, portal, event, fingerprint, organizer FROM raw WHERE has_basis) d
        ),
        input AS (
          SELECT r.*, (NOT r.has_basis OR b.holds) AS holds
            FROM raw r LEFT JOIN bases b
              ON r.has_basis AND b.cid = r.cid AND b.portal = r.portal AND b.event = r.event AND b.fingerprint = r.fingerprint AND b.organizer = r.organizer
        ),
        notification_first AS (SELECT DISTINCT ON (cid, nid) * FROM input WHERE holds ORDER BY cid, nid, n),
        seen_new AS (
          INSERT INTO seen_notifications (connection_id, notification_id, seen_at)
          SELECT cid, nid, now FROM notification_first
          ON CONFLICT DO NOTHING RETURNING connection_id, notification_id
        ),
        new_first AS (
          SELECT f.* FROM notification_first f JOIN seen_new s ON s.connection_id = f.cid AND s.notification_id = f.nid
        ),
        job_first AS (SELECT DISTINCT ON (key) * FROM new_first ORDER BY key, n),
        jobs_new AS (
          INSERT INTO jobs (key, portal_id, connection_id, state, next_attempt_at, first_triggered_at, data)
          SELECT key, portal, cid, 'pending', next_at, first_at, job FROM job_first
          ON CONFLICT (key) DO NOTHING RETURNING key
        ),
        verdict AS (
          SELECT f.n, f.cid, f.nid,
                 CASE WHEN j.n IS NOT NULL AND EXISTS (SELECT 1 FROM jobs_new x WHERE x.key = f.key) THEN 'queued' ELSE 'exists' END AS result
            FROM new_first f LEFT JOIN job_first j ON j.n = f.n
        )
        SELECT array_agg(CASE WHEN NOT i.holds THEN 'stale'
                              WHEN v.n = i.n THEN v.result
                              -- Another item of this notification goes the merging way: so does this one.
                              WHEN v.result = 'exists' THEN 'exists'
                              ELSE 'duplicate' END ORDER BY i.n),
               array_agg(v.cid) FILTER (WHERE v.n = i.n AND v.result = 'exists'),
               array_agg(v.nid) FILTER (WHERE v.n = i.n AND v.result = 'exists')
          INTO results, back_connections, back_notifications
          FROM input i LEFT JOIN verdict v ON v.cid = i.cid AND v.nid = i.nid;
        IF cardinality(back_connections) > 0 THEN
          DELETE FROM seen_notifications s USING unnest(back_connections, back_notifications) AS t(cid, nid)
           WHERE s.connection_id = t.cid AND s.notification_id = t.nid;
        END IF;
        RETURN results;
      END
      $$;
    `,
  },
  {
    version: 4,
    name: 'accept_webhooks checks its bases inline',
    // The same statement as version 3, but each distinct basis is checked by an EXISTS inside it rather than by a
    // call of webhook_basis_holds() (the same rule, which acceptMerging still calls): a SQL function that cannot be
    // inlined starts an executor of its own per call. Measured with batches of one delivery: PostgreSQL's CPU per
    // statement went from about 300 µs to 170 µs; with the small batches several instances make (3 to 5 deliveries
    // each), that is most of what a delivery costs PostgreSQL.
    sql: `
      CREATE OR REPLACE FUNCTION accept_webhooks(items jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
      DECLARE
        results text[];
        back_connections text[];
        back_notifications bigint[];
      BEGIN
        WITH raw AS (
          SELECT e.n, i."connectionId" AS cid, i."notificationId" AS nid, i.now, i.key, i."portalId" AS portal, i.event,
                 i."nextAttemptAt" AS next_at, i."firstTriggeredAt" AS first_at, i.job,
                 i.basis->>'webhookFingerprint' AS fingerprint, i.basis->>'organizer' AS organizer, i.basis IS NOT NULL AS has_basis
            FROM jsonb_array_elements(items) WITH ORDINALITY AS e(value, n),
                 LATERAL jsonb_to_record(e.value) AS i("connectionId" text, "notificationId" bigint, now bigint, key text,
                 "portalId" text, event text, "nextAttemptAt" bigint, "firstTriggeredAt" bigint, job jsonb, basis jsonb)
        ),
        bases AS (
          SELECT d.*, EXISTS (
                   SELECT 1 FROM connections c JOIN event_configs e ON e.connection_id = c.id AND e.event = d.event
                    WHERE c.id = d.cid AND c.portal_id = d.portal AND c.webhook_fingerprint = d.fingerprint
                      AND c.data->>'organizer' = d.organizer AND e.data->'enabled' = 'true'::jsonb) AS holds
            FROM (SELECT DISTINCT cid, portal, event, fingerprint, organizer FROM raw WHERE has_basis) d
        ),
        input AS (
          SELECT r.*, (NOT r.has_basis OR b.holds) AS holds
            FROM raw r LEFT JOIN bases b
              ON r.has_basis AND b.cid = r.cid AND b.portal = r.portal AND b.event = r.event AND b.fingerprint = r.fingerprint AND b.organizer = r.organizer
        ),
        notification_first AS (SELECT DISTINCT ON (cid, nid) * FROM input WHERE holds ORDER BY cid, nid, n),
        seen_new AS (
          INSERT INTO seen_notifications (connection_id, notification_id, seen_at)
          SELECT cid, nid, now FROM notification_first
          ON CONFLICT DO NOTHING RETURNING connection_id, notification_id
        ),
        new_first AS (
          SELECT f.* FROM notification_first f JOIN seen_new s ON s.connection_id = f.cid AND s.notification_id = f.nid
        ),
        job_first AS (SELECT DISTINCT ON (key) * FROM new_first ORDER BY key, n),
        jobs_new AS (
          INSERT INTO jobs (key, portal_id, connection_id, state, next_attempt_at, first_triggered_at, data)
          SELECT key, portal, cid, 'pending', next_at, first_at, job FROM job_first
          ON CONFLICT (key) DO NOTHING RETURNING key
        ),
        verdict AS (
          SELECT f.n, f.cid, f.nid,
                 CASE WHEN j.n IS NOT NULL AND EXISTS (SELECT 1 FROM jobs_new x WHERE x.key = f.key) THEN 'queued' ELSE 'exists' END AS result
            FROM new_first f LEFT JOIN job_first j ON j.n = f.n
        )
        SELECT array_agg(CASE WHEN NOT i.holds THEN 'stale'
                              WHEN v.n = i.n THEN v.result
                              WHEN v.result = 'exists' THEN 'exists'
                              ELSE 'duplicate' END ORDER BY i.n),
               array_agg(v.cid) FILTER (WHERE v.n = i.n AND v.result = 'exists'),
               array_agg(v.nid) FILTER (WHERE v.n = i.n AND v.result = 'exists')
          INTO results, back_connections, back_notifications
          FROM input i LEFT JOIN verdict v ON v.cid = i.cid AND v.nid = i.nid;
        IF cardinality(back_connections) > 0 THEN
          DELETE FROM seen_notifications s USING unnest(back_connections, back_notifications) AS t(cid, nid)
           WHERE s.connection_id = t.cid AND s.notification_id = t.nid;
        END IF;
        RETURN results;
      END
      $$;
    `,
  },
];

/** Applies the migrations this database lacks; returns the versions applied now (none when it was up to date). */
export async function runMigrations(pool: pg.Pool): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const now: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      now.push(migration.version);
    }
    const newest = Math.max(0, ...rows.map((r) => r.version));
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    if (newest > known) throw new Error(`The database has schema version ${newest}, newer than this receiver knows (${known}): upgrade the receiver.`);
    return now;
  });
}
