// What happens to an order's job when a trigger arrives, a sync ends, fails or is released: the queue's rules,
// as plain functions on a job, so that the PostgreSQL store and the lowdb store apply the same rules.
import type { FailureClass } from '../domain/errors';
import { jobKey, type JobTrigger, type SyncJob } from './types';

export const MAX_TRIGGERS_KEPT = 10;

export interface JobFailure {
  failureClass: FailureClass;
  message: string;
  nextAttemptAt: number | null;
}

export function newJob(trigger: JobTrigger, now: number, fromWebhook: boolean): SyncJob {
  return {
    key: jobKey(trigger.connectionId, trigger.event, trigger.code),
    portalId: trigger.portalId,
    connectionId: trigger.connectionId,
    event: trigger.event,
    code: trigger.code,
    state: 'pending',
    triggers: [trigger.action],
    firstTriggeredAt: now,
    lastTriggeredAt: now,
    attempts: 0,
    nextAttemptAt: now,
    ...(fromWebhook ? { webhookAckedAt: now } : {}),
  };
}

/** Adds a trigger to the order's existing job: one pending job per order, as pretix's OrderSyncQueue does. */
export function mergeTrigger(job: SyncJob, trigger: JobTrigger, now: number, fromWebhook: boolean): void {
  job.triggers = [...job.triggers, trigger.action].slice(-MAX_TRIGGERS_KEPT);
  job.lastTriggeredAt = now;
  if (job.state === 'in_flight') {
    job.rerun = true;
    // The running attempt may have read the order before this change: its lag counts from the rerun's sync.
    if (fromWebhook) job.rerunAckedAt ??= now;
  } else {
    if (fromWebhook) job.webhookAckedAt ??= now;
    // A new trigger revives a failed job and cuts a backoff short: the order changed, try again now.
    if (job.state === 'failed') job.attempts = 0;
    job.state = 'pending';
    job.nextAttemptAt = now;
  }
}

/** An order failed outside the queue (backfill, sweep): the job records one attempt, unless it is running. */
export function recordOutsideFailure(job: SyncJob, failure: JobFailure, now: number): void {
  if (job.state === 'in_flight') return;
  Object.assign(job, {
    attempts: job.attempts + 1,
    failureClass: failure.failureClass,
    lastError: failure.message,
    lastErrorAt: now,
    state: failure.nextAttemptAt === null ? 'failed' : 'pending',
    nextAttemptAt: failure.nextAttemptAt ?? job.nextAttemptAt,
  });
}

/** A sync ended: 'delete' the job, or it stays for the rerun a trigger asked for meanwhile. */
export function completeJob(job: SyncJob, now: number): 'delete' | 'rerun' {
  if (!job.rerun) return 'delete';
  Object.assign(job, { state: 'pending', rerun: false, attempts: 0, nextAttemptAt: now, inFlightSince: undefined });
  // Unless this run's record already reported it, the older webhook is still the one to measure from.
  job.webhookAckedAt ??= job.rerunAckedAt;
  job.rerunAckedAt = undefined;
  return 'rerun';
}

export function failJob(job: SyncJob, failure: JobFailure, now: number): void {
  job.attempts += 1;
  job.failureClass = failure.failureClass;
  job.lastError = failure.message;
  job.lastErrorAt = now;
  job.inFlightSince = undefined;
  // Nothing reached HubSpot: the oldest waiting webhook stays the one to measure from.
  job.webhookAckedAt ??= job.rerunAckedAt;
  job.rerunAckedAt = undefined;
  if (job.rerun && failure.failureClass === 'transient') {
    job.rerun = false;
    job.state = 'pending';
    job.nextAttemptAt = failure.nextAttemptAt ?? now;
  } else if (failure.nextAttemptAt === null) {
    job.rerun = false;
    job.state = 'failed';
  } else {
    job.state = 'pending';
    job.nextAttemptAt = failure.nextAttemptAt;
  }
}

/** A person's retry; false while the job runs. */
export function retryJob(job: SyncJob, now: number): boolean {
  if (job.state === 'in_flight') return false;
  Object.assign(job, { state: 'pending', attempts: 0, nextAttemptAt: now });
  job.triggers = [...job.triggers, 'manual_retry'].slice(-MAX_TRIGGERS_KEPT);
  return true;
}

/** A claimed job goes back in line as it was (a stop cut its sync short): no attempt counted. */
export function releaseJob(job: SyncJob, now: number): boolean {
  if (job.state !== 'in_flight') return false;
  // A trigger that arrived meanwhile (rerun) is covered: the job runs again from the start anyway.
  Object.assign(job, { state: 'pending', rerun: false, nextAttemptAt: Math.min(job.nextAttemptAt, now), inFlightSince: undefined });
  return true;
}
