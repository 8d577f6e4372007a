// The one place that reads the environment. Everything else receives a typed Config.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .transform((value) => value.replace(/\/+$/, ''));
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value && value.trim() !== '' ? value.trim() : undefined));

/** "110/10s", "360/60s", "360/1m" → { limit, intervalMs } */
const rateSpec = z.string().transform((value, ctx) => {
  const match = /^(\d+)\s*\/\s*(\d+)\s*(ms|s|m)$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: 'expected a rate like "110/10s" or "360/1m"' });
    return z.NEVER;
  }
  const unit = { ms: 1, s: 1000, m: 60_000 }[match[3] as 'ms' | 's' | 'm'];
  return { limit: Number(match[1]), intervalMs: Number(match[2]) * unit };
});

/** "15m", "30s", "1h", or plain milliseconds. */
const duration = z.string().transform((value, ctx) => {
  const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like "15m", "30s" or "1h"' });
    return z.NEVER;
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: httpUrl.default('http://localhost:3000'),
  DATA_FILE: z.string().min(1).default('./data/pretix-hubspot.json'),
  DATABASE_URL: optionalString.pipe(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// (or postgresql://) URL').optional()),
  DATABASE_POOL_MAX: positiveInt.default(10),
  DATABASE_CLAIM_TTL: duration.default(60_000),
  SECRET_KEY: optionalString.pipe(
    z
      .string()
      .min(32, 'must be at least 32 characters (for example `openssl rand -base64 32`)')
      .optional(),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HUBSPOT_API_URL: httpUrl.default('https://api.hubapi.com'),
  HUBSPOT_APP_URL: httpUrl.default('https://app.hubspot.com'),
  HUBSPOT_ACCESS_TOKEN: optionalString,
  HUBSPOT_PORTAL_ID: optionalString.pipe(z.string().regex(/^\d+$/, 'must be the numeric HubSpot account id').optional()),
  HUBSPOT_CLIENT_ID: optionalString,
  HUBSPOT_CLIENT_SECRET: optionalString,
  HUBSPOT_RATE_LIMIT: rateSpec.default({ limit: 110, intervalMs: 10_000 }),
  PRETIX_RATE_LIMIT: rateSpec.default({ limit: 360, intervalMs: 60_000 }),
  SYNC_MAX_ATTEMPTS: positiveInt.default(5),
  SYNC_RETRY_BASE: duration.default(30_000),
  SYNC_RETRY_MAX: duration.default(3_600_000),
  RECONCILE_INTERVAL: duration.default(15 * 60_000),
  // How long a backfill's lease lasts unrenewed: how soon another instance continues the backfill of one that died.
  LEASE_TTL: duration.default(30_000),
  // 8 s leaves room under the 10 s most supervisors (Docker, systemd's default is 90 s) wait before SIGKILL.
  SHUTDOWN_TIMEOUT: duration.default(8_000),
  REPAIR_DAMAGED_STATE: z
    .enum(['0', '1', 'true', 'false', ''])
    .default('0')
    .transform((value) => value === '1' || value === 'true'),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string;
  dataFile: string;
  /** PostgreSQL instead of the data file (several instances on one database); absent: the lowdb data file. */
  database?: { url: string; poolMax: number; claimTtlMs: number };
  /** Absent only in development, where main.ts generates one beside the data file. */
  secretKey?: string;
  logLevel: string;
  hubspot: {
    apiUrl: string;
    appUrl: string;
    /** Single-portal mode with a private/static app token, beside or instead of OAuth. */
    staticToken?: { accessToken: string; portalId: string };
    staticTokenWithoutPortal: boolean;
    oauth?: { clientId: string; clientSecret: string };
    rateLimit: { limit: number; intervalMs: number };
  };
  pretix: { rateLimit: { limit: number; intervalMs: number } };
  sync: { maxAttempts: number; retryBaseMs: number; retryMaxMs: number; reconcileIntervalMs: number; leaseTtlMs: number };
  /** After SIGTERM/SIGINT: how long in-flight HubSpot and pretix requests may take before they are cut off. */
  shutdownTimeoutMs: number;
  /** Start even though journal or sync-record lines are damaged, keeping the skipped lines in `*.damaged` files. */
  repairDamagedState: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Portal id used for a static token when HUBSPOT_PORTAL_ID is not given. */
export const STATIC_PORTAL_FALLBACK_ID = '0';

/** `argv`: the receiver's command-line arguments; `--repair` is the one it knows (the same as REPAIR_DAMAGED_STATE=1). */
export function loadConfig(env: Record<string, string | undefined>, argv: string[] = []): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.NODE_ENV === 'production' && !e.SECRET_KEY) problems.push('SECRET_KEY: required in production');
  if (Boolean(e.HUBSPOT_CLIENT_ID) !== Boolean(e.HUBSPOT_CLIENT_SECRET)) {
    problems.push('HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    dataFile: e.DATA_FILE,
    database: e.DATABASE_URL ? { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, claimTtlMs: e.DATABASE_CLAIM_TTL } : undefined,
    secretKey: e.SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    hubspot: {
      apiUrl: e.HUBSPOT_API_URL,
      appUrl: e.HUBSPOT_APP_URL,
      staticToken: e.HUBSPOT_ACCESS_TOKEN
        ? { accessToken: e.HUBSPOT_ACCESS_TOKEN, portalId: e.HUBSPOT_PORTAL_ID ?? STATIC_PORTAL_FALLBACK_ID }
        : undefined,
      staticTokenWithoutPortal: Boolean(e.HUBSPOT_ACCESS_TOKEN) && !e.HUBSPOT_PORTAL_ID,
      oauth:
        e.HUBSPOT_CLIENT_ID && e.HUBSPOT_CLIENT_SECRET
          ? { clientId: e.HUBSPOT_CLIENT_ID, clientSecret: e.HUBSPOT_CLIENT_SECRET }
          : undefined,
      rateLimit: e.HUBSPOT_RATE_LIMIT,
    },
    pretix: { rateLimit: e.PRETIX_RATE_LIMIT },
    sync: {
      maxAttempts: e.SYNC_MAX_ATTEMPTS,
      retryBaseMs: e.SYNC_RETRY_BASE,
      retryMaxMs: e.SYNC_RETRY_MAX,
      reconcileIntervalMs: e.RECONCILE_INTERVAL,
      leaseTtlMs: e.LEASE_TTL,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    repairDamagedState: e.REPAIR_DAMAGED_STATE || argv.includes('--repair'),
  };
}

/** What is configured and what is missing, for the start-up banner and the status page. No secrets. */
export function describeConfig(config: Config): { configured: string[]; missing: string[] } {
  const configured = [
    `listening on http://${config.host}:${config.port} (public URL ${config.publicUrl})`,
    config.database ? `PostgreSQL store ${describeDatabaseUrl(config.database.url)} (pool of ${config.database.poolMax})` : `data file ${config.dataFile}`,
    `HubSpot API ${config.hubspot.apiUrl}, limit ${config.hubspot.rateLimit.limit} requests / ${config.hubspot.rateLimit.intervalMs / 1000} s per portal`,
    `pretix limit ${config.pretix.rateLimit.limit} requests / ${config.pretix.rateLimit.intervalMs / 1000} s per organizer`,
  ];
  const missing: string[] = [];
  if (config.secretKey) configured.push('SECRET_KEY set (stored tokens are encrypted with it)');
  else missing.push('SECRET_KEY: not set; a development key was generated beside the data file');
  if (config.hubspot.staticToken) {
    configured.push(`HubSpot static token for portal ${config.hubspot.staticToken.portalId}`);
    if (config.hubspot.staticTokenWithoutPortal) missing.push('HUBSPOT_PORTAL_ID: set it so the card API can match your portal');
  }
  if (config.hubspot.oauth) configured.push('HubSpot OAuth app (HUBSPOT_CLIENT_ID/SECRET): installs at /oauth/install; its secret verifies card/settings API calls and HubSpot webhooks (/hubspot/webhooks)');
  if (!config.hubspot.staticToken && !config.hubspot.oauth) {
    missing.push('HubSpot access: set HUBSPOT_ACCESS_TOKEN (single portal) or HUBSPOT_CLIENT_ID + HUBSPOT_CLIENT_SECRET (OAuth)');
  }
  if (!config.publicUrl.startsWith('https://')) {
    missing.push('PUBLIC_URL: not HTTPS; pretix and HubSpot need a public HTTPS URL to reach this receiver');
  }
  return { configured, missing };
}

/** host:port/database of a DATABASE_URL, without the user and password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host || '(socket)'}${parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
