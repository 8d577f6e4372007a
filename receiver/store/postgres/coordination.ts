// What several receiver instances on one PostgreSQL share besides the store: the rate budgets (one window per
// HubSpot portal and per pretix organizer, for all instances together), the leases, and a cache of what every
// instance would otherwise fetch for itself. One holder id per process.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { SharedCoordination } from '../../lib/shared-coordination';
import { createPostgresLeases, LEASES_SCHEMA } from './leases';
import type { Queryable } from './queryable';
import { createPostgresBudget, RATE_BUDGET_SCHEMA } from './rate-budget';
import { createPostgresSharedCache, SHARED_CACHE_SCHEMA } from './shared-cache';

/** Idempotent DDL (tables IF NOT EXISTS, functions OR REPLACE), run with the store's migrations. */
export const COORDINATION_SCHEMA = RATE_BUDGET_SCHEMA + LEASES_SCHEMA + SHARED_CACHE_SCHEMA;

export function createPostgresCoordination(db: Queryable, options: { holder?: string; onError?: (error: unknown) => void } = {}): SharedCoordination {
  const holder = options.holder ?? `instance-${randomUUID()}`;
  return {
    leases: createPostgresLeases(db, holder),
    budgetFor: (service, window) => createPostgresBudget(db, { scope: service, window, holder, onError: options.onError }),
    onBudgetError: options.onError,
    cache: createPostgresSharedCache(db),
  };
}

/** Serialises the DDL of instances starting at the same moment (concurrent CREATE OR REPLACE FUNCTION fails). */
const SCHEMA_LOCK = 7_246_113;

/** Makes sure the coordination tables and functions exist on `pool` (the process's one pool, store/postgres/pool.ts),
 * and builds the coordination on it. */
export async function openPostgresCoordination(pool: pg.Pool, options: { onError?: (error: unknown) => void } = {}): Promise<SharedCoordination> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
    try {
      await client.query(COORDINATION_SCHEMA);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]);
    }
  } finally {
    client.release();
  }
  return createPostgresCoordination(pool, options);
}
