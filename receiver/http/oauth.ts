// The HubSpot install flow (reference/hubspot.md §4), on @fastify/oauth2:
//   GET /oauth/install   "Request access": a fresh state (server-side, single-use, 10 minutes; also set as a cookie
//                        so it is bound to this browser) and a redirect to HubSpot's authorize page with the app's
//                        scopes and the one redirect URI, PUBLIC_URL/oauth/callback.
//   GET /oauth/callback  checks the state, exchanges the code (credentials in the form body), learns the portal by
//                        introspecting the access token, stores the installation with its tokens sealed, and shows
//                        the result page. Every refusal is a 4xx page and stores nothing.
// Neither route redirects anywhere but to HubSpot's authorize page, and no parameter can change where.
import fastifyOauth2, { type OAuth2Namespace } from '@fastify/oauth2';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import type { InstallationService } from '../hubspot/installations';
import { TOKEN_PATH, tokenResponseSchema, type OAuthClient } from '../hubspot/oauth-client';
import type { OAuthStateStore, StateCheck } from '../hubspot/oauth-state';
import { OPTIONAL_SCOPES, REQUIRED_SCOPES } from '../hubspot/scopes';
import { safeEqual } from '../store/secrets';
import { sendPage } from './html';
import { PAGE_TITLE, installActivePage, installErrorPage, installExpiredPage } from './pages';

export const STATE_COOKIE = 'pretix_hubspot_oauth_state';

/** Parameters that ask a page to send the browser somewhere: never honoured, always refused. */
const REDIRECT_PARAMS = /^(redirect|redirect_uri|redirect_url|redirecturi|redirecturl|next|return|returnto|return_to|returnurl|return_url|continue|url|target|dest|destination|goto|callback|callback_url)$/i;

export interface OAuthRoutesDeps {
  config: Config;
  installations: InstallationService;
  oauth?: OAuthClient;
  states: OAuthStateStore;
}

class StateError extends Error {
  constructor(readonly check: Exclude<StateCheck, 'ok'> | 'other_browser') {
    super(`OAuth state ${check}`);
  }
}

const STATE_MESSAGES: Record<StateError['check'], { problem: string; hint: string }> = {
  missing: {
    problem: 'HubSpot sent the browser back without the "state" of this install, so it cannot be trusted.',
    hint: 'Installs must start with "Request access" on this receiver. Nothing was stored.',
  },
  unknown: {
    problem: 'This install answer does not belong to an install started here (unknown "state").',
    hint: 'It may be forged, or the receiver restarted in between. Nothing was stored.',
  },
  used: {
    problem: 'This install answer was already used once (the "state" is single-use).',
    hint: 'Reloading the result page or opening an old link does not install again. Nothing was stored.',
  },
  expired: { problem: '', hint: '' },
  other_browser: {
    problem: 'This install was started in another browser (or this browser refused the install cookie).',
    hint: 'Click "Request access" and finish the install in the same browser. Nothing was stored.',
  },
};

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** What simple-oauth2 (via @hapi/wreck) reports when the token endpoint refuses or cannot be reached. */
function describeExchangeError(error: unknown): { status: number; problem: string } {
  const boom = error as { isBoom?: boolean; output?: { statusCode?: number }; data?: { payload?: unknown } };
  if (boom.isBoom && boom.output?.statusCode && boom.output.statusCode < 500) {
    const payload = (boom.data?.payload ?? {}) as { status?: string; error?: string; message?: string };
    if (payload.error === 'invalid_grant' || payload.status === 'BAD_AUTH_CODE' || payload.status === 'BAD_REDIRECT_URI') {
      return {
        status: 400,
        problem: 'HubSpot did not accept the authorization code: it was already used, has expired, or was issued for another address.',
      };
    }
    if (payload.error === 'invalid_client' || payload.status === 'BAD_CLIENT_ID' || payload.status === 'BAD_CLIENT_SECRET') {
      return { status: 502, problem: 'HubSpot did not accept this receiver\'s app credentials: check HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.' };
    }
    return { status: 400, problem: `HubSpot refused the authorization code (${payload.status ?? payload.error ?? boom.output.statusCode}).` };
  }
  return { status: 502, problem: 'HubSpot could not be reached to finish the install. Try again in a minute.' };
}

export async function oauthRoutes(app: FastifyInstance, deps: OAuthRoutesDeps): Promise<void> {
  const { config } = deps;
  const oauthConfig = config.hubspot.oauth;
  const callbackUri = `${config.publicUrl}/oauth/callback`;

  const refuseRedirectParams = (request: FastifyRequest, reply: FastifyReply) => {
    const names = Object.keys((request.query ?? {}) as Record<string, unknown>);
    const bad = names.find((name) => REDIRECT_PARAMS.test(name));
    if (!bad) return undefined;
    return sendPage(
      reply,
      400,
      PAGE_TITLE,
      installErrorPage(
        `The parameter "${bad}" is not accepted here: after an install HubSpot always returns to ${callbackUri}, and this receiver sends the browser nowhere else.`,
      ),
    );
  };

  if (!oauthConfig || !deps.oauth) {
    const notConfigured = async (request: FastifyRequest, reply: FastifyReply) =>
      sendPage(
        reply,
        404,
        PAGE_TITLE,
        installErrorPage(
          'HubSpot OAuth is not configured on this receiver.',
          'Set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (from the HubSpot app) and restart it.',
        ),
      );
    app.get('/oauth/install', notConfigured);
    app.get('/oauth/callback', notConfigured);
    return;
  }
  const oauthClient = deps.oauth;

  await app.register(fastifyOauth2, {
    name: 'hubspotOAuth2',
    scope: [...REQUIRED_SCOPES],
    credentials: {
      client: { id: oauthConfig.clientId, secret: oauthConfig.clientSecret },
      auth: {
        authorizeHost: config.hubspot.appUrl,
        authorizePath: '/oauth/authorize',
        tokenHost: config.hubspot.apiUrl,
        tokenPath: TOKEN_PATH,
      },
      // HubSpot takes client_id and client_secret in the form body, not HTTP Basic.
      options: { authorizationMethod: 'body', bodyFormat: 'form' },
    },
    callbackUri,
    callbackUriParams: OPTIONAL_SCOPES.length > 0 ? { optional_scope: OPTIONAL_SCOPES.join(' ') } : {},
    redirectStateCookieName: STATE_COOKIE,
    cookie: { path: '/oauth', httpOnly: true, sameSite: 'lax', secure: config.publicUrl.startsWith('https://'), maxAge: 10 * 60 },
    userAgent: 'pretix-hubspot',
    generateStateFunction: () => deps.states.issue(),
    checkStateFunction: async (request: FastifyRequest) => {
      const state = firstString((request.query as Record<string, unknown>).state);
      const check = await deps.states.consume(state);
      if (check !== 'ok') throw new StateError(check);
      // Bound to the browser that clicked "Request access": a state copied into another browser does not install.
      const cookie = request.cookies[STATE_COOKIE];
      if (!cookie || !safeEqual(cookie, state!)) throw new StateError('other_browser');
      return true;
    },
  });
  const oauth2 = (app as unknown as { hubspotOAuth2: OAuth2Namespace }).hubspotOAuth2;

  app.get('/oauth/install', async (request, reply) => {
    if (Object.keys((request.query ?? {}) as Record<string, unknown>).length > 0) {
      return refuseRedirectParams(request, reply) ??
        sendPage(reply, 400, PAGE_TITLE, installErrorPage('This address takes no parameters: open it as it is to start the install.'));
    }
    const authorizeUrl = await oauth2.generateAuthorizationUri(request, reply);
    return reply.redirect(authorizeUrl, 302);
  });

  app.get('/oauth/callback', async (request, reply) => {
    const refused = refuseRedirectParams(request, reply);
    if (refused) return refused;
    const query = request.query as Record<string, unknown>;
    const error = firstString(query.error);
    if (error !== undefined) {
      // The state is spent either way, so the same answer cannot be replayed.
      await deps.states.consume(firstString(query.state));
      const description = firstString(query.error_description);
      return sendPage(
        reply,
        error === 'access_denied' ? 403 : 400,
        PAGE_TITLE,
        installErrorPage(
          `HubSpot did not grant access (${error}${description ? `: ${description.slice(0, 300)}` : ''}).`,
          'Only a super admin of the HubSpot account (or a user with App Marketplace access) can install the app.',
        ),
      );
    }
    if (typeof query.code !== 'string' || query.code === '' || query.code.length > 2000) {
      await deps.states.consume(firstString(query.state));
      return sendPage(reply, 400, PAGE_TITLE, installErrorPage('HubSpot sent the browser back without an authorization code.'));
    }

    let token;
    try {
      token = await oauth2.getAccessTokenFromAuthorizationCodeFlow(request, reply);
    } catch (caught) {
      if (caught instanceof StateError) {
        request.log.warn({ check: caught.check }, 'OAuth callback refused: state');
        if (caught.check === 'expired') return sendPage(reply, 400, PAGE_TITLE, installExpiredPage());
        const { problem, hint } = STATE_MESSAGES[caught.check];
        return sendPage(reply, 400, PAGE_TITLE, installErrorPage(problem, hint));
      }
      const { status, problem } = describeExchangeError(caught);
      request.log.warn({ status }, 'OAuth code exchange failed');
      return sendPage(reply, status, PAGE_TITLE, installErrorPage(problem, 'Nothing was stored.'));
    }

    const parsed = tokenResponseSchema.safeParse(token.token);
    if (!parsed.success) {
      return sendPage(reply, 502, PAGE_TITLE, installErrorPage('HubSpot answered the code exchange with something this receiver cannot read.'));
    }
    let introspection;
    try {
      introspection = await oauthClient.introspect(parsed.data.access_token, 'access_token');
    } catch (caught) {
      request.log.warn({ error: (caught as Error).message }, 'token introspection failed');
      return sendPage(reply, 502, PAGE_TITLE, installErrorPage('HubSpot could not tell which account was installed (token introspection failed). Try again.'));
    }
    if (!introspection.active || introspection.hub_id === undefined || (introspection.client_id !== undefined && introspection.client_id !== oauthConfig.clientId)) {
      return sendPage(reply, 400, PAGE_TITLE, installErrorPage('HubSpot reports the new access token as not active for this app. Nothing was stored.'));
    }
    const portalId = String(introspection.hub_id);
    const scopes = introspection.scopes ?? parsed.data.scopes ?? [];
    const { requeued } = await deps.installations.completeInstall(portalId, parsed.data, scopes);
    request.log.info({ portalId, scopes: scopes.length, requeued }, 'HubSpot app installed');
    return sendPage(reply, 200, PAGE_TITLE, installActivePage(portalId, requeued));
  });

}
