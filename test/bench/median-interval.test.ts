import { describe, expect, it } from 'vitest';
import { medianInterval } from '../../bench/median-interval';

describe('medianInterval (order statistics)', () => {
  it('takes the ranks the binomial distribution gives: 4th and 12th of 15 at 95 %', () => {
    // P(X ≤ 3) for Binomial(15, ½) is 0.0176, so [x(4), x(12)] holds the median with 0.965; [x(5), x(11)] with 0.882.
    const values = Array.from({ length: 15 }, (_, i) => 15 - i); // 15 … 1, unsorted on purpose
    expect(medianInterval(values, 0.95)).toEqual({ low: 4, high: 12 });
    expect(medianInterval(values, 0.88)).toEqual({ low: 5, high: 11 });
  });

  // P(X ≤ 35) for Binomial(90, ½) is 0.0223 (0.955), P(X ≤ 36) is 0.0363 (0.927).
  it('narrows as the sample grows: 90 rounds give the 36th and 55th', () => {
    const values = Array.from({ length: 90 }, (_, i) => i + 1);
    expect(medianInterval(values, 0.95)).toEqual({ low: 36, high: 55 });
  });

  it('has no interval where the sample cannot reach the confidence', () => {
    expect(medianInterval([1, 2, 3, 4, 5], 0.95)).toBeNull();
    expect(medianInterval([], 0.95)).toBeNull();
  });
});
