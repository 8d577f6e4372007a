// OAuth endpoints of the fake: consent page, token (code + refresh), introspect, revoke (reference/hubspot.md §4).
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './auth';
import type { FakeCore } from './core';
import { escapeHtml, isRecord } from './http';

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>\n<html><head><title>${escapeHtml(title)}</title></head><body>\n<h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`);
}

function splitScopes(raw: unknown): string[] {
  return typeof raw === 'string' ? raw.split(/[\s+]+/).filter((s) => s !== '') : [];
}

/** Token-endpoint errors carry HubSpot's status code plus the OAuth `error` field clients look for. */
function oauthError(reply: FastifyReply, status: string, message: string, error: string, httpStatus = 400) {
  return reply.code(httpStatus).send({ status, message, correlationId: randomUUID(), error, error_description: message });
}

function readForm(request: FastifyRequest, reply: FastifyReply): Record<string, string> | undefined {
  const type = String(request.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded') || !isRecord(request.body)) {
    void reply.code(415).send({
      status: 'error',
      message: 'The token endpoints take an application/x-www-form-urlencoded body',
      correlationId: randomUUID(),
      category: 'UNSUPPORTED_MEDIA_TYPE',
    });
    return undefined;
  }
  return request.body as Record<string, string>;
}

/** Client credentials go in the form body (HubSpot does not take HTTP Basic here). */
function authenticateClient(core: FakeCore, form: Record<string, string>, reply: FastifyReply): App | undefined {
  const app = core.auth.app(form.client_id);
  if (!app) {
    void oauthError(reply, 'BAD_CLIENT_ID', 'missing or unknown client id', 'invalid_client');
    return undefined;
  }
  if (form.client_secret !== app.clientSecret) {
    void oauthError(reply, 'BAD_CLIENT_SECRET', 'missing or invalid client secret', 'invalid_client');
    return undefined;
  }
  return app;
}

export function registerOAuthRoutes(core: FakeCore): void {
  core.app.get('/oauth/authorize', (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const app = core.auth.app(query.client_id);
    if (!app) return page(reply, 400, 'Authorization failed', '<p>This app has an invalid client_id.</p>');
    if (!query.redirect_uri || !app.redirectUris.includes(query.redirect_uri)) {
      return page(reply, 400, 'Authorization failed', '<p>The redirect_uri does not match any redirect URL of this app.</p>');
    }
    const requested = splitScopes(query.scope);
    const lacking = (app.requiredScopes ?? []).filter((scope) => !requested.includes(scope));
    if (lacking.length > 0) {
      return page(reply, 400, 'Authorization failed', `<p>Scope mismatch: the app requires ${escapeHtml(lacking.join(' '))}.</p>`);
    }
    const portalId = core.authorizingPortal();
    if (portalId === undefined) {
      return page(reply, 400, 'Choose an account', '<p>No HubSpot account is signed in (call fake.setAuthorizingPortal).</p>');
    }
    const scopes = [...new Set([...requested, ...splitScopes(query.optional_scope)])];
    const target = new URL(query.redirect_uri);
    target.searchParams.set('code', core.auth.issueCode(app, query.redirect_uri, portalId, scopes));
    if (query.state !== undefined) target.searchParams.set('state', query.state);
    return page(
      reply,
      200,
      `Connect app to HubSpot account ${portalId}`,
      `<p>The app asks for: ${escapeHtml(scopes.join(', ') || '(no scopes)')}.</p>\n` +
        `<a id="connect-app" href="${escapeHtml(target.toString())}">Connect app</a>`,
    );
  });

  core.app.post('/oauth/2026-03/token', (request, reply) => {
    const form = readForm(request, reply);
    if (!form) return reply;
    const app = authenticateClient(core, form, reply);
    if (!app) return reply;
    const ttlFor = (portalId: string) => core.tokenTtlMs(portalId);
    let grant;
    if (form.grant_type === 'authorization_code') {
      const redeemed = core.auth.redeemCode(form.code ?? '', app, form.redirect_uri);
      if (redeemed === 'BAD_AUTH_CODE') return oauthError(reply, 'BAD_AUTH_CODE', 'missing or unknown auth code', 'invalid_grant');
      if (redeemed === 'BAD_REDIRECT_URI') {
        return oauthError(reply, 'BAD_REDIRECT_URI', 'redirect_uri does not match the one used to authorize', 'invalid_grant');
      }
      grant = core.auth.issueRefreshToken({
        portalId: redeemed.portalId,
        appId: app.appId,
        clientId: app.clientId,
        scopes: redeemed.scopes,
        userId: redeemed.userId,
      });
      core.countCodeExchange(grant.portalId);
    } else if (form.grant_type === 'refresh_token') {
      grant = core.auth.refreshToken(form.refresh_token ?? '');
      if (!grant || !grant.active || grant.clientId !== app.clientId) {
        return oauthError(reply, 'BAD_REFRESH_TOKEN', 'missing or unknown refresh token', 'invalid_grant');
      }
      core.countRefresh(grant.portalId);
    } else {
      return oauthError(reply, 'BAD_GRANT_TYPE', `unsupported grant_type ${form.grant_type ?? '(none)'}`, 'unsupported_grant_type');
    }
    const ttlMs = ttlFor(grant.portalId);
    const access = core.auth.issueAccessToken(grant, ttlMs);
    return {
      access_token: access.token,
      // HubSpot keeps the refresh token stable across refreshes.
      refresh_token: grant.token,
      expires_in: Math.round(ttlMs / 1000),
      token_type: 'bearer',
      token_use: 'access_token',
      hub_id: Number(grant.portalId),
      user_id: grant.userId,
      scopes: grant.scopes,
    };
  });

  core.app.post('/oauth/2026-03/token/introspect', (request, reply) => {
    const form = readForm(request, reply);
    if (!form) return reply;
    const app = authenticateClient(core, form, reply);
    if (!app) return reply;
    const token = form.token ?? '';
    const access = core.auth.accessToken(token);
    if (access && !access.revoked && access.clientId === app.clientId && (access.expiresAt ?? Infinity) > core.now()) {
      return {
        active: true,
        token_use: 'access_token',
        token_type: 'bearer',
        hub_id: Number(access.portalId),
        app_id: app.appId,
        client_id: app.clientId,
        user_id: access.userId,
        scopes: access.scopes ?? [],
        expires_in: access.expiresAt === null ? null : Math.max(0, Math.round((access.expiresAt - core.now()) / 1000)),
      };
    }
    const refresh = core.auth.refreshToken(token);
    if (refresh && refresh.active && refresh.clientId === app.clientId) {
      return {
        active: true,
        token_use: 'refresh_token',
        hub_id: Number(refresh.portalId),
        app_id: app.appId,
        client_id: app.clientId,
        user_id: refresh.userId,
        scopes: refresh.scopes,
      };
    }
    return { active: false };
  });

  core.app.post('/oauth/2026-03/token/revoke', (request, reply) => {
    const form = readForm(request, reply);
    if (!form) return reply;
    const app = authenticateClient(core, form, reply);
    if (!app) return reply;
    const token = form.token ?? '';
    const refresh = core.auth.refreshToken(token);
    if (refresh?.clientId === app.clientId) core.auth.revokeRefreshToken(token);
    const access = core.auth.accessToken(token);
    if (access?.clientId === app.clientId) core.auth.revokeAccessToken(token);
    // RFC 7009: answer 200 whether or not the token was known, so the endpoint cannot probe tokens.
    return reply.code(200).send();
  });
}
