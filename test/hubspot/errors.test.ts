// How HubSpot failures map onto the sync failure classes.
import { describe, expect, it } from 'vitest';
import {
  HubSpotApiError,
  HubSpotNetworkError,
  classifyBatchError,
  toSyncError,
} from '../../receiver/hubspot/errors';
import { PermanentSyncError, SyncConfigError, SyncError, TransientSyncError } from '../../receiver/domain/errors';

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
    const error = toSyncError(apiError(status, status === 400 ? { category: 'VALIDATION_ERROR' } : {})) as SyncError;
    expect(error).toBeInstanceOf(expected);
    expect(error.cause).toBeInstanceOf(HubSpotApiError);
  });

  it('keeps Retry-After and names the policy of a 429', () => {
    const error = toSyncError(apiError(429, { retryAfterMs: 2_000, policyName: 'TEN_SECONDLY_ROLLING' })) as SyncError;
    expect(error.retryAfterMs).toBe(2_000);
    expect(error.message).toContain('TEN_SECONDLY_ROLLING');
  });

  it('treats other 400 categories as permanent and network trouble as transient', () => {
    expect(toSyncError(apiError(400, { category: 'INVALID_PARAMS' }))).toBeInstanceOf(PermanentSyncError);
    expect(toSyncError(new HubSpotNetworkError('reset', false))).toBeInstanceOf(TransientSyncError);
    const passthrough = new SyncConfigError('already classified');
    expect(toSyncError(passthrough)).toBe(passthrough);
  });

  it('leaves a bug in our own code as it is, for classify() to report as an internal error', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(toSyncError(bug)).toBe(bug);
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
