// One error shape for every route: `{ error, message, details? }` with a 4xx that says what was wrong.
import type { FastifyError, FastifyInstance } from 'fastify';
import type { ZodError } from 'zod';
import { InvalidMappingsError } from '../connections/event-config-service';
import { SyncError } from '../domain/errors';
import { ServiceError } from '../lib/service-error';
import { PretixConnectionError } from '../pretix/errors';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function badRequestFromZod(error: ZodError, what: string): HttpError {
  const details = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  return new HttpError(400, 'invalid_request', `Invalid ${what}: ${summary}`, details);
}

/** Mappings refused by the event configuration service, with the field errors every API answers as `fieldErrors`
 * (keyed like `mappings.0.property_mappings.2.external_field`), so the settings page and the CLI show the same. */
export function rethrowInvalidMappings(error: unknown): never {
  if (error instanceof InvalidMappingsError) throw new HttpError(error.statusCode, error.code, error.message, error.fieldErrors);
  throw error;
}

const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      // Field errors in the card/settings API's shape; other details (zod issues) as they are.
      if (isStringRecord(error.details)) return reply.status(error.statusCode).send({ error: error.code, message: error.message, fieldErrors: error.details });
      return reply.status(error.statusCode).send({ error: error.code, message: error.message, details: error.details });
    }
    if (error instanceof ServiceError) {
      if (error.statusCode >= 500) request.log.warn({ code: error.code, error: error.message }, 'request failed upstream');
      return reply.status(error.statusCode).send({ error: error.code, message: error.message });
    }
    // As the card/settings API answers it (its mappings are checked by the same service against pretix and HubSpot):
    // a setup problem is for a person to fix, anything else is the remote side failing.
    if (error instanceof SyncError) {
      return error.failureClass === 'config'
        ? reply.status(409).send({ error: 'config_error', message: error.message })
        : reply.status(502).send({ error: 'upstream_error', message: error.message });
    }
    // The pretix address, organizer or token a person entered does not work: their input, so a 4xx with pretix's
    // reason (401/403/404/timeout…), never a 500.
    if (error instanceof PretixConnectionError) {
      return reply.status(400).send({ error: `pretix_${error.problem}`, message: `pretix connection check failed: ${error.message}` });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'internal_error', message: 'Something went wrong on our side; it has been logged.' });
    }
    const code =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large'
      : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type'
      : error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'empty_body'
      : error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'invalid_json'
      : 'bad_request';
    return reply.status(status).send({ error: code, message: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );
}
