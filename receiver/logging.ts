// Logger options for Fastify (pino). Secrets must never reach a log line: webhook URLs carry a secret in their
// path, OAuth callbacks carry codes in their query, and headers carry tokens and signatures. Personal data stays
// out too: the card asks for a contact's orders with the contact's email addresses in the query.
import type { FastifyServerOptions } from 'fastify';

const SECRET_PATH = /^(\/webhooks\/pretix\/)[^/?#]+/;
const SECRET_QUERY = /([?&](?:code|state|token|access_token|refresh_token|client_secret|email|userEmail)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PATH, '$1[redacted]').replace(SECRET_QUERY, '$1[redacted]');
}

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hubspot-signature"]',
  'req.headers["x-hubspot-signature-v3"]',
  'res.headers["set-cookie"]',
  '*.accessToken',
  '*.refreshToken',
  '*.apiToken',
  '*.token',
  '*.clientSecret',
  '*.access_token',
  '*.refresh_token',
];

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req(request: { method: string; url: string; id: string; ip?: string }) {
        return { method: request.method, url: redactUrl(request.url), id: request.id };
      },
    },
    ...(stream ? { stream } : {}),
  } as FastifyServerOptions['logger'];
}
