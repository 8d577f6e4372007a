import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigureError,
  applyToAppMeta,
  applyToWebhooksMeta,
  configure,
  installUrl,
  normalizePublicUrl,
  readSettings,
  receiverUrlModule,
  webhooksTargetUrl,
} from '../../scripts/hubspot-configure';
import { AppMeta, WebhooksMeta } from './hsmeta-schemas';
import { HUBSPOT_WEBHOOKS_PATH } from '../../receiver/http/hubspot-webhooks';

const repoApp = path.resolve(import.meta.dirname, '../../src/app');

describe('normalizePublicUrl', () => {
  it('keeps public https URLs, without a trailing slash', () => {
    expect(normalizePublicUrl('https://hub.example.org/')).toBe('https://hub.example.org');
    expect(normalizePublicUrl(' https://example.org/pretix-hubspot/ ')).toBe('https://example.org/pretix-hubspot');
    expect(normalizePublicUrl('https://hub.example.org:8443')).toBe('https://hub.example.org:8443');
  });

  it.each([
    ['http://hub.example.org', /must use https/],
    ['https://localhost:3000', /reachable from HubSpot.*local\.json/],
    ['https://127.0.0.1', /reachable from HubSpot/],
    ['https://192.168.1.20', /reachable from HubSpot/],
    ['https://api.localhost', /reachable from HubSpot/],
    ['https://hub.example.org/?x=1', /query or fragment/],
    ['https://user:pw@hub.example.org', /user name or password/],
    ['not a url', /not a valid URL/],
    [undefined, /PUBLIC_URL is not set/],
  ])('refuses %s with a clear message', (raw, message) => {
    expect(() => normalizePublicUrl(raw)).toThrow(ConfigureError);
    expect(() => normalizePublicUrl(raw)).toThrow(message);
  });
});

describe('applyToAppMeta', () => {
  it('sets the redirect URL and fetch origin and keeps everything else', () => {
    const before = readFileSync(path.join(repoApp, 'app-hsmeta.json'), 'utf8');
    const after = JSON.parse(applyToAppMeta(before, 'https://hub.example.org'));
    const original = JSON.parse(before);
    expect(after.config.auth.redirectUrls).toEqual(['https://hub.example.org/oauth/callback']);
    expect(after.config.permittedUrls.fetch).toEqual(['https://hub.example.org']);
    expect({ ...after.config, auth: undefined, permittedUrls: undefined }).toEqual({ ...original.config, auth: undefined, permittedUrls: undefined });
    expect(after.config.auth.requiredScopes).toEqual(original.config.auth.requiredScopes);
    expect(AppMeta.safeParse(after).success).toBe(true);
  });

  it('refuses a file without config.auth', () => {
    expect(() => applyToAppMeta('{"uid":"x","type":"app","config":{}}', 'https://hub.example.org')).toThrow(/config\.auth|"auth"/);
  });
});

describe('applyToWebhooksMeta', () => {
  it('points settings.targetUrl at the receiver’s webhook route and keeps everything else', () => {
    const before = readFileSync(path.join(repoApp, 'webhooks/webhooks-hsmeta.json'), 'utf8');
    const after = JSON.parse(applyToWebhooksMeta(before, 'https://hub.example.org/pretix-hubspot'));
    const original = JSON.parse(before);
    expect(after.config.settings.targetUrl).toBe('https://hub.example.org/pretix-hubspot/hubspot/webhooks');
    expect({ ...after, config: { ...after.config, settings: { ...after.config.settings, targetUrl: undefined } } }).toEqual({
      ...original,
      config: { ...original.config, settings: { ...original.config.settings, targetUrl: undefined } },
    });
    expect(WebhooksMeta.safeParse(after).success).toBe(true);
  });

  it('uses the same route as the schema', () => {
    expect(webhooksTargetUrl('https://hub.example.org')).toBe(`https://hub.example.org${HUBSPOT_WEBHOOKS_PATH}`);
  });

  it('refuses a file without config.settings, or that is no JSON object', () => {
    expect(() => applyToWebhooksMeta('{"uid":"x","type":"webhooks","config":{}}', 'https://hub.example.org')).toThrow(ConfigureError);
    expect(() => applyToWebhooksMeta('{"uid":"x","type":"webhooks","config":{}}', 'https://hub.example.org')).toThrow(/"settings"/);
    expect(() => applyToWebhooksMeta('[]', 'https://hub.example.org', 'w.json')).toThrow(/w\.json: expected a JSON object/);
    expect(() => applyToWebhooksMeta('{', 'https://hub.example.org', 'w.json')).toThrow(/w\.json is not valid JSON/);
  });
});

it('the committed webhooks-hsmeta.json is exactly what the script writes for the committed URL', () => {
  const meta = JSON.parse(readFileSync(path.join(repoApp, 'app-hsmeta.json'), 'utf8'));
  const committed = readFileSync(path.join(repoApp, 'webhooks/webhooks-hsmeta.json'), 'utf8');
  expect(applyToWebhooksMeta(committed, meta.config.permittedUrls.fetch[0])).toBe(committed);
});

it('the committed RECEIVER_URL modules are exactly what the script writes for the committed URL', () => {
  const meta = JSON.parse(readFileSync(path.join(repoApp, 'app-hsmeta.json'), 'utf8'));
  const expected = receiverUrlModule(meta.config.permittedUrls.fetch[0]);
  expect(readFileSync(path.join(repoApp, 'cards/config.ts'), 'utf8')).toBe(expected);
  expect(readFileSync(path.join(repoApp, 'settings/config.ts'), 'utf8')).toBe(expected);
});

describe('configure() on a copy of the project', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'hubspot-configure-'));
    cpSync(repoApp, path.join(root, 'src/app'), { recursive: true, filter: (source) => !source.includes('node_modules') });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const read = (file: string) => readFileSync(path.join(root, 'src/app', file), 'utf8');

  const written = ['app-hsmeta.json', 'webhooks/webhooks-hsmeta.json', 'cards/config.ts', 'settings/config.ts'];

  it('rewrites redirectUrls, permittedUrls.fetch, the webhooks targetUrl and both RECEIVER_URL modules, and is idempotent', () => {
    const webhooksBefore = JSON.parse(read('webhooks/webhooks-hsmeta.json'));
    const first = configure(root, { PUBLIC_URL: 'https://hub.example.org/' });
    expect(first.publicUrl).toBe('https://hub.example.org');
    expect(first.files.map((file) => [path.relative(root, file.path), file.changed])).toEqual([
      ['src/app/app-hsmeta.json', true],
      ['src/app/webhooks/webhooks-hsmeta.json', true],
      ['src/app/cards/config.ts', true],
      ['src/app/settings/config.ts', true],
    ]);
    const meta = JSON.parse(read('app-hsmeta.json'));
    expect(meta.config.auth.redirectUrls).toEqual(['https://hub.example.org/oauth/callback']);
    expect(meta.config.permittedUrls.fetch).toEqual(['https://hub.example.org']);
    const webhooks = JSON.parse(read('webhooks/webhooks-hsmeta.json'));
    expect(webhooks.config.settings).toEqual({ ...webhooksBefore.config.settings, targetUrl: 'https://hub.example.org/hubspot/webhooks' });
    expect(webhooks.config.subscriptions).toEqual(webhooksBefore.config.subscriptions);
    expect(WebhooksMeta.safeParse(webhooks).success).toBe(true);
    expect(read('cards/config.ts')).toContain("export const RECEIVER_URL = 'https://hub.example.org';");
    expect(read('settings/config.ts')).toContain("export const RECEIVER_URL = 'https://hub.example.org';");

    const snapshot = written.map(read);
    const second = configure(root, { PUBLIC_URL: 'https://hub.example.org' });
    expect(second.files).toHaveLength(written.length);
    expect(second.files.every((file) => !file.changed)).toBe(true);
    expect(written.map(read)).toEqual(snapshot);
  });

  it('reads PUBLIC_URL from .env when the environment has none, the environment winning otherwise', () => {
    writeFileSync(path.join(root, '.env'), 'PUBLIC_URL=https://from-dotenv.example.org\nHUBSPOT_CLIENT_ID=abc-123\n');
    const fromFile = configure(root, {});
    expect(fromFile.publicUrl).toBe('https://from-dotenv.example.org');
    expect(fromFile.installUrl).toBe('https://from-dotenv.example.org/oauth/install');
    expect(configure(root, { PUBLIC_URL: 'https://from-env.example.org' }).publicUrl).toBe('https://from-env.example.org');
  });

  it('changes nothing when the URL is refused', () => {
    const before = written.map(read);
    expect(() => configure(root, { PUBLIC_URL: 'http://localhost:3000' })).toThrow(ConfigureError);
    expect(written.map(read)).toEqual(before);
  });

  it('refuses, and writes nothing, when the webhooks metadata file is missing', () => {
    rmSync(path.join(root, 'src/app/webhooks'), { recursive: true });
    const before = read('app-hsmeta.json');
    expect(() => configure(root, { PUBLIC_URL: 'https://hub.example.org' })).toThrow(/webhooks-hsmeta\.json does not exist/);
    expect(read('app-hsmeta.json')).toBe(before);
  });
});

describe('install URL', () => {
  it("is the receiver's Request access route, which adds the scopes and a single-use state", () => {
    expect(installUrl('https://hub.example.org')).toBe('https://hub.example.org/oauth/install');
    expect(readSettings({ HUBSPOT_CLIENT_ID: '  ' }, null).clientId).toBeUndefined();
  });

  it('asks HubSpot for the scopes the receiver requests', async () => {
    const { REQUIRED_SCOPES, OPTIONAL_SCOPES } = await import('../../receiver/hubspot/scopes');
    const meta = JSON.parse(readFileSync(path.join(repoApp, 'app-hsmeta.json'), 'utf8')) as { config: { auth: { requiredScopes: string[]; optionalScopes: string[] } } };
    expect([...meta.config.auth.requiredScopes].sort()).toEqual([...REQUIRED_SCOPES].sort());
    expect([...meta.config.auth.optionalScopes].sort()).toEqual([...OPTIONAL_SCOPES].sort());
  });
});
