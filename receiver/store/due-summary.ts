// What waits to be claimed, summed up for the flush policy (sync/flush-policy.ts) when several instances share one
// queue: each instance hears only of the webhooks it answered, so its own arrivals undercount the batch that is
// forming and it would flush a third of it. The PostgreSQL store computes the same in SQL (postgres/queue.ts).
import { CHECKIN_ACTIONS } from '../pretix/webhook-actions';
import type { DueSummary, SyncJob } from './types';

/** A job only check-ins asked for: the policy lets those wait longer for company. */
export function onlyCheckins(job: Pick<SyncJob, 'triggers'>): boolean {
  return job.triggers.length > 0 && job.triggers.every((action) => CHECKIN_ACTIONS.includes(action));
}

/** The `limit` longest-waiting pending jobs due at `now`, as DueSummary counts them. */
export function dueSummaryOf(jobs: Iterable<SyncJob>, now: number, limit: number): DueSummary {
  const summary: DueSummary = { due: 0, oldestAt: null, oldestPromptAt: null, newestAt: null };
  const due = [...jobs].filter((job) => job.state === 'pending' && job.nextAttemptAt <= now).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  for (const job of due.slice(0, limit)) {
    summary.due += 1;
    summary.oldestAt = Math.min(summary.oldestAt ?? Infinity, job.nextAttemptAt);
    if (!onlyCheckins(job)) summary.oldestPromptAt = Math.min(summary.oldestPromptAt ?? Infinity, job.nextAttemptAt);
    summary.newestAt = Math.max(summary.newestAt ?? -Infinity, job.lastTriggeredAt);
  }
  return summary;
}
