// The outcome of each order's last sync (what the contact card shows), found by key, by email within a portal,
// or by a scan of a portal for rare requests (a privacy deletion).
import type pg from 'pg';
import type { SyncRecord } from '../types';

/** Upserts the records in one statement. A key given twice keeps its last record, as writing them one by one did
 * (one INSERT … ON CONFLICT may not touch a row twice). */
export async function writeSyncRecords(db: pg.Pool | pg.PoolClient, records: SyncRecord[]): Promise<void> {
  if (records.length === 0) return;
  const latest = new Map(records.map((record) => [record.key, record]));
  // Lower-cased here rather than by PostgreSQL's lower(), whose result follows the database's locale.
  // In key order, so that two transactions writing the same records cannot deadlock on them.
  const rows = [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((record) => ({ key: record.key, portalId: record.portalId, connectionId: record.connectionId, emails: record.emails.map((e) => e.toLowerCase()), data: record }));
  await db.query(
    `INSERT INTO sync_records (key, portal_id, connection_id, emails, data)
     SELECT r->>'key', r->>'portalId', r->>'connectionId',
       ARRAY(SELECT e FROM jsonb_array_elements_text(r->'emails') WITH ORDINALITY AS t(e, n) ORDER BY n), r->'data'
     FROM jsonb_array_elements($1::jsonb) AS r
     ON CONFLICT (key) DO UPDATE SET portal_id = EXCLUDED.portal_id, connection_id = EXCLUDED.connection_id, emails = EXCLUDED.emails, data = EXCLUDED.data`,
    [JSON.stringify(rows)],
  );
}

export function createSyncRecords(pool: pg.Pool) {
  return {
    async get(key: string): Promise<SyncRecord | undefined> {
      return (await pool.query<{ data: SyncRecord }>('SELECT data FROM sync_records WHERE key = $1', [key])).rows[0]?.data;
    },
    async getMany(keys: string[]): Promise<Map<string, SyncRecord>> {
      if (keys.length === 0) return new Map();
      const { rows } = await pool.query<{ key: string; data: SyncRecord }>('SELECT key, data FROM sync_records WHERE key = ANY($1::text[])', [keys]);
      return new Map(rows.map((r) => [r.key, r.data]));
    },
    async findByEmails(portalId: string, emails: string[]): Promise<SyncRecord[]> {
      if (emails.length === 0) return [];
      const { rows } = await pool.query<{ data: SyncRecord }>('SELECT data FROM sync_records WHERE portal_id = $1 AND emails && $2::text[] ORDER BY key', [
        portalId,
        emails.map((e) => e.toLowerCase()),
      ]);
      return rows.map((r) => r.data);
    },
    async findInPortal(portalId: string, matches: (record: SyncRecord) => boolean): Promise<SyncRecord[]> {
      const { rows } = await pool.query<{ data: SyncRecord }>('SELECT data FROM sync_records WHERE portal_id = $1 ORDER BY key', [portalId]);
      return rows.map((r) => r.data).filter(matches);
    },
    /** Deletes (and replaces) in one transaction. The old row versions leave the table files with the next
     * VACUUM, which autovacuum runs; PostgreSQL's own files are outside what a SQL client can overwrite. */
    async purge(client: pg.PoolClient, keys: string[], replacements: SyncRecord[] = []): Promise<void> {
      if (keys.length > 0) await client.query('DELETE FROM sync_records WHERE key = ANY($1::text[])', [keys]);
      await writeSyncRecords(client, replacements);
    },
  };
}
