// The shared cache (lib/shared-cache.ts) in PostgreSQL: one row per key, its time the database's clock. Rows not
// written for a day (an event no longer synced, a connection removed) are deleted now and then by the writers.
import type { SharedCache } from '../../lib/shared-cache';
import type { Queryable } from './queryable';

export const SHARED_CACHE_SCHEMA = `
CREATE TABLE IF NOT EXISTS shared_cache (
  key text PRIMARY KEY,
  stored_at timestamptz NOT NULL,
  value jsonb NOT NULL
);
`;

const FORGET_AFTER = '1 day';
const PRUNE_EVERY_MS = 60 * 60_000;

export function createPostgresSharedCache(db: Queryable, now: () => number = Date.now): SharedCache {
  let lastPruneAt = -Infinity;
  return {
    async read(key) {
      const { rows } = await db.query<{ age_ms: number; value: unknown }>(
        `SELECT (extract(epoch FROM clock_timestamp() - stored_at) * 1000)::float8 AS age_ms, value FROM shared_cache WHERE key = $1`,
        [key],
      );
      const row = rows[0];
      return row ? { ageMs: Math.max(0, Number(row.age_ms)), value: row.value } : null;
    },
    async write(key, value) {
      await db.query(
        `INSERT INTO shared_cache (key, stored_at, value) VALUES ($1, clock_timestamp(), $2::jsonb)
         ON CONFLICT (key) DO UPDATE SET stored_at = excluded.stored_at, value = excluded.value`,
        [key, JSON.stringify(value)],
      );
      if (now() - lastPruneAt >= PRUNE_EVERY_MS) {
        lastPruneAt = now();
        await db.query(`DELETE FROM shared_cache WHERE stored_at < clock_timestamp() - interval '${FORGET_AFTER}'`);
      }
    },
    async remove(key) {
      await db.query('DELETE FROM shared_cache WHERE key = $1', [key]);
    },
  };
}
