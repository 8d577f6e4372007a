// Exact percentiles of a latency sample (autocannon's own histogram keeps whole milliseconds only).
/** The p-th percentile of a sample by nearest rank: the smallest value with at least p % of the sample at or below it. */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.slice().sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
