// When a failed job runs again. Transient failures back off exponentially with jitter (so a portal's jobs do
// not all return in the same second) and give up after maxAttempts, waiting for a manual retry like pretix's
// "Temporary error, auto-retry limit exceeded". Permanent and config failures never retry on their own.
import type { FailureClass } from '../domain/errors';

export interface RetryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export function nextAttemptAt(
  policy: RetryPolicy,
  attemptsSoFar: number,
  failure: { failureClass: FailureClass; retryAfterMs?: number },
  now: number,
  random: () => number = Math.random,
): number | null {
  if (failure.failureClass !== 'transient') return null;
  const attempts = attemptsSoFar + 1;
  if (attempts >= policy.maxAttempts) return null;
  const exponential = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** (attempts - 1));
  const jittered = exponential * (0.8 + 0.4 * random());
  return now + Math.max(jittered, failure.retryAfterMs ?? 0);
}

export const FAILURE_LABELS: Record<FailureClass | 'exceeded', string> = {
  transient: 'Temporary error, will retry',
  exceeded: 'Temporary error, auto-retry limit exceeded',
  permanent: 'HubSpot reported a permanent error',
  config: 'Misconfiguration, please check the mapping and connection settings',
};
