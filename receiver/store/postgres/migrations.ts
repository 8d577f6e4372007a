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
