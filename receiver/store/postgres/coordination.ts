// What several receiver instances on one PostgreSQL share besides the store: the rate budgets (one window per
// HubSpot portal and per pretix organizer, for all instances together) and the leases. One holder id per process.
import { randomUUID } from 'node:crypto';
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
