// A loopback HTTP proxy that hands each request to the next of several receivers in turn, as a load balancer with
// round robin does (compose.yaml's Caddy, for the tests). A backend that refuses the connection (its process was
// killed) is skipped for that request and the next one is tried, as Caddy's lb_retries does; a request that went out
// and lost its connection is answered 502, never sent twice; an answer, whatever its status, is passed back as it is. Backends can be swapped while it runs (an instance restarted on a new port).
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  /** The backends' base URLs (http://127.0.0.1:port), in turn order. */
  backends: string[];
  /** How many requests each backend answered, by URL. */
  served(): Record<string, number>;
  close(): Promise<void>;
}

function forward(backend: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const upstream = httpRequest(
      { host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers: { ...req.headers, host: backend.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.once('end', () => resolve(true));
        answer.once('error', () => resolve(true));
      },
    );
    // Refused (nothing was sent): try the next backend. Reset after the request went out: it may have been acted on,
    // so it is not sent again; the client gets 502, as from Caddy, and pretix delivers it again later.
    let connected = false;
    upstream.once('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    upstream.once('error', () => {
      if (!connected) return resolve(false);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'bad_gateway', message: 'the receiver closed the connection' }));
      resolve(true);
    });
    upstream.end(body);
  });
}

export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  let next = 0;
  const served = new Map<string, number>();
  const proxy: RoundRobinProxy = {
    url: '',
    backends: [...backends],
    served: () => Object.fromEntries(served),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const list = proxy.backends;
      const start = next;
      next = (next + 1) % Math.max(1, list.length);
      for (let tried = 0; tried < list.length; tried += 1) {
        const backend = list[(start + tried) % list.length]!;
        if (await forward(new URL(backend), req, body, res)) {
          served.set(backend, (served.get(backend) ?? 0) + 1);
          return;
        }
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'bad_gateway', message: 'no receiver answered' }));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
