// When a failed job runs again, and how a thrown error is classified in the first place.
import { describe, expect, it } from 'vitest';
import { classify, PermanentSyncError, SyncConfigError, TransientSyncError } from '../../receiver/domain/errors';
import { NetworkFailure } from '../../receiver/lib/http-transport';
import { FAILURE_LABELS, nextAttemptAt, type RetryPolicy } from '../../receiver/sync/retry-policy';

const policy: RetryPolicy = { maxAttempts: 5, retryBaseMs: 1_000, retryMaxMs: 10_000 };
const NOW = 1_000_000;
const transient = { failureClass: 'transient' as const };

describe('nextAttemptAt', () => {
  it('backs off exponentially within ±20 % jitter, capped at retryMaxMs', () => {
    expect(nextAttemptAt(policy, 0, transient, NOW, () => 0.5)).toBe(NOW + 1_000);
    expect(nextAttemptAt(policy, 1, transient, NOW, () => 0.5)).toBe(NOW + 2_000);
    expect(nextAttemptAt(policy, 2, transient, NOW, () => 0.5)).toBe(NOW + 4_000);
    expect(nextAttemptAt(policy, 0, transient, NOW, () => 0)).toBe(NOW + 800);
    expect(nextAttemptAt(policy, 0, transient, NOW, () => 1)).toBe(NOW + 1_200);
    const capped = { ...policy, maxAttempts: 100 };
    expect(nextAttemptAt(capped, 20, transient, NOW, () => 1)).toBe(NOW + 12_000);
    expect(nextAttemptAt(capped, 20, transient, NOW, () => 0)).toBe(NOW + 8_000);
  });

  it('waits at least as long as the remote side asked', () => {
    expect(nextAttemptAt(policy, 0, { ...transient, retryAfterMs: 30_000 }, NOW, () => 0.5)).toBe(NOW + 30_000);
    expect(nextAttemptAt(policy, 0, { ...transient, retryAfterMs: 10 }, NOW, () => 0.5)).toBe(NOW + 1_000);
  });

  it('gives up after maxAttempts and never retries permanent or config failures on its own', () => {
    expect(nextAttemptAt(policy, 3, transient, NOW, () => 0.5)).not.toBeNull();
    expect(nextAttemptAt(policy, 4, transient, NOW, () => 0.5)).toBeNull();
    expect(nextAttemptAt(policy, 0, { failureClass: 'permanent' }, NOW)).toBeNull();
    expect(nextAttemptAt(policy, 0, { failureClass: 'config' }, NOW)).toBeNull();
  });

  it('has a label for every outcome', () => {
    expect(Object.keys(FAILURE_LABELS).sort()).toEqual(['config', 'exceeded', 'permanent', 'transient']);
  });
});

describe('classify', () => {
  it('keeps the class of a SyncError, with Retry-After', () => {
    expect(classify(new TransientSyncError('slow', 2_000))).toEqual({ failureClass: 'transient', message: 'slow', retryAfterMs: 2_000 });
    expect(classify(new PermanentSyncError('gone')).failureClass).toBe('permanent');
    expect(classify(new SyncConfigError('mapping')).failureClass).toBe('config');
  });

  it('treats a network failure wrapped by the transport as transient', () => {
    const failure = classify(new NetworkFailure('network', 'connection reset (ECONNRESET)', 'ECONNRESET'));
    expect(failure).toMatchObject({ failureClass: 'transient', message: 'connection reset (ECONNRESET)' });
    expect(failure.internalError).toBeUndefined();
  });

  it('calls anything else a bug: permanent, "internal error", with the original kept for the log', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'lastIndexOf')");
    const failure = classify(bug);
    expect(failure.failureClass).toBe('permanent');
    expect(failure.message).toBe("Internal error in pretix-hubspot (logged): Cannot read properties of undefined (reading 'lastIndexOf')");
    expect(failure.internalError).toBe(bug);
    expect(nextAttemptAt(policy, 0, failure, NOW)).toBeNull();
    expect(classify('a string').message).toBe('Internal error in pretix-hubspot (logged): a string');
  });

  it('treats a system error of the machine (a full disk) as transient, not as a bug', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', errno: -28 });
    const failure = classify(full);
    expect(failure.failureClass).toBe('transient');
    expect(failure.message).toBe('ENOSPC during write: ENOSPC: no space left on device, write');
    expect(failure.internalError).toBeUndefined();
  });
});
