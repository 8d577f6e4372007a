// A portal uninstalls the app in HubSpot: the next refresh is refused, the installation is marked uninstalled, its
// jobs stop as configuration errors and the status page says so; installing again revives it and the waiting jobs
// sync. An operator disconnects a portal: the refresh token is revoked at HubSpot and deleted here.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../receiver/cli/commands';
import { createSecretBox } from '../../receiver/store/secrets';
import { install, pageText } from '../helpers/oauth-journey';
import { EVENT, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, ORGANIZER, PORTAL_ID, SECRET_KEY, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function placeOrder(s: Stack): Promise<{ code: string; email: string }> {
  const [code] = s.pretix.generateOrders(ORGANIZER, EVENT, 1, { status: 'p' });
  const email = String(s.pretix.getOrder(ORGANIZER, EVENT, code!)!.email).toLowerCase();
  await s.pretix.emit(ORGANIZER, EVENT, code!, 'pretix.event.order.placed');
  return { code: code!, email };
}

async function introspect(s: Stack, token: string): Promise<{ active: boolean }> {
  const response = await fetch(`${s.hubspot.url}/oauth/2026-03/token/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: OAUTH_CLIENT_ID, client_secret: OAUTH_CLIENT_SECRET, token }).toString(),
  });
  return (await response.json()) as { active: boolean };
}

describe('uninstall detection', () => {
  it('marks the installation uninstalled when HubSpot refuses the refresh token; a reinstall revives it and the jobs sync', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    expect((await install(stack)).status).toBe(200);
    const connection = await stack.connect({ webhook: 'none' });
    await stack.admin.post(`/connections/${connection.id}/events/${EVENT}/enable`);
    const first = await placeOrder(stack);
    await waitFor(() => stack!.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', first.email), 'first order synced');

    // Uninstalled in HubSpot: the grant dies, and so do the access tokens issued from it.
    stack.hubspot.uninstall(PORTAL_ID);
    const second = await placeOrder(stack);
    const key = `${connection.id}:${EVENT}:${second.code}`;
    const failed = await waitFor(async () => {
      const job = await stack!.store.getJob(key);
      return job?.state === 'failed' ? job : undefined;
    }, 'job stopped');
    expect(failed.failureClass).toBe('config');
    // Whichever request met the refusal first, every job names the cause.
    expect(failed.lastError).toMatch(/uninstalled from (this )?portal/);
    expect(failed.lastError).toContain(PORTAL_ID);
    const installation = (await stack.store.getInstallation(PORTAL_ID))!;
    expect(installation.status).toBe('uninstalled');
    expect(installation.accessTokenSealed).toBeNull();
    expect(installation.refreshTokenSealed).toBeNull();
    expect(installation.uninstalledReason).toContain('HubSpot refused the refresh token');

    const status = pageText(await (await fetch(`${stack.receiverUrl}/`)).text());
    expect(status).toContain(`${PORTAL_ID} not installed`);
    expect(status).toContain('The app is no longer installed in portal');
    const admin = await stack.admin.get<{ portals: { portalId: string; status: string }[] }>('/status');
    expect(admin.portals).toEqual([expect.objectContaining({ portalId: PORTAL_ID, status: 'uninstalled' })]);

    // Install again: the portal is active, the stopped job is queued again and syncs.
    const again = await install(stack);
    expect(again.status).toBe(200);
    // (The stopped order's job, and any other job of the portal that met the refusal, e.g. from a reconcile sweep.)
    expect(pageText(again.html)).toMatch(/[1-9]\d* sync job\(s\) that waited for this account are queued again/);
    expect((await stack.store.getInstallation(PORTAL_ID))!.status).toBe('active');
    await waitFor(() => stack!.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', second.email), 'waiting order synced after reinstall');
    await waitFor(async () => await stack!.store.getJob(key) === undefined, 'job done');
  });

  it('finds the uninstall at the scheduled refresh too, before any request is refused', async () => {
    let skew = 0;
    stack = await startStack({ oauth: true, staticToken: false, now: () => Date.now() + skew });
    expect((await install(stack)).status).toBe(200);
    stack.hubspot.uninstall(PORTAL_ID);
    skew = 30 * 60_000; // the token is due for refresh
    await expect(stack.app.services.tokens.getAccessToken(PORTAL_ID)).rejects.toThrow(/uninstalled/);
    expect((await stack.store.getInstallation(PORTAL_ID))!.status).toBe('uninstalled');
    // Later callers get the configuration error without asking HubSpot again.
    const refreshes = stack.hubspot.refreshCount(PORTAL_ID);
    await expect(stack.app.services.tokens.getAccessToken(PORTAL_ID)).rejects.toThrow(/not connected/);
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(refreshes);
  });
});

describe('disconnect', () => {
  it('revokes the refresh token at HubSpot and deletes both tokens (admin API)', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    expect((await install(stack)).status).toBe(200);
    const sealed = (await stack.store.getInstallation(PORTAL_ID))!;
    const secrets = createSecretBox(SECRET_KEY);
    const refreshToken = secrets.decrypt(sealed.refreshTokenSealed!);
    const accessToken = secrets.decrypt(sealed.accessTokenSealed!);
    expect((await introspect(stack, refreshToken)).active).toBe(true);

    const { portal } = await stack.admin.post<{ portal: { status: string; uninstalledReason: string } }>(`/portals/${PORTAL_ID}/disconnect`);
    expect(portal.status).toBe('uninstalled');
    expect(portal.uninstalledReason).toContain('disconnected by an operator');
    expect(stack.hubspot.requestCount({ route: 'POST /oauth/2026-03/token/revoke' })).toBe(1);
    expect((await introspect(stack, refreshToken)).active).toBe(false);
    expect((await introspect(stack, accessToken)).active).toBe(false);

    await stack.store.flush();
    const file = await readFile(stack.dataFile, 'utf8');
    const stored = (JSON.parse(file) as { installations: Record<string, { accessTokenSealed: unknown; refreshTokenSealed: unknown }> }).installations[PORTAL_ID]!;
    expect(stored.accessTokenSealed).toBeNull();
    expect(stored.refreshTokenSealed).toBeNull();
    await expect(stack.app.services.tokens.getAccessToken(PORTAL_ID)).rejects.toThrow(/not connected/);
  });

  it('works from the CLI: `portal disconnect <portalId>`, and `portal list` shows it', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    expect((await install(stack)).status).toBe(200);
    const lines: string[] = [];
    const run = (name: string, positionals: string[]) => COMMANDS.find((c) => c.name === name)!.run(stack!.admin, {}, positionals, (l) => lines.push(l));
    await run('portal list', []);
    expect(lines.join('\n')).toContain(`${PORTAL_ID}  installed`);
    await run('portal disconnect', [PORTAL_ID]);
    expect(lines.join('\n')).toContain(`Disconnected portal ${PORTAL_ID}: its token was revoked at HubSpot and deleted here.`);
    await run('portal list', []);
    expect(lines.at(-2)).toContain(`${PORTAL_ID}  not installed`);
    expect(stack.hubspot.requestCount({ route: 'POST /oauth/2026-03/token/revoke' })).toBe(1);
    // Unknown portals are a clear 404.
    await expect(run('portal disconnect', ['999'])).rejects.toThrow(/never installed/);
  });
});
