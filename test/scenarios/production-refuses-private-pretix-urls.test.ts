// In production, a pretix base URL on loopback or a private network is refused before any request goes out: a
// portal's users must not be able to make the receiver probe its own network.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateHost } from '../../receiver/domain/pretix-url';
import { ORGANIZER, PORTAL_ID, PRETIX_TOKEN, startStack, type Stack } from '../helpers/stack';

describe('pretix URLs in production', () => {
  let stack: Stack;

  beforeAll(async () => {
    // A public-looking name that the receiver's DNS resolves to a private address, as an internal host would.
    stack = await startStack({
      env: { NODE_ENV: 'production' },
      resolvePretixHost: async (hostname) => (hostname === 'tickets.example.org' ? [{ address: '10.20.30.40', family: 4 }] : []),
    });
  });
  afterAll(() => stack.close());

  it('refuses loopback and private addresses with a reason, storing nothing and sending nothing', async () => {
    await stack.store.flush();
    const before = await readFile(stack.dataFile, 'utf8').catch(() => '');
    const requestsBefore = stack.pretix.requests.length;
    for (const baseUrl of [stack.pretix.url, 'https://10.1.2.3', 'https://192.168.0.10', 'https://[::1]:8443', 'https://localhost']) {
      await expect(
        stack.admin.post('/connections', { portalId: PORTAL_ID, baseUrl, organizer: ORGANIZER, apiToken: PRETIX_TOKEN }),
      ).rejects.toThrow(/local or private address/);
    }
    expect(stack.pretix.requests.length).toBe(requestsBefore);
    await stack.store.flush();
    expect(await readFile(stack.dataFile, 'utf8').catch(() => '')).toBe(before);
  });

  it('refuses a public name that resolves to a private address, naming the address, and stores nothing', async () => {
    await stack.store.flush();
    const before = await readFile(stack.dataFile, 'utf8').catch(() => '');
    await expect(
      stack.admin.post('/connections', { portalId: PORTAL_ID, baseUrl: 'https://tickets.example.org', organizer: ORGANIZER, apiToken: PRETIX_TOKEN }),
    ).rejects.toThrow(/tickets\.example\.org resolves to 10\.20\.30\.40, a local or private address/);
    await stack.store.flush();
    expect(await readFile(stack.dataFile, 'utf8').catch(() => '')).toBe(before);
  });

  it('tells private hosts from public ones', () => {
    for (const host of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.1.1', '100.64.0.1', '[::1]', 'fd12:3456::1', 'fe80::1', 'localhost', '0.0.0.0']) {
      expect(isPrivateHost(host), host).toBe(true);
    }
    for (const host of ['pretix.eu', '172.32.0.1', '8.8.8.8', '[2001:db8::1]', 'tickets.example.org']) {
      expect(isPrivateHost(host), host).toBe(false);
    }
  });
});
