// Logger options for Fastify (pino). Secrets must never reach a log line: webhook URLs carry a secret in their
// path, OAuth callbacks carry codes in their query, and headers carry tokens and signatures. Personal data stays
// out too: the card asks for a contact's orders with the contact's email addresses in the query.
import type { FastifyServerOptions } from 'fastify';

/** Query parameters whose value is a secret or personal data, compared case-insensitively after decoding. */
const SECRET_QUERY_KEYS = new Set(['code', 'state', 'token', 'access_token', 'refresh_token', 'client_secret', 'email', 'useremail']);
/** The shape of a webhook URL token (../store/secrets.ts randomToken: 32 random bytes, base64url), with room. */
const TOKEN_SHAPED = /^[A-Za-z0-9_-]{24,}$/;
const REDACTED = '[redacted]';

/** Percent-decoding until nothing changes (a client may encode twice); a malformed escape stops the decoding. */
function decodeFully(text: string): string {
  let current = text;
  for (let round = 0; round < 4; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? '' : pair.slice(eq + 1);
      const secretKey = SECRET_QUERY_KEYS.has(decodeFully(key).trim().toLowerCase());
      // A token pasted into the query under any name is still a token.
      if (secretKey || TOKEN_SHAPED.test(decodeFully(value)) || (eq === -1 && TOKEN_SHAPED.test(decodeFully(key)))) {
        return eq === -1 ? REDACTED : `${key}=${REDACTED}`;
      }
      return pair;
    })
    .join('&');
}

/**
 * The URL as it may appear in a log line. Webhook paths are recognised the way a router might see them, whatever the
 * client sent: percent-decoded, repeated or back-slashes collapsed, case-folded. Everything after a `pretix` segment
 * (the token, anything appended to it, and the whole query) is replaced, so no spelling of a webhook URL leaks its
 * token; other URLs keep their path and lose the values of secret query parameters and anything token-shaped.
 */
export function redactUrl(url: string): string {
  const cut = url.search(/[?#]/);
  const path = cut === -1 ? url : url.slice(0, cut);
  const rest = cut === -1 ? '' : url.slice(cut);
  const segments = decodeFully(path).split(/[/\\]+/).filter((segment) => segment !== '');
  const pretixAt = segments.findIndex((segment) => segment.trim().toLowerCase() === 'pretix');
  if (pretixAt !== -1 && (pretixAt < segments.length - 1 || rest !== '')) {
    return `/${[...segments.slice(0, pretixAt + 1), REDACTED].join('/')}`;
  }
  const query = rest.startsWith('?') ? rest.slice(1).split('#')[0]! : '';
  return query === '' ? path : `${path}?${redactQuery(query)}`;
}

/** Headers that carry a credential or a signature; redacted wherever a logged object holds a `headers` map. */
export const SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-hubspot-signature',
  'x-hubspot-signature-v2',
  'x-hubspot-signature-v3',
];

export const REDACTED_PATHS = [
  ...['req.headers', 'res.headers', 'headers', '*.headers'].flatMap((at) => SECRET_HEADERS.map((name) => `${at}["${name}"]`)),
  '*.authorization',
  '*.accessToken',
  '*.refreshToken',
  '*.apiToken',
  '*.token',
  '*.clientSecret',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
];

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    serializers: {
      req(request: { method: string; url: string; id: string; ip?: string }) {
        return { method: request.method, url: redactUrl(request.url), id: request.id };
      },
    },
    ...(stream ? { stream } : {}),
  } as FastifyServerOptions['logger'];
}
