// How HubSpot failures map onto the sync failure classes.
import { describe, expect, it } from 'vitest';
import {
  HubSpotApiError,
  HubSpotNetworkError,
  classifyBatchError,
  parseRetryAfter,
  toSyncError,
} from '../../receiver/hubspot/errors';
import { PermanentSyncError, SyncConfigError, TransientSyncError } from '../../receiver/domain/errors';

const apiError = (status: number, extra: Partial<ConstructorParameters<typeof HubSpotApiError>[0]> = {}) =>
  new HubSpotApiError({ status, method: 'POST', path: '/crm/v3/objects/contacts/batch/upsert', message: 'msg', ...extra });

describe('toSyncError', () => {
  it.each([
    [429, TransientSyncError],
    [500, TransientSyncError],
    [502, TransientSyncError],
    [423, TransientSyncError],
    [401, SyncConfigError],
    [403, SyncConfigError],
    [400, SyncConfigError],
    [404, PermanentSyncError],
    [409, PermanentSyncError],
  ])('maps %i to %s', (status, expected) => {
    const error = toSyncError(apiError(status, status === 400 ? { category: 'VALIDATION_ERROR' } : {}));
    expect(error).toBeInstanceOf(expected);
    expect(error.cause).toBeInstanceOf(HubSpotApiError);
  });

  it('keeps Retry-After and names the policy of a 429', () => {
    const error = toSyncError(apiError(429, { retryAfterMs: 2_000, policyName: 'TEN_SECONDLY_ROLLING' }));
    expect(error.retryAfterMs).toBe(2_000);
    expect(error.message).toContain('TEN_SECONDLY_ROLLING');
  });

  it('treats other 400 categories as permanent and network trouble as transient', () => {
    expect(toSyncError(apiError(400, { category: 'INVALID_PARAMS' }))).toBeInstanceOf(PermanentSyncError);
    expect(toSyncError(new HubSpotNetworkError('reset', false))).toBeInstanceOf(TransientSyncError);
    const passthrough = new SyncConfigError('already classified');
    expect(toSyncError(passthrough)).toBe(passthrough);
  });
});

describe('classifyBatchError', () => {
  const message = (code: string) => `Property values were not valid: [{"isValid":false,"message":"x","error":"${code}","name":"p"}]`;
  it('blames the mapping for options and unknown properties, the data for other values', () => {
    expect(classifyBatchError({ category: 'VALIDATION_ERROR', message: message('INVALID_OPTION') })).toBe('config');
    expect(classifyBatchError({ category: 'VALIDATION_ERROR', message: 'x', errors: [{ message: 'x', code: 'PROPERTY_DOESNT_EXIST' }] })).toBe('config');
    expect(classifyBatchError({ category: 'VALIDATION_ERROR', message: message('INVALID_EMAIL') })).toBe('permanent');
    expect(classifyBatchError({ category: 'OBJECT_NOT_FOUND', message: 'gone' })).toBe('permanent');
    expect(classifyBatchError({ category: 'RATE_LIMITS', message: 'slow down' })).toBe('transient');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores junk', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('0.25')).toBe(250);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
