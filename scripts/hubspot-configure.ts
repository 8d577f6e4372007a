// `npm run hubspot:configure`: writes the receiver's public URL into the HubSpot project before
// `hs project upload`, so nobody edits URLs by hand:
//   - src/app/app-hsmeta.json: auth.redirectUrls = [<PUBLIC_URL>/oauth/callback], permittedUrls.fetch = [<PUBLIC_URL>]
//   - src/app/webhooks/webhooks-hsmeta.json: settings.targetUrl = <PUBLIC_URL>/hubspot/webhooks (where HubSpot posts
//     the app's webhook events, e.g. contact.privacyDeletion)
//   - src/app/cards/config.ts and src/app/settings/config.ts: RECEIVER_URL (each UI folder is bundled on its own)
// Reads PUBLIC_URL and, optionally, HUBSPOT_CLIENT_ID from the environment or ./.env (the environment wins).
// Running it twice with the same URL changes nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { HUBSPOT_WEBHOOKS_PATH } from '../receiver/http/hubspot-webhooks';
import { OPTIONAL_SCOPES, REQUIRED_SCOPES } from '../receiver/hubspot/scopes';

export class ConfigureError extends Error {
  override name = 'ConfigureError';
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]', '::1', '[::]']);

/** Folders whose RECEIVER_URL module the script owns, relative to the project's src/app. */
export const RECEIVER_URL_MODULES = ['cards/config.ts', 'settings/config.ts'] as const;

/** The webhooks component's metadata file, relative to the project's src/app. */
export const WEBHOOKS_META = 'webhooks/webhooks-hsmeta.json';

/**
 * The public base URL of the receiver, without a trailing slash. HubSpot's fetch proxy only reaches
 * public HTTPS URLs, so http, loopback and private-network hosts are refused, with the way out.
 */
export function normalizePublicUrl(raw: string | undefined): string {
  const value = raw?.trim();
  if (!value) {
    throw new ConfigureError(
      'PUBLIC_URL is not set. Set it to the public HTTPS address of the pretix-hubspot receiver, e.g. PUBLIC_URL=https://pretix-hubspot.example.org',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigureError(`PUBLIC_URL "${value}" is not a valid URL. Use the receiver's public address, e.g. https://pretix-hubspot.example.org`);
  }
  if (url.protocol !== 'https:') {
    throw new ConfigureError(
      `PUBLIC_URL must use https (got "${value}"). HubSpot's hubspot.fetch and webhooks only call HTTPS URLs; put the receiver behind an HTTPS reverse proxy or tunnel and use that address.`,
    );
  }
  const host = url.hostname.toLowerCase();
  if (LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost') || host.endsWith('.local') || isPrivateIPv4(host)) {
    throw new ConfigureError(
      `PUBLIC_URL must be reachable from HubSpot, not "${url.host}". For local development keep a public HTTPS URL here and map it to your machine with a proxy entry in src/app/local.json (hs project dev).`,
    );
  }
  if (url.username || url.password) throw new ConfigureError('PUBLIC_URL must not contain a user name or password.');
  if (url.search || url.hash) throw new ConfigureError(`PUBLIC_URL must not have a query or fragment (got "${value}").`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** Loopback and RFC 1918 addresses: HubSpot's servers can never reach them. */
function isPrivateIPv4(host: string): boolean {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part))) return false;
  const [a = -1, b = -1] = parts;
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 0;
}

type Json = Record<string, unknown>;

function objectAt(parent: Json, key: string, file: string): Json {
  const value = parent[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigureError(`${file}: expected an object at "${key}".`);
  }
  return value as Json;
}

function parseMeta(text: string, file: string): Json {
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    throw new ConfigureError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new ConfigureError(`${file}: expected a JSON object.`);
  return meta as Json;
}

const serializeMeta = (meta: Json) => `${JSON.stringify(meta, null, 2)}\n`;

/** app-hsmeta.json with this receiver's redirect URL, fetch origin and the scopes the receiver asks for (one list,
 * receiver/hubspot/scopes.ts, so the app never requests fewer scopes than the receiver needs); every other key is kept. */
export function applyToAppMeta(appMetaText: string, publicUrl: string, file = 'app-hsmeta.json'): string {
  const meta = parseMeta(appMetaText, file);
  const config = objectAt(meta, 'config', file);
  const auth = objectAt(config, 'auth', file);
  auth.redirectUrls = [`${publicUrl}/oauth/callback`];
  auth.requiredScopes = [...REQUIRED_SCOPES];
  auth.optionalScopes = [...OPTIONAL_SCOPES];
  const permittedUrls = objectAt(config, 'permittedUrls', file);
  permittedUrls.fetch = [publicUrl];
  return serializeMeta(meta);
}

export function webhooksTargetUrl(publicUrl: string): string {
  return `${publicUrl}${HUBSPOT_WEBHOOKS_PATH}`;
}

/** webhooks-hsmeta.json with HubSpot's delivery URL pointing at this receiver; the subscriptions, the concurrency
 * limit and every other key are kept. */
export function applyToWebhooksMeta(webhooksMetaText: string, publicUrl: string, file = 'webhooks-hsmeta.json'): string {
  const meta = parseMeta(webhooksMetaText, file);
  const settings = objectAt(objectAt(meta, 'config', file), 'settings', file);
  settings.targetUrl = webhooksTargetUrl(publicUrl);
  return serializeMeta(meta);
}

export function receiverUrlModule(publicUrl: string): string {
  return [
    '// Written by `npm run hubspot:configure` from PUBLIC_URL; do not edit by hand.',
    '// HubSpot bundles each UI extension folder on its own, so every folder carries its own copy.',
    `export const RECEIVER_URL = '${publicUrl.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}';`,
    '',
  ].join('\n');
}

export interface PlannedFile {
  path: string;
  content: string;
  changed: boolean;
}

/** What the project files under `appDir` (src/app) should contain for this URL, and which of them differ. */
export function planConfiguration(appDir: string, publicUrl: string): PlannedFile[] {
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : null);
  const readMeta = (file: string) => {
    const text = read(file);
    if (text === null) throw new ConfigureError(`${file} does not exist. Run this from the project root.`);
    return text;
  };
  const appMetaPath = path.join(appDir, 'app-hsmeta.json');
  const appMeta = readMeta(appMetaPath);
  const webhooksMetaPath = path.join(appDir, WEBHOOKS_META);
  const webhooksMeta = readMeta(webhooksMetaPath);
  const planned = [
    { path: appMetaPath, content: applyToAppMeta(appMeta, publicUrl, appMetaPath), current: appMeta },
    { path: webhooksMetaPath, content: applyToWebhooksMeta(webhooksMeta, publicUrl, webhooksMetaPath), current: webhooksMeta },
    ...RECEIVER_URL_MODULES.map((module) => {
      const modulePath = path.join(appDir, module);
      return { path: modulePath, content: receiverUrlModule(publicUrl), current: read(modulePath) };
    }),
  ];
  return planned.map(({ path: file, content, current }) => ({ path: file, content, changed: current !== content }));
}

/**
 * Where a HubSpot admin installs the app: the receiver's "Request access" route, which sends them on to HubSpot's
 * authorize page with the scopes and a single-use state. (A bare authorize URL would carry no state, and the
 * receiver rightly refuses callbacks without one.)
 */
export function installUrl(publicUrl: string): string {
  return `${publicUrl}/oauth/install`;
}

/** Environment first, then ./.env, like the receiver. */
export function readSettings(env: NodeJS.ProcessEnv, envFileText: string | null): { publicUrl?: string; clientId?: string } {
  const fromFile = envFileText === null ? {} : parseEnv(envFileText);
  const pick = (name: string) => env[name] ?? fromFile[name];
  return { publicUrl: pick('PUBLIC_URL'), clientId: pick('HUBSPOT_CLIENT_ID')?.trim() || undefined };
}

export function configure(projectRoot: string, env: NodeJS.ProcessEnv = process.env): { publicUrl: string; files: PlannedFile[]; installUrl?: string } {
  const envFile = path.join(projectRoot, '.env');
  const settings = readSettings(env, existsSync(envFile) ? readFileSync(envFile, 'utf8') : null);
  const publicUrl = normalizePublicUrl(settings.publicUrl);
  const appDir = path.join(projectRoot, 'src', 'app');
  const files = planConfiguration(appDir, publicUrl);
  for (const file of files) {
    if (file.changed) writeFileSync(file.path, file.content);
  }
  return { publicUrl, files, installUrl: settings.clientId ? installUrl(publicUrl) : undefined };
}

function main(): void {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const result = configure(projectRoot);
    console.log(`HubSpot project configured for ${result.publicUrl}`);
    for (const file of result.files) {
      console.log(`  ${file.changed ? 'updated  ' : 'unchanged'} ${path.relative(projectRoot, file.path)}`);
    }
    if (result.installUrl) console.log(`Install URL (after hs project upload):\n  ${result.installUrl}`);
    console.log('Next: npx --package=@hubspot/cli@8.14.0 hs project upload');
  } catch (error) {
    if (error instanceof ConfigureError) {
      console.error(`hubspot:configure: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
