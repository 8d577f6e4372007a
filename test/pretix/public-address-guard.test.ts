import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_ADDRESS_CODE } from '../../receiver/pretix/errors';
import { createPublicOnlyFetch, publicOnlyLookup, type ResolveHost } from '../../receiver/pretix/public-address-guard';

const dnsOf =
  (table: Record<string, string[]>): ResolveHost =>
  async (hostname) =>
    (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

function lookupWith(resolve: ResolveHost, hostname: string, all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) => {
    publicOnlyLookup(resolve)(hostname, all ? { all: true } : {}, (error, address, family) => done({ error, address, family }));
  });
}

describe('publicOnlyLookup', () => {
  const dns = dnsOf({
    'pretix.eu': ['185.7.144.10', '2a01:4f8::10'],
    'intranet.example': ['10.0.0.7'],
    'rebound.example': ['185.7.144.10', '127.0.0.1'],
    'v6-local.example': ['fd00::5'],
  });

  it('passes public addresses on, in the form net.connect asked for', async () => {
    expect(await lookupWith(dns, 'pretix.eu', false)).toEqual({ error: null, address: '185.7.144.10', family: 4 });
    const all = await lookupWith(dns, 'pretix.eu', true);
    expect(all.error).toBeNull();
    expect(all.address).toEqual([
      { address: '185.7.144.10', family: 4 },
      { address: '2a01:4f8::10', family: 6 },
    ]);
  });

  it('refuses a name with any private address, naming that address', async () => {
    for (const [hostname, address] of [
      ['intranet.example', '10.0.0.7'],
      ['rebound.example', '127.0.0.1'],
      ['v6-local.example', 'fd00::5'],
    ] as const) {
      const { error } = await lookupWith(dns, hostname, true);
      expect(error?.code, hostname).toBe(PRIVATE_ADDRESS_CODE);
      expect(error?.message).toContain(`${hostname} resolves to ${address}`);
    }
  });

  it('reports names without an address and passes resolver failures through', async () => {
    expect((await lookupWith(dns, 'nowhere.example', false)).error?.code).toBe('ENOTFOUND');
    const failing: ResolveHost = async () => {
      throw Object.assign(new Error('queryA EAI_AGAIN'), { code: 'EAI_AGAIN' });
    };
    expect((await lookupWith(failing, 'pretix.eu', false)).error?.code).toBe('EAI_AGAIN');
  });
});

describe('createPublicOnlyFetch', () => {
  let server: Server;
  let port: number;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      requests += 1;
      response.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('never connects to a name that resolves to loopback, whether by the system DNS or another resolver', async () => {
    const before = requests;
    const systemDns = createPublicOnlyFetch();
    const viaSystem = await systemDns(`http://localhost:${port}/api/v1/`).catch((error: unknown) => error);
    expect((viaSystem as { cause?: { code?: string } }).cause?.code).toBe(PRIVATE_ADDRESS_CODE);

    const custom = createPublicOnlyFetch(dnsOf({ 'tickets.example.org': ['127.0.0.1'] }));
    const viaCustom = await custom(`http://tickets.example.org:${port}/api/v1/`).catch((error: unknown) => error);
    expect((viaCustom as { cause?: { message?: string } }).cause?.message).toContain('tickets.example.org resolves to 127.0.0.1');
    expect(requests).toBe(before);
  });

  it('is an ordinary fetch otherwise (IP literals are refused earlier, when a connection is added)', async () => {
    const response = await createPublicOnlyFetch()(`http://127.0.0.1:${port}/api/v1/`, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
