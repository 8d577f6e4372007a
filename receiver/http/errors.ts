// The one error-to-HTTP mapping, used by every route (pretix webhooks, HubSpot webhooks, the admin API, the signed
// card/settings API). Every non-2xx answer has one shape, the card/settings API's documented `ApiError`
// (src/app/shared/api-types.ts): `{ error, message, fieldErrors? }`, where `fieldErrors` maps a dotted path into the
// request to what is wrong there. Each error code has one status wherever it is used:
//
//   400 invalid_request, invalid_json, empty_body, invalid_connection, invalid_mappings, …  the request is wrong
//   401 unauthorized / signature codes          404 not_found, unknown_* (connection, event, job, webhook, …)
//   409 config_error and other setup problems   413 body_too_large      415 unsupported_media_type
//   500 internal_error (a bug, logged)          502 upstream_error (a service failed)
//   503 not configured                          504 upstream_timeout
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodError } from 'zod';
import { InvalidMappingsError } from '../connections/event-config-service';
import { SyncError } from '../domain/errors';
import { ServiceError } from '../lib/service-error';
import { UnsafePathSegmentError } from '../lib/url-path';
import { PretixConnectionError, PretixUnknownEventError } from '../pretix/errors';
import { DeadlineError } from './api/deadline';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Field errors: `{ "mappings.0.external_field": "…" }` (or zod-style `[{ path, message }]`, converted). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: string;
  message: string;
  fieldErrors?: Record<string, string>;
}

export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  /** How the failure is logged: a service failing is worth a warning, a bug an error with its stack. */
  log?: 'warn' | 'error';
}

export function badRequestFromZod(error: ZodError, what: string): HttpError {
  const details = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  return new HttpError(400, 'invalid_request', `Invalid ${what}: ${summary}`, details);
}

/** `details` as the `fieldErrors` record: the first message per path, `(body)` for the request as a whole. */
function fieldErrorsOf(details: unknown): Record<string, string> | undefined {
  if (Array.isArray(details)) {
    const out: Record<string, string> = {};
    for (const entry of details) {
      if (!entry || typeof entry !== 'object') continue;
      const { path, message } = entry as { path?: unknown; message?: unknown };
      if (typeof message !== 'string') continue;
      out[typeof path === 'string' && path !== '' ? path : '(body)'] ??= message;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (details && typeof details === 'object' && Object.values(details).every((v) => typeof v === 'string')) {
    return Object.keys(details).length > 0 ? (details as Record<string, string>) : undefined;
  }
  return undefined;
}

/** Mappings refused by the event configuration service, with the field errors every API answers as `fieldErrors`
 * (keyed like `mappings.0.property_mappings.2.external_field`), so the settings page and the CLI show the same. */
export function rethrowInvalidMappings(error: unknown): never {
  if (error instanceof InvalidMappingsError) throw new HttpError(error.statusCode, error.code, error.message, error.fieldErrors);
  throw error;
}

/** pretix's refusal of a new connection, on the field the person has to change. */
export function connectionFieldError(error: PretixConnectionError): HttpError {
  const field: Record<PretixConnectionError['problem'], 'baseUrl' | 'organizer' | 'apiToken' | null> = {
    unauthorized: 'apiToken',
    forbidden: 'organizer',
    not_found: 'baseUrl',
    invalid_base_url: 'baseUrl',
    unreachable: 'baseUrl',
    timeout: 'baseUrl',
    unexpected_response: 'baseUrl',
    rate_limited: null,
    server_error: null,
  };
  const target = field[error.problem] ?? null;
  const { message } = error;
  if (!target) return new HttpError(502, 'upstream_error', message);
  return new HttpError(400, 'invalid_connection', message, { [target]: message });
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_VALIDATION: 'invalid_request',
};

/** What to answer for `error`, whichever route it came from. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) {
    const fieldErrors = fieldErrorsOf(error.details);
    return { status: error.statusCode, body: { error: error.code, message: error.message, ...(fieldErrors ? { fieldErrors } : {}) } };
  }
  if (error instanceof InvalidMappingsError) return errorAnswer(new HttpError(error.statusCode, error.code, error.message, error.fieldErrors));
  if (error instanceof ServiceError) {
    return { status: error.statusCode, body: { error: error.code, message: error.message }, ...(error.statusCode >= 500 ? { log: 'warn' as const } : {}) };
  }
  if (error instanceof DeadlineError) return { status: 504, body: { error: 'upstream_timeout', message: `${error.message}; try again.` } };
  // The pretix address, organizer or token a person entered does not work: their input, with pretix's reason.
  if (error instanceof PretixConnectionError) return errorAnswer(connectionFieldError(error));
  if (error instanceof PretixUnknownEventError) return { status: 404, body: { error: 'unknown_event', message: error.message } };
  // A "." or ".." that got past the boundaries' checks: still the request's fault, and nothing was sent.
  if (error instanceof UnsafePathSegmentError) return { status: 400, body: { error: 'invalid_request', message: error.message } };
  if (error instanceof SyncError) {
    // A setup problem (no HubSpot install, a revoked token, a missing permission) is for a person to fix; anything
    // else is the remote service failing.
    return error.failureClass === 'config'
      ? { status: 409, body: { error: 'config_error', message: error.message } }
      : { status: 502, body: { error: 'upstream_error', message: error.message }, log: 'warn' };
  }
  const fastify = error as Partial<FastifyError>;
  const status = typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500 ? fastify.statusCode : 500;
  if (status === 500) {
    return { status: 500, body: { error: 'internal_error', message: 'Something went wrong on our side; it has been logged.' }, log: 'error' };
  }
  const byStatus: Record<number, string> = { 400: error instanceof SyntaxError ? 'invalid_json' : 'invalid_request', 413: 'body_too_large', 415: 'unsupported_media_type' };
  const code = (fastify.code && FASTIFY_CODES[fastify.code]) ?? byStatus[status] ?? `http_${status}`;
  return { status, body: { error: code, message: (error as Error).message } };
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const answer = errorAnswer(error);
  if (answer.log === 'error') request.log.error({ err: error }, 'request failed');
  else if (answer.log === 'warn') request.log.warn({ code: answer.body.error, error: answer.body.message }, 'request failed upstream');
  return reply.status(answer.status).send(answer.body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );
}
