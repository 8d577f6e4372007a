// Webhook acceptance: throughput and p99 latency of POST /webhooks/pretix/:token against a bare Fastify route in
// the same process, measured alternately in one run so that the ratio is fair on a shared machine.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { percentile } from './percentile';

export interface AcceptanceResult {
  bare: LoadResult;
  webhook: LoadResult;
  throughputRatio: number;
  p99Ratio: number;
}

interface LoadResult {
  rps: number;
  /** exact 99th percentile of every response time, in ms */
  p99: number;
  /** autocannon's own p99, from a histogram that keeps whole milliseconds */
  p99WholeMs: number;
}

async function load(url: string, durationSec: number, body: () => string): Promise<LoadResult> {
  // autocannon's histogram floors response times to whole milliseconds, too coarse for a route answering in about
  // 1 ms (1.6 ms counts as 1); every response time (a float in ms, from process.hrtime) is kept here instead.
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections: 32,
        duration: durationSec,
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    });
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: percentile(latencies.subarray(0, count), 99), p99WholeMs: result.latency.p99 };
}

export async function runAcceptanceBenchmark(durationSec = 5, rounds = 2): Promise<AcceptanceResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/acceptance-servers.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await once(lines, 'line')) as [string];
    const urls = JSON.parse(line) as { bare: string; webhook: string };
    let notification = 0;
    // 1,000 distinct orders: repeated triggers merge into their order's job, as in a real burst.
    const payload = () => {
      notification += 1;
      return JSON.stringify({ notification_id: notification, organizer: 'acmecorp', event: 'democon', code: `C${notification % 1000}`, action: 'pretix.event.order.placed' });
    };
    const bare: LoadResult[] = [];
    const webhook: LoadResult[] = [];
    await load(urls.bare, 1, payload); // warm-up
    await load(urls.webhook, 1, payload);
    for (let round = 0; round < rounds; round += 1) {
      bare.push(await load(urls.bare, durationSec, payload));
      webhook.push(await load(urls.webhook, durationSec, payload));
    }
    const average = (xs: LoadResult[], key: keyof LoadResult) => xs.reduce((sum, x) => sum + x[key], 0) / xs.length;
    const mean = (xs: LoadResult[]): LoadResult => ({ rps: average(xs, 'rps'), p99: average(xs, 'p99'), p99WholeMs: average(xs, 'p99WholeMs') });
    const b = mean(bare);
    const w = mean(webhook);
    return { bare: b, webhook: w, throughputRatio: w.rps / b.rps, p99Ratio: b.p99 / w.p99 };
  } finally {
    child.kill('SIGTERM');
  }
}
