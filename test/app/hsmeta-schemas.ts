// Our own schemas for the four *-hsmeta.json files. HubSpot's real component schemas are fetched from
// its API by `hs project validate` (no offline mode), and translate({ skipValidation: true }) checks no
// uid, key or config rules at all; these encode the rules from reference/hubspot.md §1 that bite us.
import { z } from 'zod';
import { HUBSPOT_WEBHOOKS_PATH } from '../../receiver/http/hubspot-webhooks';

/** project-parsing-lib: letters, digits, `_`, `-`, `.`; at most 64 characters. */
export const Uid = z
  .string()
  .regex(/^[a-zA-Z0-9_\-.]+$/, 'uid may only use letters, numbers, periods, hyphens and underscores')
  .max(64);

/** The locations a card may be placed in. */
export const CARD_LOCATIONS = ['crm.record.tab', 'crm.record.sidebar', 'crm.preview', 'helpdesk.sidebar'] as const;

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\])$/i;

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

const isHttpsUrl = (value: string) => parseUrl(value)?.protocol === 'https:';
const isPublicHost = (value: string) => {
  const host = parseUrl(value)?.hostname ?? '';
  return host !== '' && !LOOPBACK.test(host) && !host.endsWith('.localhost');
};

/** hubspot.fetch reaches only HTTPS URLs listed here, and never localhost (AGENTS.md, platform 2026.03). */
export const FetchUrl = z
  .string()
  .refine(isHttpsUrl, 'permittedUrls.fetch entries must be https URLs')
  .refine(isPublicHost, 'permittedUrls.fetch must not point at localhost')
  .refine((value) => !value.endsWith('/') && !parseUrl(value)?.search && !parseUrl(value)?.hash, 'no trailing slash, query or fragment');

/** HubSpot's templates accept http://localhost redirects; ours point at the receiver, so they must be HTTPS too. */
export const RedirectUrl = z.string().refine(isHttpsUrl, 'redirect URLs must be https URLs');

const Scope = z.string().regex(/^[a-z0-9_.-]+$/i);

const Entrypoint = (folder: 'cards' | 'settings') =>
  z
    .string()
    .regex(new RegExp(`^/app/${folder}/[A-Za-z0-9_-]+\\.(tsx|jsx)$`), `entrypoint must be a .tsx/.jsx file in /app/${folder}/ (relative to srcDir)`);

/** Top-level keys allowed by project-parsing-lib (`permissions` needs platform ≥ 2026.09-beta). */
const component = <Type extends string, Config extends z.ZodType>(type: Type, config: Config) =>
  z.strictObject({ uid: Uid, type: z.literal(type), config, dependencies: z.unknown().optional() });

export const AppMeta = component(
  'app',
  z.strictObject({
    name: z.string().min(1),
    description: z.string().min(1),
    distribution: z.enum(['marketplace', 'private']),
    auth: z.strictObject({
      type: z.enum(['oauth', 'static']),
      redirectUrls: z.array(RedirectUrl).min(1),
      requiredScopes: z.array(Scope).min(1),
      optionalScopes: z.array(Scope),
      conditionallyRequiredScopes: z.array(Scope),
    }),
    permittedUrls: z.strictObject({
      fetch: z.array(FetchUrl).min(1),
      iframe: z.array(z.string().refine(isHttpsUrl)),
      img: z.array(z.string().refine(isHttpsUrl)),
    }),
    support: z.strictObject({
      supportEmail: z.email(),
      documentationUrl: z.string().refine(isHttpsUrl),
      supportUrl: z.string().refine(isHttpsUrl),
      supportPhone: z.string().regex(/^\+[0-9]{6,15}$/),
    }),
  }),
).refine((meta) => meta.config.distribution !== 'marketplace' || meta.config.auth.type === 'oauth', {
  message: 'marketplace apps must use OAuth',
  path: ['config', 'auth', 'type'],
});

export const CardMeta = component(
  'card',
  z.strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    location: z.enum(CARD_LOCATIONS),
    entrypoint: Entrypoint('cards'),
    objectTypes: z.array(z.string().min(1)).min(1),
  }),
);

export const SettingsMeta = component('settings', z.strictObject({ entrypoint: Entrypoint('settings') }));


/** HubSpot posts events only to a public HTTPS URL; ours is the receiver's webhook route. */
export const WebhooksTargetUrl = z
  .string()
  .refine(isHttpsUrl, 'settings.targetUrl must be an https URL')
  .refine(isPublicHost, 'settings.targetUrl must be reachable from HubSpot, not localhost')
  .refine((value) => !parseUrl(value)?.search && !parseUrl(value)?.hash, 'settings.targetUrl must not have a query or fragment')
  .refine((value) => parseUrl(value)?.pathname.endsWith(HUBSPOT_WEBHOOKS_PATH) ?? false, `settings.targetUrl must end in ${HUBSPOT_WEBHOOKS_PATH}`);

/** New-format CRM events (`object.*`) with an objectType; classic ones (`contact.deletion`, …) go in legacyCrmObjects. */
const CrmObjectSubscription = z.strictObject({
  subscriptionType: z.string().regex(/^object\.[A-Za-z]+$/),
  objectType: z.string().min(1),
  propertyName: z.string().min(1).optional(),
  active: z.boolean(),
});
const LegacyCrmObjectSubscription = z.strictObject({
  subscriptionType: z.string().regex(/^[a-z_]+\.[A-Za-z]+$/),
  propertyName: z.string().min(1).optional(),
  active: z.boolean(),
});
const HubEventSubscription = z.strictObject({ subscriptionType: z.string().regex(/^[a-z]+\.[A-Za-z]+$/), active: z.boolean() });

/**
 * webhooks-hsmeta.json (platform 2026.03, template components/webhooks): `settings` with targetUrl and
 * maxConcurrentRequests, `subscriptions` with up to three arrays (each may be left out). We use only `hubEvents`, to
 * hear of contacts a HubSpot user deleted for privacy reasons (contact.privacyDeletion). We found no documented
 * range for maxConcurrentRequests (HubSpot's API spec says only int32), so it need only be a positive integer.
 */
export const WebhooksMeta = component(
  'webhooks',
  z.strictObject({
    settings: z.strictObject({
      targetUrl: WebhooksTargetUrl,
      maxConcurrentRequests: z.number().int().positive(),
    }),
    subscriptions: z
      .strictObject({
        crmObjects: z.array(CrmObjectSubscription).optional(),
        legacyCrmObjects: z.array(LegacyCrmObjectSubscription).optional(),
        hubEvents: z.array(HubEventSubscription).optional(),
      })
      .refine(
        (subscriptions) => subscriptions.hubEvents?.some((event) => event.subscriptionType === 'contact.privacyDeletion' && event.active) ?? false,
        { message: 'subscriptions.hubEvents must hold an active contact.privacyDeletion subscription', path: ['hubEvents'] },
      ),
  }),
);
