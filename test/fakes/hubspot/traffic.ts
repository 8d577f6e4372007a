// Rate windows, injected faults and the request log of the fake.

export interface RateLimitSpec {
  /** Requests per window; `Infinity` lifts the limit. */
  limit: number;
  intervalMs: number;
  /**
   * Opt-in slack: the enforced window becomes `intervalMs - graceMs`. Default 0, i.e. as strict as HubSpot.
   * Arrival times here include the test process's own scheduling (a burst of 30 concurrent requests lands
   * over 50–120 ms), which is about what real network and TLS jitter does to a client that paces at exactly
   * the limit, so such a client draws 429s here as it would in production. Use this only to model a client
   * that keeps headroom some other way.
   */
  graceMs?: number;
}

export function effectiveWindowMs(spec: RateLimitSpec): number {
  return spec.intervalMs - (spec.graceMs ?? 0);
}

export type WindowCheck = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

/**
 * HubSpot counts requests in a rolling window ("TEN_SECONDLY_ROLLING"): a request at `t` is accepted when
 * fewer than `limit` accepted requests lie in (t - window, t]. Rejected requests are not recorded.
 */
export class SlidingWindow {
  /** Every accepted request, oldest first; kept whole so tests can audit the past. */
  readonly accepted: number[] = [];
  private head = 0;

  constructor(public spec: RateLimitSpec) {}

  private advance(t: number): void {
    const windowMs = effectiveWindowMs(this.spec);
    while (this.head < this.accepted.length && this.accepted[this.head]! <= t - windowMs) this.head++;
  }

  inWindow(t: number): number {
    this.advance(t);
    return this.accepted.length - this.head;
  }

  check(t: number): WindowCheck {
    if (this.spec.limit === Infinity) return { ok: true, remaining: Infinity };
    const used = this.inWindow(t);
    if (used < this.spec.limit) return { ok: true, remaining: this.spec.limit - used - 1 };
    const oldest = this.accepted[this.accepted.length - this.spec.limit]!;
    return { ok: false, retryAfterMs: Math.max(1, oldest + effectiveWindowMs(this.spec) - t + 1) };
  }

  record(t: number): void {
    this.accepted.push(t);
  }

  /** Largest number of accepted requests inside any window (t - windowMs, t]; default: the enforced window. */
  maxInAnyWindow(windowMs = effectiveWindowMs(this.spec)): number {
    let max = 0;
    let start = 0;
    for (let end = 0; end < this.accepted.length; end++) {
      while (this.accepted[start]! <= this.accepted[end]! - windowMs) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  reset(): void {
    this.accepted.length = 0;
    this.head = 0;
  }
}

export interface FaultSpec {
  /** How many matching requests fail; default 1. */
  count?: number;
  /** HTTP status to answer with, or 'reset' to drop the connection. Omit to only delay. */
  status?: number | 'reset';
  /** Sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  /**
   * Which requests: a substring of, or a RegExp tested against, "METHOD /path" (no query),
   * e.g. 'batch/upsert' or /^POST \/oauth\//. Without it only CRM API calls (/crm/...) are hit, so
   * that a storm aimed at the CRM does not also break the token refresh that precedes it.
   */
  route?: string | RegExp;
  /** Only requests authenticated for this portal. */
  portalId?: string | number;
  /** Wait this long before answering (or before handling normally when no status is set). */
  delayMs?: number;
  /** Response body instead of the default for the status. */
  body?: unknown;
}

export interface Fault extends Required<Pick<FaultSpec, 'count'>>, Omit<FaultSpec, 'count'> {
  remaining: number;
}

export function routeMatches(route: string | RegExp | undefined, key: string): boolean {
  if (route === undefined) return key.split(' ')[1]?.startsWith('/crm/') ?? false;
  return typeof route === 'string' ? key.includes(route) : route.test(key);
}

export class FaultQueue {
  private faults: Fault[] = [];

  add(spec: FaultSpec): void {
    const count = spec.count ?? 1;
    this.faults.push({ ...spec, count, remaining: count });
  }

  /** Consumes one use of the first fault that matches this request. */
  take(key: string, portalId: string | undefined): Fault | undefined {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && routeMatches(f.route, key) && (f.portalId === undefined || String(f.portalId) === portalId),
    );
    if (!fault) return undefined;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }

  pending(): number {
    return this.faults.reduce((sum, f) => sum + f.remaining, 0);
  }

  clear(): void {
    this.faults = [];
  }
}

export interface RecordedRequest {
  /** Arrival time (ms since epoch, fake clock). */
  at: number;
  method: string;
  /** Path without query string, e.g. /crm/v3/objects/contacts/batch/upsert. */
  path: string;
  /** Fastify route pattern, e.g. POST /crm/v3/objects/:objectType/batch/upsert. */
  route: string;
  portalId?: string;
  status: number;
  /** Parsed request body (JSON or form fields); not copied, do not mutate. */
  body: unknown;
}

export interface RequestFilter {
  portalId?: string | number;
  /** Substring of, or RegExp against, "METHOD /path". */
  route?: string | RegExp;
  status?: number;
}

export function matchesFilter(entry: RecordedRequest, filter: RequestFilter = {}): boolean {
  if (filter.portalId !== undefined && entry.portalId !== String(filter.portalId)) return false;
  if (filter.status !== undefined && entry.status !== filter.status) return false;
  if (filter.route !== undefined) {
    const key = `${entry.method} ${entry.path}`;
    if (typeof filter.route === 'string' ? !key.includes(filter.route) : !filter.route.test(key)) return false;
  }
  return true;
}
