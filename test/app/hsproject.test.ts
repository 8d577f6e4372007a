import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseProjectConfig } from '@hubspot/project-parsing-lib/projects';
import { translate } from '@hubspot/project-parsing-lib/translate';
import { describe, expect, it } from 'vitest';
import { AppMeta, CardMeta, SettingsMeta, WebhooksMeta } from './hsmeta-schemas';
import { HUBSPOT_WEBHOOKS_PATH } from '../../receiver/http/hubspot-webhooks';

const projectDir = path.resolve(import.meta.dirname, '../..');
const srcDir = path.join(projectDir, 'src');
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(srcDir, file), 'utf8'));

const appMeta = () => readJson('app/app-hsmeta.json');
const cardMeta = () => readJson('app/cards/pretix-orders-card-hsmeta.json');
const settingsMeta = () => readJson('app/settings/settings-hsmeta.json');
const webhooksMeta = () => readJson('app/webhooks/webhooks-hsmeta.json');

describe('HubSpot developer project', () => {
  it('hsproject.json names the source dir and platform 2026.03', () => {
    expect(parseProjectConfig(projectDir)).toEqual({ name: 'pretix-hubspot', srcDir: 'src', platformVersion: '2026.03' });
  });

  it('HubSpot’s own parser finds exactly the app, the card, the settings page and the webhooks, and skips no metadata file', async () => {
    const { platformVersion } = parseProjectConfig(projectDir);
    const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
      { projectSourceDir: srcDir, platformVersion },
      { skipValidation: true },
    );
    // A *-hsmeta.json outside the known folders is skipped silently, not reported as an error.
    expect(skippedHsMetaFiles).toEqual([]);
    const nodes = intermediateRepresentation.intermediateNodesIndexedByUid;
    expect(Object.fromEntries(Object.entries(nodes).map(([uid, node]) => [uid, node.componentType]))).toEqual({
      pretix_hubspot_app: 'APPLICATION',
      pretix_orders_card: 'CARD',
      pretix_settings: 'SETTINGS',
      pretix_hubspot_webhooks: 'WEBHOOKS',
    });
    expect(nodes.pretix_orders_card?.componentDeps).toMatchObject({ app: 'pretix_hubspot_app' });
    expect(nodes.pretix_settings?.componentDeps).toMatchObject({ app: 'pretix_hubspot_app' });
    expect(nodes.pretix_hubspot_webhooks?.componentDeps).toMatchObject({ app: 'pretix_hubspot_app' });
  });

  it('app-hsmeta.json is an OAuth marketplace app with the scopes the receiver needs', () => {
    const meta = AppMeta.parse(appMeta());
    expect(meta.config.auth.requiredScopes).toEqual(
      expect.arrayContaining([
        'oauth',
        'crm.objects.contacts.read',
        'crm.objects.contacts.write',
        'crm.objects.deals.read',
        'crm.objects.deals.write',
        'crm.schemas.contacts.read',
        'crm.schemas.contacts.write',
        'crm.schemas.deals.read',
        'crm.schemas.deals.write',
      ]),
    );
    expect(meta.config.auth.optionalScopes).toEqual(
      expect.arrayContaining(['crm.objects.companies.read', 'crm.objects.companies.write', 'crm.schemas.companies.read', 'crm.schemas.companies.write']),
    );
    // The card and settings page call the receiver, so its origin must be the permitted fetch origin.
    const [fetchUrl] = meta.config.permittedUrls.fetch;
    expect(meta.config.auth.redirectUrls).toEqual([`${fetchUrl}/oauth/callback`]);
  });

  it('the card and the settings page metadata match their schemas and their entrypoints exist', () => {
    const card = CardMeta.parse(cardMeta());
    const settings = SettingsMeta.parse(settingsMeta());
    expect(card.config).toMatchObject({ location: 'crm.record.tab', objectTypes: ['contacts'], entrypoint: '/app/cards/PretixOrdersCard.tsx' });
    for (const entrypoint of [card.config.entrypoint, settings.config.entrypoint]) {
      expect(existsSync(path.join(srcDir, entrypoint)), entrypoint).toBe(true);
    }
  });

  it('webhooks-hsmeta.json subscribes to contact.privacyDeletion and delivers to the receiver behind permittedUrls.fetch', () => {
    const webhooks = WebhooksMeta.parse(webhooksMeta());
    expect(webhooks.config.subscriptions.hubEvents).toEqual([{ subscriptionType: 'contact.privacyDeletion', active: true }]);
    const [fetchUrl = ''] = AppMeta.parse(appMeta()).config.permittedUrls.fetch;
    const { targetUrl } = webhooks.config.settings;
    expect(new URL(targetUrl).origin).toBe(new URL(fetchUrl).origin);
    expect(targetUrl).toBe(`${fetchUrl}${HUBSPOT_WEBHOOKS_PATH}`);
  });

  it('the RECEIVER_URL module of each UI folder agrees with permittedUrls.fetch', () => {
    const meta = AppMeta.parse(appMeta());
    for (const folder of ['cards', 'settings']) {
      const module = readFileSync(path.join(srcDir, 'app', folder, 'config.ts'), 'utf8');
      expect(module).toContain(`export const RECEIVER_URL = '${meta.config.permittedUrls.fetch[0]}';`);
    }
  });
});

describe('hsmeta schemas reject what HubSpot would', () => {
  interface AppConfig {
    auth: { type: string };
    permittedUrls: { fetch: string[] };
  }
  const withApp = (change: (config: AppConfig) => void) => {
    const meta = structuredClone(appMeta()) as { config: AppConfig };
    change(meta.config);
    return AppMeta.safeParse(meta).success;
  };

  it('accepts the committed app file as it is', () => {
    expect(withApp(() => undefined)).toBe(true);
  });

  it('rejects http, localhost and trailing slashes in permittedUrls.fetch', () => {
    expect(withApp((c) => (c.permittedUrls.fetch = ['http://pretix-hubspot.example.com']))).toBe(false);
    expect(withApp((c) => (c.permittedUrls.fetch = ['https://localhost:3000']))).toBe(false);
    expect(withApp((c) => (c.permittedUrls.fetch = ['https://127.0.0.1']))).toBe(false);
    expect(withApp((c) => (c.permittedUrls.fetch = ['https://pretix-hubspot.example.com/']))).toBe(false);
  });

  it('rejects a private marketplace mix-up, bad uids and unknown top-level keys', () => {
    expect(withApp((c) => (c.auth.type = 'static'))).toBe(false);
    expect(AppMeta.safeParse({ ...(appMeta() as object), uid: 'pretix hubspot' }).success).toBe(false);
    expect(AppMeta.safeParse({ ...(appMeta() as object), uid: 'x'.repeat(65) }).success).toBe(false);
    expect(AppMeta.safeParse({ ...(appMeta() as object), permissions: {} }).success).toBe(false);
  });

  interface WebhooksConfig {
    settings: Record<string, unknown>;
    subscriptions: Record<string, unknown[]>;
  }
  const withWebhooks = (change: (config: WebhooksConfig) => void) => {
    const meta = structuredClone(webhooksMeta()) as { config: WebhooksConfig };
    change(meta.config);
    return WebhooksMeta.safeParse(meta).success;
  };

  it('accepts the committed webhooks file, also with crmObjects and legacyCrmObjects in HubSpot’s template shape', () => {
    expect(withWebhooks(() => undefined)).toBe(true);
    expect(
      withWebhooks((c) => {
        c.subscriptions.crmObjects = [{ subscriptionType: 'object.propertyChange', objectType: 'contact', propertyName: 'email', active: false }];
        c.subscriptions.legacyCrmObjects = [{ subscriptionType: 'contact.deletion', active: false }];
      }),
    ).toBe(true);
  });

  it('rejects a webhooks targetUrl that is not https, not public or not the receiver’s webhook route', () => {
    expect(withWebhooks((c) => (c.settings.targetUrl = 'http://pretix-hubspot.example.com/hubspot/webhooks'))).toBe(false);
    expect(withWebhooks((c) => (c.settings.targetUrl = 'https://localhost:3000/hubspot/webhooks'))).toBe(false);
    expect(withWebhooks((c) => (c.settings.targetUrl = 'https://127.0.0.1/hubspot/webhooks'))).toBe(false);
    expect(withWebhooks((c) => (c.settings.targetUrl = 'https://pretix-hubspot.example.com/webhooks'))).toBe(false);
    expect(withWebhooks((c) => (c.settings.targetUrl = 'https://pretix-hubspot.example.com/hubspot/webhooks?x=1'))).toBe(false);
  });

  it('rejects a maxConcurrentRequests that is missing or not a positive integer, and unknown settings keys', () => {
    for (const value of [0, -1, 2.5, '10', undefined]) {
      expect(withWebhooks((c) => (c.settings.maxConcurrentRequests = value)), String(value)).toBe(false);
    }
    expect(withWebhooks((c) => (c.settings.throttling = { maxConcurrentRequests: 10 }))).toBe(false);
  });

  it('rejects webhooks without an active contact.privacyDeletion subscription, or with malformed subscriptions', () => {
    expect(withWebhooks((c) => (c.subscriptions.hubEvents = [{ subscriptionType: 'contact.privacyDeletion', active: false }]))).toBe(false);
    expect(withWebhooks((c) => (c.subscriptions.hubEvents = []))).toBe(false);
    expect(withWebhooks((c) => delete c.subscriptions.hubEvents)).toBe(false);
    expect(withWebhooks((c) => (c.subscriptions.hubEvents = [{ subscriptionType: 'contact.privacyDeletion' }]))).toBe(false);
    // 2025.1 spelled it objectName; 2025.2 and later use objectType.
    expect(withWebhooks((c) => (c.subscriptions.crmObjects = [{ subscriptionType: 'object.creation', objectName: 'contact', active: true }]))).toBe(false);
    expect(withWebhooks((c) => (c.subscriptions.contacts = []))).toBe(false);
    expect(WebhooksMeta.safeParse({ ...(webhooksMeta() as object), type: 'webhook' }).success).toBe(false);
  });

  it('rejects unknown card locations and entrypoints outside the card folder', () => {
    const card = cardMeta() as { config: Record<string, unknown> };
    expect(CardMeta.safeParse({ ...card, config: { ...card.config, location: 'crm.record.middle' } }).success).toBe(false);
    expect(CardMeta.safeParse({ ...card, config: { ...card.config, entrypoint: '/app/settings/Settings.tsx' } }).success).toBe(false);
    expect(SettingsMeta.safeParse({ uid: 'pretix_settings', type: 'settings', config: { entrypoint: 'app/settings/Settings.tsx' } }).success).toBe(false);
  });
});
