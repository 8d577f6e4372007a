// The one way the UI talks to the receiver: every call goes through hubspot.fetch (HubSpot signs it),
// to an absolute URL under RECEIVER_URL, with the portal id as the first query parameter.
// This file is copied byte for byte into src/app/cards/lib and src/app/settings/lib, because HubSpot
// bundles each UI folder on its own (test/app/shared-lib.test.ts keeps the copies equal).
import { hubspot } from '@hubspot/ui-extensions';
import type { ApiError } from '../api-types';
import { RECEIVER_URL } from '../config';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | readonly string[] | null | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

/** Below hubspot.fetch's 15 s default, so that our own message is shown rather than a platform timeout. */
export const REQUEST_TIMEOUT_MS = 14_000;

export type ReceiverErrorKind = 'unreachable' | 'http' | 'invalid_response';

export class ReceiverError extends Error {
  readonly kind: ReceiverErrorKind;
  /** HTTP status of the receiver's answer, null when it was not reached. */
  readonly status: number | null;
  /** Dotted paths into the request body → message (ApiError.fieldErrors). */
  readonly fieldErrors: Readonly<Record<string, string>>;

  constructor(kind: ReceiverErrorKind, message: string, status: number | null = null, fieldErrors: Record<string, string> = {}) {
    super(message);
    this.name = 'ReceiverError';
    this.kind = kind;
    this.status = status;
    this.fieldErrors = fieldErrors;
  }
}

/** Builds `${RECEIVER_URL}${path}?portalId=…&…`; arrays become repeated parameters, null/undefined are left out. */
export function receiverUrl(portalId: number | string, path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  params.append('portalId', String(portalId));
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value as readonly string[]) params.append(name, item);
    } else {
      params.append(name, String(value));
    }
  }
  return `${RECEIVER_URL}${path}?${params.toString()}`;
}

/** One path segment, so that slugs and ids can never change the route. */
export const segment = (value: string | number): string => encodeURIComponent(String(value));

export interface ReceiverRequestOptions {
  query?: Query;
  /** Sent as JSON by hubspot.fetch; GET requests never carry one. */
  body?: Record<string, unknown>;
  /** Accept an empty 2xx answer (e.g. 204) and resolve to undefined; otherwise an empty answer is an error. */
  emptyOk?: boolean;
}

export async function receiverRequest<T>(
  portalId: number | string,
  method: HttpMethod,
  path: string,
  options: ReceiverRequestOptions = {},
): Promise<T> {
  return receiverFetch<T>(receiverUrl(portalId, path, options.query), method, options.body, options.emptyOk);
}

/** Sends one request to a URL built by receiverUrl and returns the parsed JSON answer, or throws ReceiverError. */
export async function receiverFetch<T>(url: string, method: HttpMethod, body?: Record<string, unknown>, emptyOk = false): Promise<T> {
  const init: { method: HttpMethod; timeout: number; body?: Record<string, unknown> } = {
    method,
    timeout: REQUEST_TIMEOUT_MS,
  };
  if (body !== undefined && method !== 'GET') init.body = body;

  let response: Response;
  try {
    response = await hubspot.fetch(url, init);
  } catch (cause) {
    const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
    throw new ReceiverError('unreachable', `The pretix-hubspot service could not be reached${detail}.`);
  }

  const { payload, invalid } = await readJson(response);
  if (!response.ok) throw errorFromAnswer(response.status, payload);
  if (invalid || (payload === undefined && !emptyOk)) {
    throw new ReceiverError('invalid_response', 'The pretix-hubspot service sent an answer that is not JSON.', response.status);
  }
  return payload as T;
}

async function readJson(response: Response): Promise<{ payload: unknown; invalid: boolean }> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return { payload: undefined, invalid: true };
  }
  if (!text.trim()) return { payload: undefined, invalid: false };
  try {
    return { payload: JSON.parse(text) as unknown, invalid: false };
  } catch {
    return { payload: undefined, invalid: true };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * HubSpot's fetch proxy may wrap a non-2xx answer as
 * `{status:'error', category:'BAD_GATEWAY', responseBody:'<our JSON>', context:{appServerStatusCode:[400]}}`;
 * unwrap it so that the receiver's own message and fieldErrors still reach the user.
 */
export function errorFromAnswer(status: number, payload: unknown): ReceiverError {
  let body: unknown = payload;
  let effectiveStatus = status;
  if (isRecord(payload) && 'responseBody' in payload) {
    const inner = payload.responseBody;
    if (typeof inner === 'string') {
      try {
        body = JSON.parse(inner) as unknown;
      } catch {
        body = undefined;
      }
    } else {
      body = inner;
    }
    const context = payload.context;
    const codes = isRecord(context) ? context.appServerStatusCode : undefined;
    if (Array.isArray(codes) && typeof codes[0] === 'number') effectiveStatus = codes[0];
  }
  const apiError: Partial<ApiError> = isRecord(body) ? (body as Partial<ApiError>) : {};
  const message =
    typeof apiError.message === 'string' && apiError.message
      ? apiError.message
      : `The pretix-hubspot service answered with HTTP ${effectiveStatus}.`;
  const fieldErrors = isRecord(apiError.fieldErrors) ? (apiError.fieldErrors as Record<string, string>) : {};
  return new ReceiverError('http', message, effectiveStatus, fieldErrors);
}

export function toReceiverError(error: unknown): ReceiverError {
  if (error instanceof ReceiverError) return error;
  return new ReceiverError('invalid_response', error instanceof Error ? error.message : String(error));
}
