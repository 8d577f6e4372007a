import { describe, expect, it } from 'vitest';
import { minimumSeconds } from '../../bench/backfill';
import { minimumSecondsWithReserve } from '../../bench/reserve-bound';

const hubspot = { limit: 110, intervalMs: 10_000 };
const rule = { reserve: 10, graceMs: 1000 };

describe('least time background requests take with the interactive reserve', () => {
  it('is four 9 s stretches of 100 for 408 HubSpot requests, where the limit alone allows 30 s', () => {
    expect(minimumSeconds(408, hubspot)).toBe(30);
    expect(minimumSecondsWithReserve(408, hubspot, rule)).toBe(36);
  });

  it('is the limit alone where that binds first (400 requests, 10 s windows of 110)', () => {
    expect(minimumSecondsWithReserve(400, hubspot, rule)).toBe(30);
    expect(minimumSecondsWithReserve(201, { limit: 360, intervalMs: 60_000 }, { reserve: 32, graceMs: 1000 })).toBe(0);
  });

  it('is the limit alone without a reserve, and a plain cap of limit − reserve per window without a grace', () => {
    expect(minimumSecondsWithReserve(408, hubspot, { reserve: 0, graceMs: 1000 })).toBe(30);
    expect(minimumSecondsWithReserve(408, hubspot, { reserve: 10, graceMs: 0 })).toBe(40);
    expect(minimumSecondsWithReserve(0, hubspot, rule)).toBe(0);
  });
});
