// The card/settings API's view of the backfill runner, in the contract's BackfillProgress shape.
import type { BackfillProgress } from '../../../src/app/shared/api-types';
import { BackfillConflictError, type BackfillProgressView, type BackfillRunner } from '../../sync/backfill';
import { SyncConfigError } from '../../domain/errors';
import { HttpError } from '../errors';
import type { BackfillControl } from './plugin';

const IDLE: BackfillProgress = {
  state: 'idle',
  total: null,
  processed: 0,
  synced: 0,
  skipped: 0,
  failed: 0,
  startedAt: null,
  finishedAt: null,
  ratePerSecond: null,
  etaSeconds: null,
  error: null,
};

export function toBackfillProgress(view: BackfillProgressView | undefined): BackfillProgress {
  if (!view) return IDLE;
  return {
    state: view.state,
    total: view.total,
    processed: view.processed,
    synced: view.synced,
    skipped: view.skipped,
    failed: view.failed,
    startedAt: view.startedAt,
    finishedAt: view.finishedAt,
    ratePerSecond: view.ratePerSecond,
    etaSeconds: view.etaSeconds,
    error: view.error,
  };
}

export function backfillControlFor(runner: BackfillRunner): BackfillControl {
  return {
    progress: async (connectionId, event) => toBackfillProgress(await runner.progress(connectionId, event)),
    async start(connectionId, event) {
      try {
        await runner.start(connectionId, event);
      } catch (error) {
        if (error instanceof BackfillConflictError) throw new HttpError(409, 'backfill_running', error.message);
        if (error instanceof SyncConfigError) throw new HttpError(409, 'cannot_backfill', error.message);
        throw error;
      }
      return toBackfillProgress(await runner.progress(connectionId, event));
    },
    async cancel(connectionId, event) {
      const state = await runner.cancel(connectionId, event);
      if (!state) throw new HttpError(404, 'no_backfill', `No backfill of ${event} is running.`);
      return toBackfillProgress(await runner.progress(connectionId, event));
    },
  };
}
