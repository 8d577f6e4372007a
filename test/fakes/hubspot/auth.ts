// Apps, authorization codes, access and refresh tokens of the fake (reference/hubspot.md §4).
import { randomBytes, randomUUID } from 'node:crypto';

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  /** `redirect_uri` must equal one of these exactly, as with `auth.redirectUrls`. */
  redirectUris: string[];
  /** If set, the authorize URL's `scope` must include all of them. */
  requiredScopes?: string[];
  appId?: number;
}

export interface App extends AppRegistration {
  appId: number;
}

export interface AccessToken {
  token: string;
  portalId: string;
  /** null: never expires (private-app / static tokens). */
  expiresAt: number | null;
  /** null: every scope (static tokens unless told otherwise). */
  scopes: string[] | null;
  source: 'static' | 'oauth';
  appId?: number;
  clientId?: string;
  userId?: number;
  refreshToken?: string;
  revoked: boolean;
}

export interface RefreshToken {
  token: string;
  portalId: string;
  appId: number;
  clientId: string;
  scopes: string[];
  userId: number;
  active: boolean;
}

interface AuthCode {
  code: string;
  app: App;
  redirectUri: string;
  portalId: string;
  scopes: string[];
  userId: number;
  used: boolean;
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; token: AccessToken }
  | { ok: false; category: 'INVALID_AUTHENTICATION' | 'EXPIRED_AUTHENTICATION'; message: string };

/** HubSpot's codes are short-lived; five minutes is generous and still catches codes kept around. */
const CODE_TTL_MS = 5 * 60_000;

export class AuthRegistry {
  private readonly apps = new Map<string, App>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly codes = new Map<string, AuthCode>();
  private nextAppId = 4_000_001;
  private nextUserId = 7_000_001;

  constructor(private readonly now: () => number) {}

  registerApp(registration: AppRegistration): App {
    const app: App = { ...registration, appId: registration.appId ?? this.nextAppId++ };
    this.apps.set(app.clientId, app);
    return app;
  }

  app(clientId: string | undefined): App | undefined {
    return clientId === undefined ? undefined : this.apps.get(clientId);
  }

  addAccessToken(token: Omit<AccessToken, 'revoked'>): AccessToken {
    const record = { ...token, revoked: false };
    this.accessTokens.set(record.token, record);
    return record;
  }

  accessToken(token: string): AccessToken | undefined {
    return this.accessTokens.get(token);
  }

  refreshToken(token: string): RefreshToken | undefined {
    return this.refreshTokens.get(token);
  }

  check(authorization: string | undefined): TokenCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      return {
        ok: false,
        category: 'INVALID_AUTHENTICATION',
        message:
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      };
    }
    const record = this.accessTokens.get(match[1]!);
    if (!record || record.revoked) {
      return { ok: false, category: 'INVALID_AUTHENTICATION', message: 'The OAuth token used to make this call is not valid.' };
    }
    if (record.expiresAt !== null && record.expiresAt <= this.now()) {
      const minutes = Math.floor((this.now() - record.expiresAt) / 60_000);
      return {
        ok: false,
        category: 'EXPIRED_AUTHENTICATION',
        message: `The OAuth token used to make this call expired ${minutes} minute(s) ago.`,
      };
    }
    return { ok: true, token: record };
  }

  expire(token: string): boolean {
    const record = this.accessTokens.get(token);
    if (!record) return false;
    record.expiresAt = this.now() - 1;
    return true;
  }

  issueCode(app: App, redirectUri: string, portalId: string, scopes: string[]): string {
    const code = randomUUID();
    this.codes.set(code, {
      code,
      app,
      redirectUri,
      portalId,
      scopes,
      userId: this.nextUserId++,
      used: false,
      expiresAt: this.now() + CODE_TTL_MS,
    });
    return code;
  }

  /** Codes are single-use: the second redemption fails like an unknown code. */
  redeemCode(code: string, app: App, redirectUri: string | undefined): AuthCode | 'BAD_AUTH_CODE' | 'BAD_REDIRECT_URI' {
    const record = this.codes.get(code);
    if (!record || record.used || record.app.clientId !== app.clientId || record.expiresAt <= this.now()) return 'BAD_AUTH_CODE';
    if (redirectUri !== record.redirectUri) return 'BAD_REDIRECT_URI';
    record.used = true;
    return record;
  }

  issueRefreshToken(grant: Omit<RefreshToken, 'token' | 'active'>): RefreshToken {
    // Shaped like HubSpot's: region prefix and dashed hex groups.
    const hex = randomBytes(16).toString('hex');
    const token = `na1-${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16)}`;
    const record = { ...grant, token, active: true };
    this.refreshTokens.set(token, record);
    return record;
  }

  /** Access tokens of the new platform run to 300+ characters; make ours as long so storage limits show. */
  issueAccessToken(grant: RefreshToken, ttlMs: number): AccessToken {
    return this.addAccessToken({
      token: `CO${randomBytes(240).toString('base64url')}`,
      portalId: grant.portalId,
      expiresAt: this.now() + ttlMs,
      scopes: grant.scopes,
      source: 'oauth',
      appId: grant.appId,
      clientId: grant.clientId,
      userId: grant.userId,
      refreshToken: grant.token,
    });
  }

  revokeRefreshToken(token: string): void {
    const record = this.refreshTokens.get(token);
    if (!record) return;
    record.active = false;
    for (const access of this.accessTokens.values()) if (access.refreshToken === token) access.revoked = true;
  }

  revokeAccessToken(token: string): void {
    const record = this.accessTokens.get(token);
    if (record) record.revoked = true;
  }

  /** Uninstalling kills the portal's OAuth grants; static (private-app) tokens are a different thing and stay. */
  uninstall(portalId: string, appId?: number): number {
    let count = 0;
    for (const record of this.refreshTokens.values()) {
      if (record.portalId === portalId && record.active && (appId === undefined || record.appId === appId)) {
        this.revokeRefreshToken(record.token);
        count++;
      }
    }
    return count;
  }
}
