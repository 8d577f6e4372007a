// The scale scenarios' load balancer: each request to the next backend in turn, a dead backend skipped.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy';

const servers: Server[] = [];
let proxy: RoundRobinProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve)))));
});

async function backend(name: string): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.writeHead(name === 'busy' ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, method: req.method, url: req.url, body }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('round-robin proxy', () => {
  it('hands requests to each backend in turn, with method, path and body unchanged', async () => {
    const urls = [await backend('a'), await backend('b'), await backend('c')];
    proxy = await startRoundRobinProxy(urls);
    const answers = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await fetch(`${proxy.url}/webhooks/x?n=${i}`, { method: 'POST', body: `body-${i}` });
      answers.push((await response.json()) as { name: string; url: string; body: string });
    }
    expect(answers.map((a) => a.name)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(answers[4]).toMatchObject({ url: '/webhooks/x?n=4', body: 'body-4', method: 'POST' });
    expect(Object.values(proxy.served())).toEqual([2, 2, 2]);
  });

  it('skips a backend that refuses connections, passes other answers (503 too) through, and says 502 when none answers', async () => {
    const urls = [await backend('a'), await backend('busy')];
    const dead = servers[0]!;
    proxy = await startRoundRobinProxy(urls);
    await new Promise((resolve) => (dead.closeAllConnections(), dead.close(resolve)));
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fetch(`${proxy.url}/`, { method: 'POST', body: '{}' })).status);
    expect(statuses).toEqual([503, 503, 503, 503]);
    proxy.backends = [urls[0]!];
    expect((await fetch(`${proxy.url}/`)).status).toBe(502);
  });
});
