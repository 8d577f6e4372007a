import { describe, expect, it } from 'vitest';
import { minimumSeconds } from '../../bench/backfill';
import { minimumSecondsWithReserve } from '../../bench/reserve-bound';
import { interactiveRule } from '../../receiver/lib/interactive-rule';

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

describe("the receiver's interactive rule (lib/interactive-rule.ts)", () => {
  it('keeps two Sync nows of HubSpot slots and an eleventh of pretix, within 1 s, and none for tiny test limits', () => {
    expect(interactiveRule('hubspot', 110)).toEqual({ reserve: 8, graceMs: 1000 });
    expect(interactiveRule('hubspot', 55)).toEqual({ reserve: 5, graceMs: 1000 });
    expect(interactiveRule('pretix', 360)).toEqual({ reserve: 32, graceMs: 1000 });
    expect(interactiveRule('hubspot', 10).reserve).toBe(0);
  });

  it("costs a backfill at HubSpot's real limit no time beyond the limit's own, a Sync now's requests included", () => {
    for (const requests of [400, 404, 408, 1_200]) {
      expect(minimumSecondsWithReserve(requests, hubspot, interactiveRule('hubspot', hubspot.limit))).toBe(minimumSeconds(requests, hubspot));
    }
  });
});
