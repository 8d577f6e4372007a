import { describe, expect, it } from 'vitest';
import { percentile } from '../../bench/percentile';

describe('percentile (nearest rank)', () => {
  it('keeps fractions of a millisecond that a whole-ms histogram would floor', () => {
    const sample = Float64Array.from({ length: 100 }, (_, i) => 0.5 + i * 0.01); // 0.50 … 1.49
    expect(percentile(sample, 99)).toBeCloseTo(1.48, 10);
    expect(percentile(sample, 50)).toBeCloseTo(0.99, 10);
  });

  it('sorts numerically, not as text, and leaves the sample untouched', () => {
    const sample = Float64Array.from([10, 9, 2, 100, 1]);
    expect(percentile(sample, 100)).toBe(100);
    expect(percentile(sample, 0)).toBe(1);
    expect(percentile(sample, 60)).toBe(9);
    expect(Array.from(sample)).toEqual([10, 9, 2, 100, 1]);
  });

  it('has no percentile for an empty sample', () => {
    expect(percentile(new Float64Array(0), 99)).toBeNaN();
  });
});
