// HubSpot's OAuth token endpoints we call ourselves (reference/hubspot.md §4): refresh, introspect, revoke, all
// under /oauth/2026-03 with the client credentials in the form body. The authorization-code exchange of the install
// flow goes through @fastify/oauth2 (http/oauth.ts); both read the answer with the same schema.
// No token ever appears in an error message.
import { z } from 'zod';

export const TOKEN_PATH = '/oauth/2026-03/token';
export const INTROSPECT_PATH = '/oauth/2026-03/token/introspect';
export const REVOKE_PATH = '/oauth/2026-03/token/revoke';

export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  token_type: z.string().optional(),
  hub_id: z.coerce.number().int().optional(),
  scopes: z.array(z.string()).optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const introspectionSchema = z.looseObject({
  active: z.boolean(),
  hub_id: z.coerce.number().int().optional(),
  client_id: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  token_use: z.string().optional(),
});
export type Introspection = z.infer<typeof introspectionSchema>;

/** HubSpot refused the refresh token (`invalid_grant` / `BAD_REFRESH_TOKEN`): the app was uninstalled or revoked. */
export class OAuthGrantRevokedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthGrantRevokedError';
  }
}

/** Network failure, timeout, 429 or 5xx at the token endpoint: worth trying again later. */
export class OAuthUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthUnavailableError';
  }
}

/** Any other refusal (bad client credentials, malformed answer): a configuration problem. */
export class OAuthRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthRequestError';
  }
}

export interface OAuthClientOptions {
  /** HUBSPOT_API_URL, e.g. https://api.hubapi.com */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const errorBody = z.looseObject({ status: z.string().optional(), error: z.string().optional(), message: z.string().optional() });

export function createOAuthClient(options: OAuthClientOptions) {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function post(path: string, form: Record<string, string>): Promise<{ status: number; json: unknown }> {
    const body = new URLSearchParams({ ...form, client_id: options.clientId, client_secret: options.clientSecret });
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(`${options.apiUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const what = name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : 'network error';
      throw new OAuthUnavailableError(`could not reach HubSpot's token endpoint ${path}: ${what}`);
    }
    let json: unknown = undefined;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      // handled by the callers' status checks
    }
    return { status: response.status, json };
  }

  function failure(path: string, status: number, json: unknown): Error {
    const parsed = errorBody.safeParse(json);
    const code = parsed.success ? (parsed.data.status ?? parsed.data.error ?? '') : '';
    const message = parsed.success ? (parsed.data.message ?? '') : '';
    const detail = `HubSpot answered ${status}${code ? ` ${code}` : ''} to ${path}${message ? `: ${message}` : ''}`;
    if (status === 429 || status >= 500) return new OAuthUnavailableError(detail);
    const error = parsed.success ? parsed.data.error : undefined;
    if (error === 'invalid_grant' || code === 'BAD_REFRESH_TOKEN' || code === 'invalid_grant') return new OAuthGrantRevokedError(detail);
    return new OAuthRequestError(detail);
  }

  return {
    /** A new access token for a refresh token. */
    async refresh(refreshToken: string): Promise<TokenResponse> {
      const { status, json } = await post(TOKEN_PATH, { grant_type: 'refresh_token', refresh_token: refreshToken });
      if (status !== 200) throw failure(TOKEN_PATH, status, json);
      const parsed = tokenResponseSchema.safeParse(json);
      if (!parsed.success) throw new OAuthRequestError(`HubSpot's token answer is not readable (${parsed.error.issues[0]?.path.join('.')})`);
      return parsed.data;
    },

    /** Who a token belongs to: the portal (`hub_id`), scopes, and whether it is still active. */
    async introspect(token: string, hint: 'access_token' | 'refresh_token' = 'access_token'): Promise<Introspection> {
      const { status, json } = await post(INTROSPECT_PATH, { token, token_type_hint: hint });
      if (status !== 200) throw failure(INTROSPECT_PATH, status, json);
      const parsed = introspectionSchema.safeParse(json);
      if (!parsed.success) throw new OAuthRequestError("HubSpot's introspection answer is not readable");
      return parsed.data;
    },

    /** Revokes a refresh token (and the access tokens issued from it). HubSpot answers 200 for unknown tokens too. */
    async revoke(token: string, hint: 'access_token' | 'refresh_token' = 'refresh_token'): Promise<void> {
      const { status, json } = await post(REVOKE_PATH, { token, token_type_hint: hint });
      if (status < 200 || status >= 300) throw failure(REVOKE_PATH, status, json);
    },
  };
}

export type OAuthClient = ReturnType<typeof createOAuthClient>;
