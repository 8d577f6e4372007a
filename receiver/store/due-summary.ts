// What waits to be claimed, summed up for the flush policy (sync/flush-policy.ts) when several instances share one
// queue: each instance hears only of the webhooks it answered, so its own arrivals undercount the batch that is
// forming and it would flush a third of it. The PostgreSQL store computes the same in SQL (postgres/queue.ts).
import { onlyCheckinTriggers } from '../domain/checkin-actions';
import type { DueSummary, SyncJob } from './types';

/** The `limit` longest-waiting pending jobs due at `now`, as DueSummary counts them. */
export function dueSummaryOf(jobs: Iterable<SyncJob>, now: number, limit: number): DueSummary {
  const summary: DueSummary = { due: 0, oldestAt: null, oldestPromptAt: null, newestAt: null };
  const due = [...jobs].filter((job) => job.state === 'pending' && job.nextAttemptAt <= now).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  for (const job of due.slice(0, limit)) {
    summary.due += 1;
    summary.oldestAt = Math.min(summary.oldestAt ?? Infinity, job.nextAttemptAt);
    // A job only check-ins asked for may wait longer for company; any other trigger makes it prompt.
    if (!onlyCheckinTriggers(job.triggers)) summary.oldestPromptAt = Math.min(summary.oldestPromptAt ?? Infinity, job.nextAttemptAt);
    summary.newestAt = Math.max(summary.newestAt ?? -Infinity, job.lastTriggeredAt);
  }
  return summary;
}
