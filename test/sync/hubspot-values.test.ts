import { describe, expect, it } from 'vitest';
import { hubSpotIdentifierValue, toHubSpotValue } from '../../receiver/sync/hubspot-values';

describe('toHubSpotValue', () => {
  it('writes booleans as "true"/"false" and keeps null', () => {
    expect(toHubSpotValue(true)).toBe('true');
    expect(toHubSpotValue(false)).toBe('false');
    expect(toHubSpotValue(null)).toBeNull();
    expect(toHubSpotValue(undefined)).toBeNull();
  });

  it('keeps strings, including ISO datetimes and decimal strings, unchanged', () => {
    expect(toHubSpotValue('2025-03-14T09:21:07.512345+00:00')).toBe('2025-03-14T09:21:07.512345+00:00');
    expect(toHubSpotValue('548.00')).toBe('548.00');
    expect(toHubSpotValue('')).toBe('');
  });

  it('writes numbers in plain decimal notation', () => {
    expect(toHubSpotValue(42)).toBe('42');
    expect(toHubSpotValue(0.1)).toBe('0.1');
    expect(toHubSpotValue(1e21)).toBe('1000000000000000000000');
    expect(toHubSpotValue(-2.5e-7)).toBe('-0.00000025');
  });
});

describe('hubSpotIdentifierValue', () => {
  it('lower-cases and trims emails for the email property only', () => {
    expect(hubSpotIdentifierValue('email', ' Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(hubSpotIdentifierValue('pretix_order_id', 'Q7X3M')).toBe('Q7X3M');
  });

  it('gives null for an empty identifier', () => {
    expect(hubSpotIdentifierValue('email', null)).toBeNull();
    expect(hubSpotIdentifierValue('email', '')).toBeNull();
    expect(hubSpotIdentifierValue('pretix_order_id', '   ')).toBeNull();
  });
});
