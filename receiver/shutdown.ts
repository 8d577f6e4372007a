// What SIGTERM and SIGINT do, in this order: intake stops (every route answers 503 with Retry-After, nothing new is
// stored); the sync worker, backfills and the reconcile sweep start nothing new and get until the deadline for the
// HubSpot and pretix requests under way, after which those are cut off and unfinished jobs go back in line; the
// HTTP server closes and the store is flushed and closed. Acknowledged webhooks are on disk before their 200, so
// even the backstop in main.ts, which exits whatever is still running, loses none of them.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IntakeGate } from './http/intake-gate';
import { settlesWithin } from './lib/cutoff';
import type { Services } from './services';
import type { Store } from './store/types';

/** Requests already past the gate (a webhook being journaled, an admin call) get this long once the work is done. */
const SERVER_CLOSE_GRACE_MS = 500;

export interface ShutdownDeps {
  server: FastifyInstance;
  intake: IntakeGate;
  services: Pick<Services, 'worker' | 'backfills' | 'sweeper'> & Partial<Pick<Services, 'marketingRefresher'>>;
  store: Store;
  /** SHUTDOWN_TIMEOUT: how long in-flight syncs may take. */
  timeoutMs: number;
  logger: FastifyBaseLogger;
  now?: () => number;
}

export async function shutDown(deps: ShutdownDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const remaining = () => Math.max(0, deps.timeoutMs - (now() - startedAt));
  deps.intake.close();
  const { worker, backfills, sweeper } = deps.services;
  const refreshing = deps.services.marketingRefresher?.stop();
  await Promise.all([sweeper.stop(remaining()), backfills.stopAll(remaining()), worker.stop(remaining()), refreshing && settlesWithin(refreshing, remaining())]);

  const closing = deps.server.close();
  if (!(await settlesWithin(closing, SERVER_CLOSE_GRACE_MS))) {
    deps.logger.warn('requests still open at shutdown are cut off');
    deps.server.server.closeAllConnections();
    await closing;
  }
  await deps.store.close();
  deps.logger.info({ ms: now() - startedAt }, 'stopped');
}
