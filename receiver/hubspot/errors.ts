// HubSpot's error envelope and how each failure maps onto the sync failure classes (reference/hubspot.md §5).
import { z } from 'zod';
import {
  PermanentSyncError,
  SyncConfigError,
  SyncError,
  TransientSyncError,
  type FailureClass,
} from '../domain/errors';
import { isRetryableStatus } from '../lib/http-transport';

export const errorDetailSchema = z.looseObject({
  message: z.string().default(''),
  code: z.string().optional(),
  in: z.string().optional(),
  subCategory: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type HubSpotErrorDetail = z.infer<typeof errorDetailSchema>;

/** The body of a failed call, and of each entry in a batch response's `errors`. */
export const errorBodySchema = z.looseObject({
  status: z.string().optional(),
  message: z.string().default(''),
  correlationId: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.string().optional(),
  policyName: z.string().optional(),
  errors: z.array(errorDetailSchema).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type HubSpotErrorBody = z.infer<typeof errorBodySchema>;

export interface HubSpotApiErrorInit {
  status: number;
  message: string;
  method: string;
  path: string;
  correlationId?: string;
  category?: string;
  subCategory?: string;
  policyName?: string;
  errors?: HubSpotErrorDetail[];
  context?: Record<string, unknown>;
  retryAfterMs?: number;
}

/** A non-2xx answer from HubSpot. Messages never contain the access token (the client redacts it). */
export class HubSpotApiError extends Error {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly correlationId?: string;
  readonly category?: string;
  readonly subCategory?: string;
  readonly policyName?: string;
  readonly errors: HubSpotErrorDetail[];
  readonly context?: Record<string, unknown>;
  /** From `Retry-After`, when HubSpot sent one. */
  readonly retryAfterMs?: number;

  constructor(init: HubSpotApiErrorInit) {
    super(init.message);
    this.name = 'HubSpotApiError';
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.correlationId = init.correlationId;
    this.category = init.category;
    this.subCategory = init.subCategory;
    this.policyName = init.policyName;
    this.errors = init.errors ?? [];
    this.context = init.context;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** No usable answer at all: connection refused or reset, DNS, timeout. */
export class HubSpotNetworkError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubSpotNetworkError';
  }
}

/** A 2xx whose body is not what HubSpot documents; most likely a proxy or an API change. */
export class HubSpotResponseError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HubSpotResponseError';
  }
}

const MAX_MESSAGE = 1_000;
const clip = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text);

function missingScopes(error: HubSpotApiError): string[] {
  const scopes = error.errors.flatMap((detail) => {
    const context = detail.context ?? {};
    const listed = context.requiredGranularScopes ?? context.requiredScopes ?? [];
    return Array.isArray(listed) ? listed.map(String) : [];
  });
  return [...new Set(scopes)];
}

function describe(error: HubSpotApiError): string {
  const category = error.category ? ` (${error.category})` : '';
  const correlation = error.correlationId ? ` [correlationId ${error.correlationId}]` : '';
  return `HubSpot answered ${error.status}${category} to ${error.method} ${error.path}: ${clip(error.message)}${correlation}`;
}

function classifyApiError(error: HubSpotApiError): SyncError {
  const { status } = error;
  if (status === 429) {
    const policy = error.policyName ? ` ${error.policyName}` : '';
    return new TransientSyncError(`HubSpot rate limit${policy} reached: ${describe(error)}`, error.retryAfterMs);
  }
  if (isRetryableStatus(status)) return new TransientSyncError(describe(error), error.retryAfterMs);
  if (status === 401) {
    return new SyncConfigError(
      `HubSpot rejected the access token (${error.category ?? 'status 401'}): ${clip(error.message)} Reconnect the HubSpot app for this portal.`,
    );
  }
  if (status === 403) {
    const scopes = missingScopes(error);
    if (error.category === 'MISSING_SCOPES' || scopes.length > 0) {
      return new SyncConfigError(
        `The HubSpot app is missing scope ${scopes.join(', ') || '(unnamed)'} for ${error.method} ${error.path}: reinstall the app to grant it. ${clip(error.message)}`,
      );
    }
    return new SyncConfigError(`HubSpot refused access: ${describe(error)}`);
  }
  // A whole batch rejected for its shape (unknown property, non-unique idProperty) is a setup problem:
  // the same request fails for every order until someone changes the mapping or the portal.
  if (status === 400 && (error.category === 'VALIDATION_ERROR' || error.category === undefined)) {
    return new SyncConfigError(`HubSpot rejected the request: ${clip(error.message)}`);
  }
  return new PermanentSyncError(describe(error));
}

/**
 * Turns HubSpot's failures into the sync engine's failure classes. Anything else (a TypeError in our own code) is
 * returned unchanged: it is a bug, and ../domain/errors classify() says so instead of retrying it as an outage.
 */
export function toSyncError(error: unknown): unknown {
  let result: SyncError;
  if (error instanceof SyncError) return error;
  if (error instanceof HubSpotApiError) result = classifyApiError(error);
  else if (error instanceof HubSpotNetworkError || error instanceof HubSpotResponseError) result = new TransientSyncError(error.message);
  else return error;
  result.cause = error;
  return result;
}

/**
 * Failure class of one input in a 207 batch answer. HubSpot embeds per-property codes in the message
 * ("error":"INVALID_OPTION") and sometimes in `errors[].code`: an option the value map does not produce,
 * or a property that does not exist, is a mapping problem; any other rejected value is bad order data.
 */
export function classifyBatchError(entry: Pick<HubSpotErrorBody, 'category' | 'message' | 'errors'>): FailureClass {
  const codes = [
    ...(entry.errors ?? []).map((detail) => detail.code ?? ''),
    ...[...(entry.message ?? '').matchAll(/"error"\s*:\s*"([A-Z_]+)"/g)].map((m) => m[1] ?? ''),
  ];
  if (codes.some((code) => code === 'INVALID_OPTION' || code === 'PROPERTY_DOESNT_EXIST' || code === 'READ_ONLY_VALUE')) return 'config';
  if (entry.category === 'RATE_LIMITS' || entry.category === 'INTERNAL_ERROR' || entry.category === 'LOCKED') return 'transient';
  return 'permanent';
}

/** `context.ids` of a batch error entry: the inputs it is about (HubSpot usually, not always, names them). */
export function idsOf(entry: Pick<HubSpotErrorBody, 'context'>): string[] {
  const ids = entry.context?.ids;
  return Array.isArray(ids) ? ids.map(String) : [];
}
