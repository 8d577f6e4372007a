// How far a median of per-round ratios can be trusted: on this host one round's ratio ranges over a factor of two
// and more, so a median of 15 rounds moves by about a tenth from run to run. The interval needs no model of the
// noise (order statistics and the binomial distribution: each round falls below the true median with probability ½).

/** P(X ≤ k) for X ~ Binomial(n, ½). */
function binomialHalfCdf(k: number, n: number): number {
  let term = 0.5 ** n; // P(X = 0)
  let sum = term;
  for (let i = 1; i <= k; i += 1) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

/**
 * A distribution-free confidence interval for the median of `values`: the k-th smallest and the k-th largest, with
 * k the largest rank whose interval still holds the true median with at least `confidence`. Null when the sample is
 * too small for that confidence (five values cannot give 95 %).
 */
export function medianInterval(values: readonly number[], confidence = 0.95): { low: number; high: number } | null {
  const n = values.length;
  const sorted = [...values].sort((x, y) => x - y);
  let rank = 0;
  // The interval [x(k), x(n−k+1)] misses the median with probability 2·P(X ≤ k−1).
  while (rank + 1 <= n / 2 && 1 - 2 * binomialHalfCdf(rank, n) >= confidence) rank += 1;
  return rank === 0 ? null : { low: sorted[rank - 1]!, high: sorted[n - rank]! };
}
