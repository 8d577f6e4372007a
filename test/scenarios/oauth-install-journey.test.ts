// A HubSpot super admin installs the app: status page → "Request access" → HubSpot's consent page → callback →
// "The HubSpot integration is now active"; the installation is stored with sealed tokens and then drives a real sync.
import { afterEach, describe, expect, it } from 'vitest';
import { adminTokenFor } from '../../receiver/app';
import { OPTIONAL_SCOPES, REQUIRED_SCOPES } from '../../receiver/hubspot/scopes';
import { createSecretBox } from '../../receiver/store/secrets';
import { callback, install, pageText, startInstall } from '../helpers/oauth-journey';
import { EVENT, HUBSPOT_TOKEN, OAUTH_CLIENT_ID, ORGANIZER, PORTAL_ID, SECRET_KEY, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('OAuth install journey', () => {
  it('redirects to HubSpot with the app, the scopes, the one callback and a fresh state', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    const first = await startInstall(stack);
    const second = await startInstall(stack);
    const url = first.authorizeUrl;
    expect(`${url.origin}${url.pathname}`).toBe(`${stack.hubspot.url}/oauth/authorize`);
    expect(url.searchParams.get('client_id')).toBe(OAUTH_CLIENT_ID);
    expect(url.searchParams.get('scope')!.split(' ')).toEqual(REQUIRED_SCOPES);
    expect(url.searchParams.get('optional_scope')!.split(' ')).toEqual(OPTIONAL_SCOPES);
    expect(url.searchParams.get('redirect_uri')).toBe(`${stack.receiverUrl}/oauth/callback`);
    // 256 bits, different each time, and bound to the browser through an HttpOnly cookie.
    expect(first.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.state).not.toBe(first.state);
    expect(first.setCookie).toMatch(/HttpOnly/i);
    expect(first.setCookie).toMatch(/SameSite=Lax/i);
    expect(first.setCookie).toMatch(/Path=\/oauth/);
    expect(first.cookie.split('=')[1]).toBe(first.state);
  });

  it('installs, shows the active page with next steps, stores sealed tokens, and syncs with the OAuth token', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    const before = pageText(await (await fetch(`${stack.receiverUrl}/`)).text());
    expect(before).toContain('HubSpot Integration');
    expect(before).toContain('Request access');
    expect(before).toContain('No HubSpot account has installed the app yet');

    const result = await install(stack);
    expect(result.status).toBe(200);
    expect(result.html).toContain('<title>HubSpot Integration</title>');
    const text = pageText(result.html);
    expect(text).toContain(`The HubSpot integration is now active for HubSpot account ${PORTAL_ID}`);
    expect(text).toContain('Add a pretix connection');
    expect(text).toContain('Enable events');
    expect(text).toContain('Add the card');
    expect(stack.hubspot.codeExchangeCount(PORTAL_ID)).toBe(1);

    const installation = (await stack.store.getInstallation(PORTAL_ID))!;
    expect(installation.status).toBe('active');
    expect(installation.scopes).toEqual(expect.arrayContaining([...REQUIRED_SCOPES]));
    expect(installation.accessTokenSealed).toMatch(/^v1:/);
    expect(installation.refreshTokenSealed).toMatch(/^v1:/);
    expect(installation.accessTokenExpiresAt - Date.now()).toBeGreaterThan(29 * 60_000);

    // The status page now names the portal.
    const after = pageText(await (await fetch(`${stack.receiverUrl}/`)).text());
    expect(after).toContain(`${PORTAL_ID} installed`);
    expect(after).toContain('Add a pretix connection');

    // A real sync through the OAuth token: connection, enabled event (webhook registered), an order.
    const connection = await stack.connect({ webhook: 'none' });
    await stack.admin.post(`/connections/${connection.id}/events/${EVENT}/enable`);
    const [code] = stack.pretix.generateOrders(ORGANIZER, EVENT, 1, { status: 'p' });
    const email = String(stack.pretix.getOrder(ORGANIZER, EVENT, code!)!.email).toLowerCase();
    await stack.pretix.emit(ORGANIZER, EVENT, code!, 'pretix.event.order.placed');
    await waitFor(() => stack!.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', email), 'contact synced');
    const upserts = stack.hubspot.requests({ route: 'POST /crm/v3/objects/contacts/batch/upsert' });
    expect(upserts.length).toBeGreaterThan(0);
    expect(upserts.every((r) => r.status === 200)).toBe(true);
  });

  it('keeps the static single-portal token working beside OAuth installs', async () => {
    stack = await startStack({ oauth: true });
    const result = await install(stack);
    expect(result.status).toBe(200);
    // The static token is for PORTAL_ID; it wins over the installation of the same portal.
    expect(await stack.app.services.tokens.getAccessToken(PORTAL_ID)).toBe(HUBSPOT_TOKEN);
    const text = pageText(await (await fetch(`${stack.receiverUrl}/`)).text());
    expect(text).toContain('static token');
  });

  it('lists portals and organizers on a production status page only to a request with the admin token', async () => {
    stack = await startStack({ oauth: true, staticToken: false, env: { NODE_ENV: 'production' } });
    expect((await install(stack)).status).toBe(200);
    const anonymous = pageText(await (await fetch(`${stack.receiverUrl}/`)).text());
    expect(anonymous).toContain('1 installed.');
    expect(anonymous).not.toContain(PORTAL_ID);
    const admin = await fetch(`${stack.receiverUrl}/`, { headers: { authorization: `Bearer ${adminTokenFor(createSecretBox(SECRET_KEY))}` } });
    expect(pageText(await admin.text())).toContain(`${PORTAL_ID} installed`);
  });

  it("keeps the static token's portal and the data file off a production status page without the admin token", async () => {
    stack = await startStack({ env: { NODE_ENV: 'production' } });
    const anonymous = pageText(await (await fetch(`${stack.receiverUrl}/`)).text());
    expect(anonymous).toContain('1 installed.');
    expect(anonymous).not.toContain(PORTAL_ID);
    expect(anonymous).not.toContain(stack.dataFile);
    const admin = await fetch(`${stack.receiverUrl}/`, { headers: { authorization: `Bearer ${adminTokenFor(createSecretBox(SECRET_KEY))}` } });
    expect(pageText(await admin.text())).toContain(`HubSpot static token for portal ${PORTAL_ID}`);
  });

  it('answers a replayed callback with a 4xx page and changes nothing', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    const result = await install(stack);
    expect(result.status).toBe(200);
    await stack.store.flush();
    const replay = await callback(result.callbackUrl, result.started.cookie);
    expect(replay.status).toBe(400);
    expect(pageText(replay.html)).toContain('already used once');
    expect(stack.hubspot.codeExchangeCount(PORTAL_ID)).toBe(1);
  });
});
