// The outcome of each order's last sync (what the contact card shows), found by key, by email within a portal,
// or by a scan of a portal for rare requests (a privacy deletion).
import type pg from 'pg';
import type { SyncRecord } from '../types';

export async function writeSyncRecords(db: pg.Pool | pg.PoolClient, records: SyncRecord[]): Promise<void> {
  for (const record of records) {
    await db.query(
      `INSERT INTO sync_records (key, portal_id, connection_id, emails, data) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (key) DO UPDATE SET portal_id = $2, connection_id = $3, emails = $4, data = $5`,
      [record.key, record.portalId, record.connectionId, record.emails.map((e) => e.toLowerCase()), JSON.stringify(record)],
    );
  }
}

export function createSyncRecords(pool: pg.Pool) {
  return {
    async get(key: string): Promise<SyncRecord | undefined> {
      return (await pool.query<{ data: SyncRecord }>('SELECT data FROM sync_records WHERE key = $1', [key])).rows[0]?.data;
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
