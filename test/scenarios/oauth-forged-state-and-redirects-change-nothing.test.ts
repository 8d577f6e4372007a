// Forged, missing, replayed, expired and other-browser states, reused codes, HubSpot's error answer and
// open-redirect attempts: each gets a clear 4xx page, no redirect anywhere but HubSpot, and nothing stored changes.
import { afterEach, describe, expect, it } from 'vitest';
import { dataSnapshot } from '../helpers/data-snapshot';
import { approve, callback, install, pageText, startInstall } from '../helpers/oauth-journey';
import { PORTAL_ID, startStack, type Stack } from '../helpers/stack';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function withParams(url: URL, params: Record<string, string | null>): URL {
  const copy = new URL(url);
  for (const [key, value] of Object.entries(params)) {
    if (value === null) copy.searchParams.delete(key);
    else copy.searchParams.set(key, value);
  }
  return copy;
}

describe('OAuth callback refusals', () => {
  it('refuses forged, missing, other-browser and expired states with 4xx pages and stores nothing', async () => {
    let skew = 0;
    stack = await startStack({ oauth: true, staticToken: false, now: () => Date.now() + skew });
    const before = await dataSnapshot(stack);

    const a = await startInstall(stack);
    const b = await startInstall(stack);
    const callbackA = await approve(stack, a);

    const forged = await callback(withParams(callbackA, { state: 'Zm9yZ2VkLXN0YXRlLXRoYXQtd2UtbmV2ZXItaXNzdWVkLTAxMjM0NTY3OA' }), a.cookie);
    expect(forged.status).toBe(400);
    expect(pageText(forged.html)).toContain('does not belong to an install started here');

    const missing = await callback(withParams(callbackA, { state: null }), a.cookie);
    expect(missing.status).toBe(400);
    expect(pageText(missing.html)).toContain('without the "state"');

    // A's state with B's cookie: started in another browser. (A's state is spent by this attempt.)
    const otherBrowser = await callback(callbackA, b.cookie);
    expect(otherBrowser.status).toBe(400);
    expect(pageText(otherBrowser.html)).toContain('started in another browser');
    const spent = await callback(callbackA, a.cookie);
    expect(spent.status).toBe(400);
    expect(pageText(spent.html)).toContain('already used once');

    // B waits longer than the state lives.
    const callbackB = await approve(stack, b);
    skew = 11 * 60_000;
    const expired = await callback(callbackB, b.cookie);
    expect(expired.status).toBe(400);
    expect(expired.html).toContain('<title>HubSpot Integration</title>');
    expect(pageText(expired.html)).toContain('This install link has expired');
    expect(pageText(expired.html)).toContain('Request access');

    expect(stack.hubspot.codeExchangeCount()).toBe(0);
    expect(await stack.store.getInstallation(PORTAL_ID)).toBeUndefined();
    expect(await dataSnapshot(stack)).toEqual(before);
  });

  it('refuses a reused code, and changes nothing about the installation it came from', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    const first = await install(stack);
    expect(first.status).toBe(200);
    const installed = await dataSnapshot(stack);

    const next = await startInstall(stack);
    const reused = withParams(first.callbackUrl, { state: next.state });
    const result = await callback(reused, next.cookie);
    expect(result.status).toBe(400);
    expect(pageText(result.html)).toContain('HubSpot did not accept the authorization code');
    expect(await dataSnapshot(stack)).toEqual(installed);
  });

  it("shows HubSpot's refusal (error=access_denied) escaped, and spends the state", async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    const before = await dataSnapshot(stack);
    const started = await startInstall(stack);
    const denied = new URL(`${stack.receiverUrl}/oauth/callback`);
    denied.searchParams.set('error', 'access_denied');
    denied.searchParams.set('error_description', '<script>alert(1)</script> user said no');
    denied.searchParams.set('state', started.state);
    const result = await callback(denied, started.cookie);
    expect(result.status).toBe(403);
    expect(result.html).not.toContain('<script>alert(1)</script>');
    expect(result.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; user said no');
    expect(pageText(result.html)).toContain('HubSpot did not grant access (access_denied');
    // The state cannot be used afterwards.
    const code = new URL(await stack.hubspot.approve(started.authorizeUrl.toString())).searchParams.get('code')!;
    const late = await callback(withParams(denied, { error: null, error_description: null, code }), started.cookie);
    expect(late.status).toBe(400);
    expect(await dataSnapshot(stack)).toEqual(before);
  });
});

describe('open redirects', () => {
  it('takes no parameter on /oauth/install that could change where the browser goes', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    const before = await dataSnapshot(stack);
    for (const query of [
      'redirect_uri=https%3A%2F%2Fevil.example%2Fcallback',
      'redirect=https%3A%2F%2Fevil.example',
      'next=%2F%2Fevil.example',
      'returnTo=https%3A%2F%2Fevil.example',
      'scope=oauth',
      'state=chosen-by-attacker',
    ]) {
      const response = await fetch(`${stack.receiverUrl}/oauth/install?${query}`, { redirect: 'manual' });
      expect(response.status, query).toBe(400);
      expect(response.headers.get('location'), query).toBeNull();
      const text = pageText(await response.text());
      expect(text).toContain('HubSpot Integration');
    }
    expect(await dataSnapshot(stack)).toEqual(before);
  });

  it('refuses redirect parameters on the callback, and the redirect_uri comes from PUBLIC_URL whatever the Host header says', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    const before = await dataSnapshot(stack);
    const started = await startInstall(stack);
    const callbackUrl = await approve(stack, started);
    for (const param of ['redirect', 'next', 'returnTo', 'return_to', 'redirect_uri', 'continue']) {
      const result = await callback(withParams(callbackUrl, { [param]: 'https://evil.example/' }), started.cookie);
      expect(result.status, param).toBe(400);
      expect(result.headers.get('location'), param).toBeNull();
      expect(pageText(result.html)).toContain(`The parameter "${param}" is not accepted here`);
    }
    const spoofed = await stack.app.server.inject({ method: 'GET', url: '/oauth/install', headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } });
    expect(spoofed.statusCode).toBe(302);
    const location = new URL(spoofed.headers.location as string);
    expect(location.origin).toBe(stack.hubspot.url);
    expect(location.searchParams.get('redirect_uri')).toBe(`${stack.receiverUrl}/oauth/callback`);
    expect(await dataSnapshot(stack)).toEqual(before);
  });

  it('answers the install routes with a clear page when OAuth is not configured', async () => {
    stack = await startStack();
    const response = await fetch(`${stack.receiverUrl}/oauth/install`, { redirect: 'manual' });
    expect(response.status).toBe(404);
    expect(pageText(await response.text())).toContain('HubSpot OAuth is not configured on this receiver');
  });
});
