// One HTTP retry transport for the pretix and HubSpot clients: per-attempt timeouts, the shared rate limiter,
// backoff with jitter, Retry-After (seconds or an HTTP date), and which failures are worth another attempt
// (429, 408, 423, 5xx, no answer at all). The clients keep only what is their service's own: headers and auth,
// what a status means for them, HubSpot's token refresh and 207 answers.
//
// The transport returns the last answer whatever its status (the client decides what it means) and throws only
// when the last attempt got no answer: a NetworkFailure, which is a TransientSyncError, so a dropped connection is
// never mistaken for a bug. Anything else fetch throws (a malformed header, an invalid URL) is a bug in our code and
// leaves unchanged.
import { TransientSyncError } from '../domain/errors';
import type { Priority, RateLimiter } from './rate-limiter';

export interface RetryEvent {
  service: string;
  method: string;
  /** The URL's path, never its query or host credentials. */
  path: string;
  /** The HTTP status that is retried, or why there was no answer. */
  status: number | 'timeout' | 'network';
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  delayMs: number;
}

export interface TransportOptions {
  /** For messages and retry logs: `pretix`, `HubSpot`. */
  service: string;
  fetch?: typeof fetch;
  /** Every attempt holds a slot of this limiter under `limiterKey`; a 429 pauses the key. */
  limiter?: RateLimiter;
  limiterKey: string;
  /** The limiter's class for these requests: 'interactive' when a person waits (default 'background'). */
  priority?: Priority;
  /** Per attempt, reading the body included (default 20 s). */
  timeoutMs?: number;
  /** Further attempts after the first (default 4). */
  maxRetries?: number;
  /** First backoff step (default 500 ms), doubling per attempt up to backoffMaxMs (default 8 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this is not waited out here: the answer goes back to the caller (default 60 s). */
  maxRetryAfterMs?: number;
  /** Least wait after a 429 without Retry-After (HubSpot asks for a second). Default 0. */
  minRateLimitWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Told about every retry before its wait (for logs); receives no header, body or query. */
  onRetry?: (event: RetryEvent) => void;
}

export interface TransportRequest {
  method: string;
  url: URL;
  /** Built per attempt, after the limiter slot is held, so a token refreshed meanwhile is used. */
  headers: () => Record<string, string> | Promise<Record<string, string>>;
  body?: string;
  redirect?: 'follow' | 'manual' | 'error';
  /** Overrides the transport's maxRetries (a person waiting: fewer). */
  maxRetries?: number;
  /** A service's own reason not to retry an otherwise retryable answer (HubSpot's daily limit). */
  final?: (response: TransportResponse) => boolean;
}

export interface TransportResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  /** Attempts made, this one included. */
  attempts: number;
  /** For a 429 or 5xx: how long the service asked us to wait (or, without Retry-After, the backoff chosen). */
  retryAfterMs?: number;
}

/** The last attempt got no HTTP answer. `detail` says why, for people (no URL query, no header). */
export class NetworkFailure extends TransientSyncError {
  constructor(
    readonly kind: 'timeout' | 'network',
    readonly detail: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(detail);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** 429 rate limits, 408/423 (timeout, HubSpot's "record locked") and server trouble: worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 423 || status === 429 || status >= 500;
}

/**
 * `Retry-After` in milliseconds: delta-seconds (fractions tolerated, rounded up so we never come back early) or an
 * HTTP date; anything else is ignored.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  // An HTTP date names its weekday and month; Date.parse would otherwise read "-5" as the year 5 BC.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Exponential backoff with "equal jitter": a ceiling of base·2^attempt (capped), and a wait between half the
 * ceiling and the ceiling, so retries spread out but never come back sooner than half the step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

interface ErrorWithCode {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/**
 * A failure of fetch that means "no answer": undici's `TypeError: fetch failed` (the reason is in `cause`), a system
 * error with a code, or an error from a custom lookup. Returns undefined for anything else, which is then a bug.
 */
function describeNoAnswer(error: unknown): { detail: string; code?: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = (error as ErrorWithCode).cause as ErrorWithCode | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : typeof (error as ErrorWithCode).code === 'string' ? (error as ErrorWithCode).code as string : undefined;
  const fetchFailed = error instanceof TypeError && error.message === 'fetch failed';
  // System errors are E + capitals (ECONNRESET, and the address guard's EPRIVATEADDRESS); Node's ERR_INVALID_ARG_…
  // and undici's argument errors are bugs in the call.
  const systemError = code !== undefined && (NETWORK_CODES[code] !== undefined || /^E[A-Z]+$/.test(code) || code === 'UND_ERR_SOCKET');
  if (!fetchFailed && !systemError) return undefined;
  if (code !== undefined && NETWORK_CODES[code]) return { detail: `${NETWORK_CODES[code]} (${code})`, code };
  // A lookup that refuses an address (../pretix/public-address-guard.ts) explains itself in its message.
  const message = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : fetchFailed ? undefined : error.message;
  if (message !== undefined && message !== '') return { detail: message, code };
  return { detail: code !== undefined ? `network error (${code})` : error.message, code };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HttpTransport {
  readonly service: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  private readonly fetchImpl: typeof fetch;
  private readonly limiter?: RateLimiter;
  private readonly limiterKey: string;
  private readonly priority?: Priority;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly minRateLimitWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly onRetry?: (event: RetryEvent) => void;

  constructor(options: TransportOptions) {
    this.service = options.service;
    this.fetchImpl = options.fetch ?? fetch;
    this.limiter = options.limiter;
    this.limiterKey = options.limiterKey;
    this.priority = options.priority;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.maxRetries = options.maxRetries ?? 4;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 8_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.minRateLimitWaitMs = options.minRateLimitWaitMs ?? 0;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.onRetry = options.onRetry;
  }

  /** Sends `request` until it gets a final answer or runs out of retries; see the module comment. */
  async send(request: TransportRequest): Promise<TransportResponse> {
    const maxRetries = request.maxRetries ?? this.maxRetries;
    for (let attempt = 0; ; attempt += 1) {
      const retriesLeft = attempt < maxRetries;
      let response: TransportResponse;
      try {
        response = await this.attempt(request, attempt + 1);
      } catch (error) {
        if (!(error instanceof NetworkFailure) || !retriesLeft) throw error;
        const delayMs = this.backoff(attempt);
        this.report(request, error.kind, attempt, delayMs);
        await this.sleep(delayMs);
        continue;
      }
      const { status } = response;
      if (!isRetryableStatus(status)) return response;
      const asked = parseRetryAfter(response.headers.get('retry-after'), this.now());
      if (status === 429) {
        const waitMs = asked ?? Math.max(this.minRateLimitWaitMs, this.backoff(attempt)) + Math.round((this.random() * this.minRateLimitWaitMs) / 4);
        response.retryAfterMs = waitMs;
        // Paused even when giving up, so that every other request for this account holds back too.
        this.limiter?.pause(this.limiterKey, waitMs);
        if (!retriesLeft || waitMs > this.maxRetryAfterMs || request.final?.(response)) return response;
        this.report(request, status, attempt, waitMs);
        // With a limiter the pause holds the next acquire; without one, wait here.
        if (!this.limiter) await this.sleep(waitMs);
        continue;
      }
      response.retryAfterMs = asked;
      if (!retriesLeft || request.final?.(response)) return response;
      const delayMs = asked !== undefined && asked <= this.maxRetryAfterMs ? asked : this.backoff(attempt);
      this.report(request, status, attempt, delayMs);
      await this.sleep(delayMs);
    }
  }

  backoff(attempt: number): number {
    return backoffDelay(attempt, this.backoffBaseMs, this.backoffMaxMs, this.random);
  }

  private report(request: TransportRequest, status: RetryEvent['status'], attempt: number, delayMs: number): void {
    this.onRetry?.({ service: this.service, method: request.method, path: request.url.pathname, status, attempt: attempt + 2, delayMs });
  }

  private async attempt(request: TransportRequest, attempts: number): Promise<TransportResponse> {
    // The one place a request takes a limiter slot: held until the answer (or the failure) is in.
    const release = this.limiter ? await this.limiter.acquire(this.limiterKey, this.priority) : undefined;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let headers: Record<string, string>;
    try {
      // Headers first (a token refresh has its own timeout and its own errors), then the clock for this attempt.
      headers = await request.headers();
    } catch (error) {
      release?.();
      throw error;
    }
    try {
      timer = setTimeout(() => controller.abort(), this.timeoutMs);
      const response = await this.fetchImpl(request.url, {
        method: request.method,
        headers,
        body: request.body,
        redirect: request.redirect ?? 'manual',
        signal: controller.signal,
      });
      const text = await response.text();
      return { status: response.status, statusText: response.statusText, headers: response.headers, text, attempts };
    } catch (error) {
      if (controller.signal.aborted) {
        throw new NetworkFailure('timeout', `no answer within ${this.timeoutMs / 1000} s`, undefined, { cause: error });
      }
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new NetworkFailure('timeout', `no answer within ${this.timeoutMs / 1000} s`, undefined, { cause: error });
      }
      const noAnswer = describeNoAnswer(error);
      if (!noAnswer) throw error;
      throw new NetworkFailure('network', noAnswer.detail, noAnswer.code, { cause: error });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      release?.();
    }
  }
}
