import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loggerOptions, redactUrl } from '../../receiver/logging';
import { registerErrorHandling } from '../../receiver/http/errors';

const TOKEN = 'Zq3v_8kP-2mXr7TnY4bWc9LdQ1sHfJ6aE0gUiOoVxAz';

describe('log redaction', () => {
  it('hides webhook secrets, OAuth codes and contact emails in logged URLs', () => {
    expect(redactUrl('/webhooks/pretix/abcdefSECRET123?x=1')).toBe('/webhooks/pretix/[redacted]');
    expect(redactUrl('/oauth/callback?code=c0de&state=st4te')).toBe('/oauth/callback?code=[redacted]&state=[redacted]');
    expect(redactUrl('/api/v1/contacts/1/orders?portalId=42&email=a%40b.example&email=c%40d.example')).toBe(
      '/api/v1/contacts/1/orders?portalId=42&email=[redacted]&email=[redacted]',
    );
    expect(redactUrl('/healthz')).toBe('/healthz');
    expect(redactUrl('/admin/v1/connections?page=2')).toBe('/admin/v1/connections?page=2');
  });

  it.each([
    `/webhooks/pretix/${TOKEN}`,
    `//webhooks/pretix/${TOKEN}`,
    `/Webhooks/pretix/${TOKEN}`,
    `/WEBHOOKS/PRETIX/${TOKEN}`,
    `/webhooks//pretix/${TOKEN}`,
    `/webhooks/pretix//${TOKEN}`,
    `/%77ebhooks/pretix/${TOKEN}`,
    `/webhooks/%70retix/${TOKEN}`,
    `/webhooks%2Fpretix%2F${TOKEN}`,
    `/webhooks/%2570retix/${TOKEN}`,
    `/webhooks/pretix/${TOKEN}/extra`,
    `/webhooks/pretix/${TOKEN}?x=1`,
    `/webhooks/pretix/x?${TOKEN}`,
    `/webhooks/pretix?t=${TOKEN}`,
    `/webhooks\\pretix\\${TOKEN}`,
    `/anything/else?whatever=${TOKEN}`,
    `/anything/else?${TOKEN}`,
    `/oauth/callback?%63ode=${TOKEN}`,
    `/oauth/callback?TOKEN=${TOKEN}`,
  ])('keeps the token out of the URL %s', (url) => {
    expect(redactUrl(url)).not.toContain(TOKEN);
    expect(redactUrl(url)).not.toContain(TOKEN.slice(0, 16));
  });
});

describe('log redaction over HTTP', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(): Promise<{ port: number; logs: () => string }> {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        text += chunk.toString('utf8');
        callback();
      },
    });
    app = Fastify({ logger: loggerOptions('debug', stream) });
    registerErrorHandling(app);
    app.post('/webhooks/pretix/:token', async (request) => {
      // What a careless handler might do: log the request's headers and an outgoing call's headers.
      request.log.info({ headers: request.headers, upstream: { headers: { authorization: `Bearer ${TOKEN}` } } }, 'headers seen');
      return { status: 'ok' };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return { port: typeof address === 'object' && address ? address.port : 0, logs: () => text };
  }

  function send(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end('{}');
    });
  }

  it('writes no spelling of a webhook URL and no secret header to the log stream', async () => {
    const { port, logs } = await start();
    const spellings = [
      `/webhooks/pretix/${TOKEN}`,
      `//webhooks/pretix/${TOKEN}`,
      `/Webhooks/pretix/${TOKEN}`,
      `/webhooks//pretix/${TOKEN}`,
      `/%77ebhooks/pretix/${TOKEN}`,
      `/webhooks/pretix/${TOKEN}/extra`,
      `/webhooks/pretix/${TOKEN}?token=${TOKEN}`,
      `/webhooks/pretix/x?${TOKEN}`,
      `/webhooks%2Fpretix%2F${TOKEN}`,
    ];
    const statuses: number[] = [];
    for (const path of spellings) {
      statuses.push(
        await send(port, path, {
          authorization: `Token ${TOKEN}`,
          cookie: `session=${TOKEN}`,
          'x-api-key': TOKEN,
          'proxy-authorization': `Basic ${TOKEN}`,
          'x-hubspot-signature-v3': TOKEN,
        }),
      );
    }
    expect(statuses).toContain(200); // the plain spelling reached the handler, which logs the headers
    await app!.close();
    const text = logs();
    const lines = text.trim().split('\n');
    expect(lines.filter((line) => line.includes('incoming request')).length).toBe(spellings.length);
    expect(text).toContain('headers seen');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.slice(0, 16));
  });
});
