// What several receiver instances on one PostgreSQL share besides the store: the rate budgets (one window per
// HubSpot portal and per pretix organizer, for all instances together) and the leases. One holder id per process.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { SharedCoordination } from '../../lib/shared-coordination';
import { createPostgresLeases, LEASES_SCHEMA } from './leases';
import type { Queryable } from './queryable';
import { createPostgresBudget, RATE_BUDGET_SCHEMA } from './rate-budget';

/** Idempotent DDL (tables IF NOT EXISTS, functions OR REPLACE), run with the store's migrations. */
export const COORDINATION_SCHEMA = RATE_BUDGET_SCHEMA + LEASES_SCHEMA;

export function createPostgresCoordination(db: Queryable, options: { holder?: string; onError?: (error: unknown) => void } = {}): SharedCoordination {
  const holder = options.holder ?? `instance-${randomUUID()}`;
  return {
    leases: createPostgresLeases(db, holder),
    budgetFor: (service, window) => createPostgresBudget(db, { scope: service, window, holder, onError: options.onError }),
    onBudgetError: options.onError,
  };
}

/** Serialises the DDL of instances starting at the same moment (concurrent CREATE OR REPLACE FUNCTION fails). */
const SCHEMA_LOCK = 7_246_113;

/** Connects to DATABASE_URL, makes sure the coordination tables and functions exist, and builds the coordination. */
export async function openPostgresCoordination(url: string, options: { onError?: (error: unknown) => void } = {}): Promise<{ coordination: SharedCoordination; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // An idle connection the server dropped must not take the process down; the next query reconnects.
  pool.on('error', (error) => options.onError?.(error));
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
  return { coordination: createPostgresCoordination(pool, options), close: () => pool.end() };
}
