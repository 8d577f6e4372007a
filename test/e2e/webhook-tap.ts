// A recording reverse proxy in front of the receiver, in the place a TLS-terminating proxy sits in production:
// the receiver's PUBLIC_URL points here, so the webhook URL it registers in pretix does too. Every request is
// passed through unchanged and recorded with the receiver's answer, which tells which webhooks (and which pretix
// action names) actually reached the receiver.
import { createServer, type Server } from 'node:http';

export interface TappedCall {
  at: number;
  method: string;
  /** Path with the webhook secret replaced by `…`. */
  path: string;
  body: Record<string, unknown> | null;
  /** The receiver's status code (502 when it could not be reached). */
  status: number;
  /** The receiver's JSON answer, e.g. `{"status": "queued"}`. */
  answer: unknown;
}

export interface WebhookTap {
  url: string;
  calls: TappedCall[];
  /** Webhook POSTs the receiver answered with 2xx. */
  webhooks(filter?: { code?: string; since?: number }): TappedCall[];
  close(): Promise<void>;
}

export async function startWebhookTap(target: string): Promise<WebhookTap> {
  const calls: TappedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const at = Date.now();
        let body: Record<string, unknown> | null = null;
        try {
          body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : null;
        } catch {
          body = { unparsable: raw.toString('utf8') };
        }
        const call: TappedCall = {
          at,
          method: req.method ?? 'GET',
          path: (req.url ?? '').replace(/^(\/webhooks\/pretix\/)[^/?#]+/, '$1…'),
          body,
          status: 502,
          answer: null,
        };
        try {
          const headers: Record<string, string> = {};
          for (const name of ['content-type', 'user-agent', 'accept']) {
            const value = req.headers[name];
            if (typeof value === 'string') headers[name] = value;
          }
          const response = await fetch(`${target}${req.url ?? '/'}`, {
            method: req.method,
            headers,
            body: raw.length > 0 ? raw : undefined,
            redirect: 'manual',
            signal: AbortSignal.timeout(25_000),
          });
          const text = await response.text();
          call.status = response.status;
          try {
            call.answer = text ? JSON.parse(text) : null;
          } catch {
            call.answer = text;
          }
          res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'text/plain' });
          res.end(text);
        } catch (error) {
          call.answer = String(error);
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('receiver unreachable');
        }
        calls.push(call);
      })();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    calls,
    webhooks(filter = {}) {
      return calls.filter(
        (c) =>
          c.method === 'POST' &&
          c.path.startsWith('/webhooks/pretix/') &&
          c.status >= 200 &&
          c.status < 300 &&
          (filter.code === undefined || c.body?.code === filter.code) &&
          (filter.since === undefined || c.at >= filter.since),
      );
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
