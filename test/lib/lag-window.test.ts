import { describe, expect, it } from 'vitest';
import { LagWindow, PortalLag } from '../../receiver/lib/lag-window';

describe('lag window', () => {
  it('gives exact nearest-rank percentiles and the maximum while a minute keeps every sample', () => {
    const window = new LagWindow();
    for (let i = 1; i <= 100; i += 1) window.add(i * 10, 60_000 + i);
    expect(window.summary(120_000)).toEqual({ count: 100, p50Ms: 500, p95Ms: 950, maxMs: 1000 });
  });

  it('forgets minutes older than the window', () => {
    const window = new LagWindow({ windowMs: 3_600_000 });
    window.add(9_000, 0);
    window.add(100, 3_000_000);
    expect(window.summary(3_500_000).maxMs).toBe(9_000);
    expect(window.summary(3_660_000)).toEqual({ count: 1, p50Ms: 100, p95Ms: 100, maxMs: 100 });
    expect(new LagWindow().summary(0)).toEqual({ count: 0, p50Ms: null, p95Ms: null, maxMs: null });
  });

  it('stays bounded under a flood and weights a busy minute by its count', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const window = new LagWindow({ samplesPerBucket: 64, random });
    // A quiet minute of slow syncs, then a busy one of fast syncs: the busy minute dominates the percentiles.
    for (let i = 0; i < 10; i += 1) window.add(5_000, 1_000);
    for (let i = 0; i < 10_000; i += 1) window.add(200 + (i % 100), 61_000);
    const summary = window.summary(100_000);
    expect(summary.count).toBe(10_010);
    expect(summary.maxMs).toBe(5_000);
    expect(summary.p50Ms).toBeGreaterThanOrEqual(230);
    expect(summary.p50Ms).toBeLessThanOrEqual(270);
    expect(summary.p95Ms).toBeLessThan(300);
    const samples = (window as unknown as { buckets: { samples: number[] }[] }).buckets.map((b) => b.samples.length);
    expect(samples).toEqual([10, 64]);
  });

  it('keeps portals apart', () => {
    const lag = new PortalLag();
    lag.add('1', 100, 0);
    lag.add('2', 900, 0);
    expect(lag.summary('1', 1).maxMs).toBe(100);
    expect(lag.summary('2', 1).maxMs).toBe(900);
    expect(lag.summary('3', 1).count).toBe(0);
    expect(lag.portals()).toEqual(['1', '2']);
  });
});
