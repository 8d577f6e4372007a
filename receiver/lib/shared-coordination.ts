// What several receiver instances on one database share besides the store, as the composition root consumes it:
// leases for what runs once at a time (a backfill or sweep per event, a token refresh per portal) and the rate
// budgets every instance draws from. Implemented in store/postgres/coordination.ts; absent, both are in-process.
import type { Leases } from './leases';
import type { BudgetWindow, SharedBudget } from './shared-budget';

export interface SharedCoordination {
  leases: Leases;
  /** Builds the budget of one service's windows (the limiters' parameters are decided in services.ts). */
  budgetFor(service: 'hubspot' | 'pretix', window: BudgetWindow): SharedBudget;
  onBudgetError?(error: unknown): void;
}
