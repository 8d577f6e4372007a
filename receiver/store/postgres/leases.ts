// Leases in PostgreSQL (see lib/leases.ts): one row per lease name, taken and renewed by single statements, so two
// instances racing for a free or expired lease cannot both get it (the insert's conflict arbiter serialises them).
// Times are the database's clock: the instances' clocks never have to agree.
import { randomUUID } from 'node:crypto';
import type { Leases } from '../../lib/leases';
import type { Queryable } from './queryable';

export const LEASES_SCHEMA = `
CREATE TABLE IF NOT EXISTS leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
`;

export function createPostgresLeases(db: Queryable, holder = `instance-${randomUUID()}`): Leases {
  return {
    holder,
    async acquire(name, ttlMs) {
      const { rows } = await db.query(
        `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at <= clock_timestamp()
         RETURNING holder`,
        [name, holder, ttlMs],
      );
      return rows.length === 1;
    },
    async renew(name, ttlMs) {
      // Still ours if nobody took it, even a little past its expiry (a slow renewal): the work goes on here.
      const { rows } = await db.query(
        `UPDATE leases SET expires_at = clock_timestamp() + $3 * interval '1 millisecond' WHERE name = $1 AND holder = $2 RETURNING holder`,
        [name, holder, ttlMs],
      );
      return rows.length === 1;
    },
    async release(name) {
      await db.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
    },
  };
}
