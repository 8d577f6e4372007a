// Only HubSpot may call the card/settings API: every request must carry a valid X-HubSpot-Signature-v3 made with
// the app's client secret over METHOD + public URI + raw body + timestamp (reference/hubspot.md §3). The URI is
// rebuilt from PUBLIC_URL and the path+query as received (never from Host or X-Forwarded-* headers, which the
// caller controls). The portal is the signed `portalId` query parameter.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_SIGNATURE_AGE_MS, verifyV3 } from '../../hubspot/signature';
import { HttpError } from '../errors';

export interface SignedRequestOptions {
  /** PUBLIC_URL without a trailing slash. */
  publicUrl: string;
  /** HUBSPOT_CLIENT_SECRET; without it nothing can be verified and the API answers 503. */
  clientSecret: string | undefined;
  now: () => number;
  maxAgeMs?: number;
  /** How far ahead of our clock a timestamp may be (clock skew between HubSpot and us). */
  maxFutureSkewMs?: number;
}

export const MAX_FUTURE_SKEW_MS = 60_000;

const portals = new WeakMap<FastifyRequest, string>();

/** The portal of a request that passed the signature check. */
export function portalOf(request: FastifyRequest): string {
  const portal = portals.get(request);
  if (portal === undefined) throw new Error('portalOf() called for a request that was not verified');
  return portal;
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const unauthorized = (code: string, message: string) => new HttpError(401, code, message);

/**
 * Registers, in the calling (encapsulated) plugin only: a content-type parser that keeps the body as the raw string
 * (the signature covers the exact bytes), and a preHandler that verifies the signature, takes the portal from the
 * query and only then parses the JSON body.
 */
export function registerSignedRequests(app: FastifyInstance, options: SignedRequestOptions): void {
  const maxAgeMs = options.maxAgeMs ?? MAX_SIGNATURE_AGE_MS;
  const maxFutureSkewMs = options.maxFutureSkewMs ?? MAX_FUTURE_SKEW_MS;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  // Anything else is kept raw too, so that it can be verified first and then refused with 415.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('preHandler', async (request) => {
    const secret = options.clientSecret;
    if (!secret) {
      throw new HttpError(
        503,
        'api_not_configured',
        "The card and settings API needs the HubSpot app's client secret to verify that requests come from HubSpot: " +
          'set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (the app from `hs project upload`). With only a static ' +
          'token (HUBSPOT_ACCESS_TOKEN) the sync runs, but the card and settings page cannot be served.',
      );
    }

    const signature = header(request, 'x-hubspot-signature-v3');
    const timestampText = header(request, 'x-hubspot-request-timestamp');
    if (!signature || !timestampText) {
      throw unauthorized(
        'signature_missing',
        'This API only answers requests signed by HubSpot (X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp), ' +
          "i.e. hubspot.fetch calls from the app's card or settings page.",
      );
    }
    const timestamp = /^\d{1,16}$/.test(timestampText.trim()) ? Number(timestampText.trim()) : NaN;
    if (Number.isNaN(timestamp)) {
      throw unauthorized('signature_timestamp_invalid', 'X-HubSpot-Request-Timestamp must be a Unix time in milliseconds.');
    }
    const now = options.now();
    if (now - timestamp > maxAgeMs) {
      throw unauthorized('signature_expired', `The signed request is older than ${maxAgeMs / 60_000} minutes; send it again.`);
    }
    if (timestamp - now > maxFutureSkewMs) {
      throw unauthorized(
        'signature_timestamp_in_future',
        `The request's timestamp is more than ${maxFutureSkewMs / 1000} s ahead of this server's clock; check the server's time.`,
      );
    }

    const rawBody = typeof request.body === 'string' ? request.body : '';
    const uri = `${options.publicUrl}${request.url}`;
    const valid = verifyV3({ clientSecret: secret, method: request.method, uri, body: rawBody, timestamp: timestampText.trim(), signature, now, maxAgeMs: Math.max(maxAgeMs, maxFutureSkewMs) });
    if (!valid) {
      throw unauthorized(
        'signature_mismatch',
        "The signature does not match this request: the method, URL, body or timestamp differ from what was signed, it was signed with another app's secret, " +
          `or PUBLIC_URL (${options.publicUrl}) is not the address HubSpot calls.`,
      );
    }

    portals.set(request, portalFromQuery(request.query));
    request.body = parseJsonBody(request, rawBody);
  });
}

function portalFromQuery(query: unknown): string {
  const raw = (query as Record<string, unknown> | null)?.portalId;
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((value) => String(value).trim());
  if (values.length === 0 || values.every((value) => value === '')) {
    throw new HttpError(400, 'portal_missing', 'The request has no portalId query parameter (HubSpot adds it to signed requests).');
  }
  const distinct = new Set(values);
  if (distinct.size > 1) throw new HttpError(400, 'portal_conflict', 'The request names more than one portalId; they must agree.');
  const portal = values[0]!;
  if (!/^\d{1,20}$/.test(portal)) throw new HttpError(400, 'portal_invalid', 'portalId must be the numeric HubSpot account id.');
  return portal;
}

function parseJsonBody(request: FastifyRequest, raw: string): unknown {
  if (raw.trim() === '') return undefined;
  const type = header(request, 'content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'Request bodies must be JSON (Content-Type: application/json).');
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}
