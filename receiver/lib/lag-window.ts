// Lag percentiles over the last hour in bounded memory: one bucket per minute, each with an exact count and maximum
// and a uniform sample of at most `samplesPerBucket` values (reservoir sampling). A quiet minute keeps all of its
// values; a busy one keeps a fair sample, weighted by its count when the hour's percentiles are computed.

export interface LagSummary {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

interface Bucket {
  minute: number;
  count: number;
  max: number;
  samples: number[];
}

export interface LagWindowOptions {
  windowMs?: number;
  bucketMs?: number;
  samplesPerBucket?: number;
  random?: () => number;
}

export class LagWindow {
  private readonly buckets: Bucket[] = [];
  private readonly windowMs: number;
  private readonly bucketMs: number;
  private readonly samplesPerBucket: number;
  private readonly random: () => number;

  constructor(options: LagWindowOptions = {}) {
    this.windowMs = options.windowMs ?? 3_600_000;
    this.bucketMs = options.bucketMs ?? 60_000;
    this.samplesPerBucket = options.samplesPerBucket ?? 256;
    this.random = options.random ?? Math.random;
  }

  add(lagMs: number, at: number): void {
    const minute = Math.floor(at / this.bucketMs);
    let bucket = this.buckets.find((b) => b.minute === minute);
    if (!bucket) {
      bucket = { minute, count: 0, max: 0, samples: [] };
      this.buckets.push(bucket);
      this.buckets.sort((a, b) => a.minute - b.minute);
    }
    bucket.count += 1;
    bucket.max = Math.max(bucket.max, lagMs);
    if (bucket.samples.length < this.samplesPerBucket) bucket.samples.push(lagMs);
    else {
      const slot = Math.floor(this.random() * bucket.count);
      if (slot < this.samplesPerBucket) bucket.samples[slot] = lagMs;
    }
    this.prune(at);
  }

  summary(now: number): LagSummary {
    this.prune(now);
    const weighted: { value: number; weight: number }[] = [];
    let count = 0;
    let max: number | null = null;
    for (const bucket of this.buckets) {
      count += bucket.count;
      max = Math.max(max ?? 0, bucket.max);
      const weight = bucket.count / bucket.samples.length;
      for (const value of bucket.samples) weighted.push({ value, weight });
    }
    if (count === 0) return { count: 0, p50Ms: null, p95Ms: null, maxMs: null };
    weighted.sort((a, b) => a.value - b.value);
    return { count, p50Ms: quantile(weighted, count, 0.5), p95Ms: quantile(weighted, count, 0.95), maxMs: max };
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / this.bucketMs);
    while (this.buckets.length > 0 && this.buckets[0]!.minute <= oldest) this.buckets.shift();
  }
}

/** The smallest value whose cumulative weight reaches q of the total (nearest rank). */
function quantile(sorted: { value: number; weight: number }[], total: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const { value, weight } of sorted) {
    seen += weight;
    if (seen >= rank - 1e-9) return value;
  }
  return sorted[sorted.length - 1]!.value;
}

/** One LagWindow per portal. */
export class PortalLag {
  private readonly windows = new Map<string, LagWindow>();

  constructor(private readonly options: LagWindowOptions = {}) {}

  add(portalId: string, lagMs: number, at: number): void {
    let window = this.windows.get(portalId);
    if (!window) {
      window = new LagWindow(this.options);
      this.windows.set(portalId, window);
    }
    window.add(lagMs, at);
  }

  summary(portalId: string, now: number): LagSummary {
    return this.windows.get(portalId)?.summary(now) ?? { count: 0, p50Ms: null, p95Ms: null, maxMs: null };
  }

  portals(): string[] {
    return [...this.windows.keys()];
  }
}
