// A minimal webhook receiver for tests of the fake's delivery: records what pretix would POST and answers with
// scripted statuses.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json } from './types';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Json;
  /** When the POST arrived and when it was answered (ms since epoch). */
  receivedAt: number;
  answeredAt: number;
}

export interface WebhookListener {
  /** e.g. `http://127.0.0.1:40123/hooks/pretix` */
  url: string;
  received: ReceivedWebhook[];
  /** Statuses for the next deliveries, in order; afterwards 200. */
  respondWith(...statuses: number[]): void;
  /** Wait this long before answering each POST (a slow receiver); default 0. */
  answerAfter(ms: number): void;
  close(): Promise<void>;
}

export async function startWebhookListener(path = '/hooks/pretix'): Promise<WebhookListener> {
  const received: ReceivedWebhook[] = [];
  const script: number[] = [];
  let delayMs = 0;
  const server = createServer((req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: Json = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
      } catch {
        // recorded as {}: the test will notice
      }
      const entry: ReceivedWebhook = { path: req.url ?? '', headers: req.headers, body, receivedAt, answeredAt: 0 };
      received.push(entry);
      const status = script.shift() ?? 200;
      setTimeout(() => {
        entry.answeredAt = Date.now();
        res.writeHead(status, { 'Content-Type': 'text/plain' });
        res.end('ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    respondWith: (...statuses) => script.push(...statuses),
    answerAfter: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
