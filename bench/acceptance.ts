// Webhook acceptance: throughput and p99 latency of POST /webhooks/pretix/:token against a bare Fastify route in
// the same process, measured alternately in one run so that the ratio is fair on a shared machine.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface AcceptanceResult {
  bare: { rps: number; p99: number };
  webhook: { rps: number; p99: number };
  throughputRatio: number;
  p99Ratio: number;
}

async function load(url: string, durationSec: number, body: () => string) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: 32,
    duration: durationSec,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
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
    const bare: { rps: number; p99: number }[] = [];
    const webhook: { rps: number; p99: number }[] = [];
    await load(urls.bare, 1, payload); // warm-up
    await load(urls.webhook, 1, payload);
    for (let round = 0; round < rounds; round += 1) {
      bare.push(await load(urls.bare, durationSec, payload));
      webhook.push(await load(urls.webhook, durationSec, payload));
    }
    const mean = (xs: { rps: number; p99: number }[]) => ({
      rps: xs.reduce((a, x) => a + x.rps, 0) / xs.length,
      p99: xs.reduce((a, x) => a + x.p99, 0) / xs.length,
    });
    const b = mean(bare);
    const w = mean(webhook);
    return { bare: b, webhook: w, throughputRatio: w.rps / b.rps, p99Ratio: b.p99 / w.p99 };
  } finally {
    child.kill('SIGTERM');
  }
}
