// What several receiver instances on one database share besides the store, as the composition root consumes it:
// leases for what runs once at a time (a backfill or sweep per event, a token refresh per portal) and the rate
// budgets every instance draws from, and a cache of data every instance needs alike. Implemented in
// store/postgres/coordination.ts; absent, all of it is in-process.
import type { Leases } from './leases';
import type { BudgetWindow, SharedBudget } from './shared-budget';
import type { SharedCache } from './shared-cache';

export interface SharedCoordination {
  leases: Leases;
  /** Builds the budget of one service's windows (the limiters' parameters are decided in services.ts). */
  budgetFor(service: 'hubspot' | 'pretix', window: BudgetWindow): SharedBudget;
  onBudgetError?(error: unknown): void;
  /** Data every instance needs alike (each event's products, questions, settings: sync/event-context-cache.ts). */
  cache?: SharedCache;
}
