// The shared retry transport with a scripted fetch, an injected clock, sleep and random: which answers are retried,
// how long it waits, and what it reports.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransientSyncError } from '../../receiver/domain/errors';
import {
  HttpTransport,
  NetworkFailure,
  backoffDelay,
  parseRetryAfter,
  type RetryEvent,
  type TransportOptions,
} from '../../receiver/lib/http-transport';
import { createRateLimiter, type RateLimiter } from '../../receiver/lib/rate-limiter';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const URL_ = new URL('https://api.example.test/v1/things/42?secret=s3cr3t');

type Step = { status: number; headers?: Record<string, string>; body?: string } | Error | 'hang';

function scripted(steps: Step[]) {
  const calls: { url: string; headers: Record<string, string>; method: string }[] = [];
  const fetchImpl = (async (url: URL, init: RequestInit) => {
    calls.push({ url: String(url), headers: init.headers as Record<string, string>, method: String(init.method) });
    const step = steps.shift() ?? { status: 200, body: '{}' };
    if (step === 'hang') {
      return new Promise((_resolve, reject) => {
        init.signal!.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')));
      });
    }
    if (step instanceof Error) throw step;
    return new Response(step.body ?? '', { status: step.status, headers: step.headers });
  }) as unknown as typeof fetch;
  return { fetchImpl, calls };
}

function transport(steps: Step[], overrides: Partial<TransportOptions> = {}) {
  const { fetchImpl, calls } = scripted(steps);
  const sleeps: number[] = [];
  const retries: RetryEvent[] = [];
  const t = new HttpTransport({
    service: 'pretix',
    fetch: fetchImpl,
    limiterKey: 'k',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => NOW,
    random: () => 0.5,
    onRetry: (event) => retries.push(event),
    ...overrides,
  });
  return { t, calls, sleeps, retries };
}

const get = (headers: () => Record<string, string> = () => ({ authorization: 'Token abc' })) => ({ method: 'GET', url: URL_, headers });

const fetchFailed = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code}`), { code }) });

afterEach(() => {
  vi.useRealTimers();
});

describe('parseRetryAfter', () => {
  it('reads seconds (rounding fractions up) and HTTP dates, ignores junk', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(' 0.25 ')).toBe(250);
    expect(parseRetryAfter('0.0001')).toBe(1);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('stays between half the ceiling and the ceiling, doubling up to the cap', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(8_000, 500 * 2 ** attempt);
      expect(backoffDelay(attempt, 500, 8_000, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(attempt, 500, 8_000, () => 0.999999)).toBe(ceiling);
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attempt, 500, 8_000, Math.random);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});

describe('HttpTransport', () => {
  it('waits out a 429 Retry-After in seconds, then returns the answer', async () => {
    const { t, calls, sleeps, retries } = transport([{ status: 429, headers: { 'retry-after': '2' } }, { status: 200, body: '{"ok":true}' }]);
    const response = await t.send(get());
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"ok":true}');
    expect(response.attempts).toBe(2);
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([2_000]);
    expect(retries).toEqual([{ service: 'pretix', method: 'GET', path: '/v1/things/42', status: 429, attempt: 2, delayMs: 2_000 }]);
  });

  it('reads a Retry-After date against the injected clock', async () => {
    const at = new Date(NOW + 7_000).toUTCString();
    const { t, sleeps } = transport([{ status: 429, headers: { 'retry-after': at } }]);
    expect((await t.send(get())).status).toBe(200);
    expect(sleeps).toEqual([7_000]);
  });

  it('pauses the limiter on a 429 and lets the limiter hold the retry instead of sleeping', async () => {
    const pauses: [string, number][] = [];
    let acquired = 0;
    const limiter: RateLimiter = {
      ...createRateLimiter({ limit: 10, intervalMs: 1_000 }),
      acquire: async () => {
        acquired++;
        return () => {};
      },
      pause: (key, ms) => pauses.push([key, ms]),
      inWindow: () => 0,
    };
    const { t, sleeps } = transport([{ status: 429, headers: { 'retry-after': '1' } }], { limiter });
    expect((await t.send(get())).status).toBe(200);
    expect(pauses).toEqual([['k', 1_000]]);
    expect(acquired).toBe(2);
    expect(sleeps).toEqual([]);
  });

  it('waits at least minRateLimitWaitMs after a 429 without Retry-After', async () => {
    const { t, sleeps } = transport([{ status: 429 }, { status: 429 }], { minRateLimitWaitMs: 1_000, random: () => 0 });
    await t.send(get());
    expect(sleeps).toEqual([1_000, 1_000]);
  });

  it('gives up on a Retry-After longer than maxRetryAfterMs at once, carrying it', async () => {
    const { t, calls, sleeps } = transport([{ status: 429, headers: { 'retry-after': '600' } }]);
    const response = await t.send(get());
    expect(response.status).toBe(429);
    expect(response.retryAfterMs).toBe(600_000);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries 503 with exponential backoff and returns the last answer after maxRetries', async () => {
    const { t, calls, sleeps, retries } = transport(Array.from({ length: 10 }, () => ({ status: 503 })), { maxRetries: 3, random: () => 1 });
    const response = await t.send(get());
    expect(response.status).toBe(503);
    expect(response.attempts).toBe(4);
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([500, 1_000, 2_000]);
    expect(retries.map((r) => [r.status, r.attempt])).toEqual([[503, 2], [503, 3], [503, 4]]);
  });

  it('uses a 5xx Retry-After when it is reasonable', async () => {
    const { t, sleeps } = transport([{ status: 503, headers: { 'retry-after': '3' } }, { status: 502, headers: { 'retry-after': '3600' } }], { random: () => 0 });
    await t.send(get());
    expect(sleeps).toEqual([3_000, 500]);
  });

  it('does not retry 4xx answers other than 408, 423 and 429', async () => {
    for (const status of [400, 401, 403, 404, 409, 422]) {
      const { t, calls } = transport([{ status }]);
      expect((await t.send(get())).status).toBe(status);
      expect(calls).toHaveLength(1);
    }
    for (const status of [408, 423]) {
      const { t, calls } = transport([{ status }]);
      expect((await t.send(get())).status).toBe(200);
      expect(calls).toHaveLength(2);
    }
  });

  it('lets the service mark an answer final (HubSpot’s daily limit)', async () => {
    const { t, calls } = transport([{ status: 429, body: '{"policyName":"DAILY"}' }]);
    const response = await t.send({ ...get(), final: (r) => r.text.includes('DAILY') });
    expect(response.status).toBe(429);
    expect(calls).toHaveLength(1);
  });

  it('retries a network error and throws a transient NetworkFailure when it persists', async () => {
    const ok = transport([fetchFailed('ECONNRESET')]);
    expect((await ok.t.send(get())).status).toBe(200);
    expect(ok.retries.map((r) => r.status)).toEqual(['network']);

    const down = transport([fetchFailed('ECONNREFUSED'), fetchFailed('ECONNREFUSED'), fetchFailed('ECONNREFUSED')], { maxRetries: 2 });
    const error = await down.t.send(get()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkFailure);
    expect(error).toBeInstanceOf(TransientSyncError);
    expect((error as NetworkFailure).kind).toBe('network');
    expect((error as NetworkFailure).detail).toBe('connection refused (ECONNREFUSED)');
    expect(down.calls).toHaveLength(3);
    expect(down.sleeps).toHaveLength(2);
  });

  it('times out a hanging attempt per attempt', async () => {
    vi.useFakeTimers();
    const { t, calls } = transport(['hang', 'hang'], { timeoutMs: 5_000, maxRetries: 1 });
    const sending = t.send(get()).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await sending;
    expect(error).toBeInstanceOf(NetworkFailure);
    expect((error as NetworkFailure).kind).toBe('timeout');
    expect((error as NetworkFailure).message).toBe('no answer within 5 s');
  });

  it('lets a bug in the request (not a network failure) out unchanged and unretried', async () => {
    const bug = new TypeError('Headers.append: "a\nb" is an invalid header value.');
    const { t, calls } = transport([bug]);
    await expect(t.send(get())).rejects.toBe(bug);
    expect(calls).toHaveLength(1);
    const argument = Object.assign(new TypeError('The "body" argument must be of type string'), { code: 'ERR_INVALID_ARG_TYPE' });
    await expect(transport([argument]).t.send(get())).rejects.toBe(argument);
    // A system error thrown as is (by a custom lookup, say) is a network failure all the same.
    const guard = Object.assign(new Error('pretix.example resolves to 10.0.0.1, a private address'), { code: 'EPRIVATEADDRESS' });
    const failure = await transport([guard], { maxRetries: 0 }).t.send(get()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NetworkFailure);
    expect((failure as NetworkFailure).detail).toBe('pretix.example resolves to 10.0.0.1, a private address');
  });

  it('lets an error from building the headers (a token refresh refused) out unchanged, even one with a code', async () => {
    const refused = Object.assign(new Error('the app was uninstalled'), { code: 'unknown_portal' });
    const { t, calls } = transport([]);
    await expect(
      t.send(
        get(() => {
          throw refused;
        }),
      ),
    ).rejects.toBe(refused);
    expect(calls).toHaveLength(0);
  });

  it('builds the headers per attempt (a refreshed token is used by the retry) and never reports them or the query', async () => {
    let n = 0;
    const { t, calls, retries } = transport([{ status: 500 }]);
    await t.send(get(() => ({ authorization: `Bearer token-${++n}` })));
    expect(calls.map((c) => c.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(JSON.stringify(retries)).not.toContain('token-');
    expect(JSON.stringify(retries)).not.toContain('s3cr3t');
  });
});
