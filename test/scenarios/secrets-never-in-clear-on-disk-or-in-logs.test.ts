// Through a whole install and sync at debug log level: no token, secret or key appears in clear in any data file or
// log line, and the data files and a generated key are readable by their owner only (0600).
import { readdir, readFile, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminTokenFor } from '../../receiver/app';
import { loadConfig } from '../../receiver/config';
import { resolveSecretKey } from '../../receiver/secret-key';
import { createSecretBox } from '../../receiver/store/secrets';
import { install } from '../helpers/oauth-journey';
import {
  EVENT,
  OAUTH_CLIENT_SECRET,
  ORGANIZER,
  PORTAL_ID,
  PRETIX_TOKEN,
  SECRET_KEY,
  startStack,
  type Stack,
} from '../helpers/stack';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function dataFiles(dir: string): Promise<{ name: string; text: string; mode: number }[]> {
  const out = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const info = await stat(path);
    if (!info.isFile()) continue;
    out.push({ name, text: await readFile(path, 'utf8'), mode: info.mode & 0o777 });
  }
  return out;
}

describe('secrets at rest and in logs', () => {
  it('keeps every token, secret and key out of the data files and the log stream', async () => {
    stack = await startStack({ oauth: true, staticToken: false, env: { LOG_LEVEL: 'debug' } });
    const result = await install(stack);
    expect(result.status).toBe(200);
    const code = result.callbackUrl.searchParams.get('code')!;
    const state = result.callbackUrl.searchParams.get('state')!;

    const connection = await stack.connect({ webhook: 'none' });
    await stack.admin.post(`/connections/${connection.id}/events/${EVENT}/enable`);
    const [order] = stack.pretix.generateOrders(ORGANIZER, EVENT, 1, { status: 'p' });
    const email = String(stack.pretix.getOrder(ORGANIZER, EVENT, order!)!.email).toLowerCase();
    await stack.pretix.emit(ORGANIZER, EVENT, order!, 'pretix.event.order.placed');
    await waitFor(() => stack!.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', email), 'order synced');
    // A refresh too, so a refreshed token is covered as well.
    const secrets = createSecretBox(SECRET_KEY);
    const firstAccess = secrets.decrypt((await stack.store.getInstallation(PORTAL_ID))!.accessTokenSealed!);
    stack.hubspot.expireToken(firstAccess);
    const [second] = stack.pretix.generateOrders(ORGANIZER, EVENT, 1, { status: 'p' });
    const email2 = String(stack.pretix.getOrder(ORGANIZER, EVENT, second!)!.email).toLowerCase();
    await stack.pretix.emit(ORGANIZER, EVENT, second!, 'pretix.event.order.placed');
    await waitFor(() => stack!.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', email2), 'second order synced');
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(1);
    await stack.store.flush();

    const installation = (await stack.store.getInstallation(PORTAL_ID))!;
    const secretsInPlay: Record<string, string> = {
      'first access token': firstAccess,
      'access token': secrets.decrypt(installation.accessTokenSealed!),
      'refresh token': secrets.decrypt(installation.refreshTokenSealed!),
      'OAuth code': code,
      'OAuth state': state,
      'client secret': OAUTH_CLIENT_SECRET,
      'pretix API token': PRETIX_TOKEN,
      'webhook URL token': connection.webhookUrl.split('/').at(-1)!,
      SECRET_KEY,
      'admin token': adminTokenFor(secrets),
    };
    for (const [what, value] of Object.entries(secretsInPlay)) expect(value.length, what).toBeGreaterThanOrEqual(16);

    const files = await dataFiles(dirname(stack.dataFile));
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['state.json']));
    expect(files.length).toBeGreaterThanOrEqual(2); // the main file and the sync records
    for (const file of files) {
      expect(file.mode.toString(8), file.name).toBe('600');
      for (const [what, value] of Object.entries(secretsInPlay)) expect(file.text.includes(value), `${what} in ${file.name}`).toBe(false);
    }

    // Odd spellings of the webhook URL, sent byte for byte (fetch would normalise them): none may log the token.
    const token = connection.webhookUrl.split('/').at(-1)!;
    const { port } = new URL(stack.receiverUrl);
    for (const path of [
      `//webhooks/pretix/${token}`,
      `/Webhooks/pretix/${token}`,
      `/webhooks//pretix/${token}`,
      `/%77ebhooks/pretix/${token}`,
      `/webhooks/pretix/${token}/extra`,
      `/webhooks/pretix/x?token=${token}`,
      `/webhooks/pretix/x?${token}`,
    ]) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', authorization: `Token ${token}` } }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end('{}');
      });
    }

    const logs = stack.logs();
    expect(logs).toContain('"level":20'); // debug lines were written
    expect(logs).toContain('HubSpot app installed');
    expect(logs).toContain('/oauth/callback?code=[redacted]');
    for (const [what, value] of Object.entries(secretsInPlay)) expect(logs.includes(value), `${what} in the logs`).toBe(false);
  });

  it('creates a generated SECRET_KEY file with mode 0600', async () => {
    const dir = await tempDir();
    try {
      const config = loadConfig({ DATA_FILE: join(dir.path, 'data', 'state.json') });
      const key = await resolveSecretKey(config);
      expect(key.source).toBe('generated');
      expect(((await stat(key.file!)).mode & 0o777).toString(8)).toBe('600');
    } finally {
      await dir.remove();
    }
  });
});
