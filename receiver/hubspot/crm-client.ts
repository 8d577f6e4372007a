// A thin typed client for the HubSpot CRM calls the sync needs (reference/hubspot.md §5). Every request goes
// through the portal's rate limiter and carries a fresh token; failures leave as SyncErrors so the worker
// can decide between retrying, stopping and asking a person.
import { z } from 'zod';
import type { Priority, RateLimiter } from '../lib/rate-limiter';
import { pathSegment } from '../lib/url-path';
import { PermanentSyncError, SyncConfigError, TransientSyncError, type FailureClass, type SyncError } from '../domain/errors';
import type { HubSpotObjectType } from '../domain/mapping-schema';
import { HttpTransport, NetworkFailure, type RetryEvent, type TransportResponse } from '../lib/http-transport';
import {
  HubSpotApiError,
  HubSpotNetworkError,
  HubSpotResponseError,
  classifyBatchError,
  errorBodySchema,
  idsOf,
  toSyncError,
  type HubSpotErrorBody,
} from './errors';

export interface HubSpotClientOptions {
  /** e.g. https://api.hubapi.com (no trailing path). */
  baseUrl: string;
  /** Rate-limiter key: the portal id. */
  portalKey: string;
  /** Called before every attempt, so a refreshed token is picked up by retries. */
  getAccessToken: () => Promise<string>;
  /**
   * HubSpot answered 401 to `token`: resolve true to retry once with a fresh token (OAuth refresh), false to give
   * up. May throw a SyncError (e.g. the portal uninstalled the app). Called at most once per logical call.
   */
  onUnauthorized?: (token: string) => Promise<boolean>;
  limiter: RateLimiter;
  /** The limiter's class for this client's requests: 'interactive' when a person waits (default 'background'). */
  priority?: Priority;
  fetch?: typeof fetch;
  /** Per attempt, including reading the body. Default 20 s. */
  timeoutMs?: number;
  /** Further attempts after the first one, for 429, 5xx and network errors. Default 4. */
  maxRetries?: number;
  /** First backoff step for 5xx and network errors; doubles per attempt, capped at 30 s. Default 500 ms. */
  retryBaseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** For jitter; tests pin it. */
  random?: () => number;
  /** Observes retries (for logs); never receives the token. */
  onRetry?: (event: RetryEvent) => void;
}

export interface CrmObject {
  id: string;
  properties: Record<string, string | null>;
}

export interface UpsertInput {
  idProperty: string;
  id: string;
  properties: Record<string, string>;
}

export interface UpsertResult {
  inputId: string;
  id: string;
  new: boolean;
}

export interface BatchInputError {
  inputIds: string[];
  message: string;
  category?: string;
  failureClass: FailureClass;
}

export interface NewProperty {
  name: string;
  label: string;
  type: 'bool' | 'date' | 'datetime' | 'enumeration' | 'number' | 'phone_number' | 'string';
  fieldType: string;
  groupName: string;
  description?: string;
  hasUniqueValue?: boolean;
  options?: Array<{ label: string; value: string; displayOrder?: number; hidden?: boolean }>;
  displayOrder?: number;
  formField?: boolean;
}

export interface NewPropertyGroup {
  name: string;
  label: string;
  displayOrder?: number;
}

export const BATCH_LIMIT = 100;
const MAX_BACKOFF_MS = 30_000;

// HubSpot sends property values as strings; tolerate numbers and booleans rather than fail a whole sync on them.
const propertyValue = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((value) => (value === null ? null : String(value)));
const objectSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  properties: z.record(z.string(), propertyValue).default({}),
  new: z.boolean().optional(),
});
const batchSchema = z.looseObject({
  status: z.string().optional(),
  results: z.array(objectSchema).default([]),
  errors: z.array(errorBodySchema).optional(),
});
const associationBatchSchema = z.looseObject({
  results: z.array(z.unknown()).default([]),
  errors: z.array(errorBodySchema).optional(),
});
export const propertyDefinitionSchema = z.looseObject({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  groupName: z.string().optional(),
  description: z.string().optional(),
  hasUniqueValue: z.boolean().optional(),
  options: z.array(z.looseObject({ label: z.string(), value: z.string() })).default([]),
  modificationMetadata: z.looseObject({ readOnlyValue: z.boolean().optional() }).optional(),
});
export type PropertyDefinition = z.infer<typeof propertyDefinitionSchema>;
const propertyListSchema = z.looseObject({ results: z.array(propertyDefinitionSchema) });
const anyObject = z.looseObject({});

/** HubSpot stores emails lower-cased; other unique values are compared as given. */
function idKey(idProperty: string, value: string): string {
  return `${idProperty}\u0000${idProperty === 'email' ? value.trim().toLowerCase() : value}`;
}

/**
 * Chunks of at most `size` in which no key repeats: HubSpot rejects a batch naming the same id twice, so a
 * repeated key goes to a later chunk than its previous occurrence and is applied after it.
 */
export function chunkUnique<T>(items: T[], size: number, key: (item: T) => string): T[][] {
  const chunks: T[][] = [];
  const keys: Set<string>[] = [];
  const lastChunk = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    let index = (lastChunk.get(k) ?? -1) + 1;
    while (index < chunks.length && (chunks[index]!.length >= size || keys[index]!.has(k))) index++;
    if (index === chunks.length) {
      chunks.push([]);
      keys.push(new Set());
    }
    chunks[index]!.push(item);
    keys[index]!.add(k);
    lastChunk.set(k, index);
  }
  return chunks;
}

/** "Property values were not valid: [{…json…}]" → "dealstage: foo was not one of the allowed options…". */
export function readableMessage(message: string): string {
  const match = /^Property values were not valid: (\[.*\])$/s.exec(message);
  if (!match) return message;
  try {
    const problems = z.array(z.looseObject({ name: z.string().optional(), message: z.string() })).parse(JSON.parse(match[1]!));
    return problems.map((p) => (p.name ? `${p.name}: ${p.message}` : p.message)).join('; ');
  } catch {
    return message;
  }
}

export class HubSpotClient {
  private readonly baseUrl: string;
  private readonly transport: HttpTransport;

  constructor(private readonly options: HubSpotClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.transport = new HttpTransport({
      service: 'HubSpot',
      fetch: options.fetch,
      limiter: options.limiter,
      limiterKey: options.portalKey,
      priority: options.priority,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      backoffBaseMs: options.retryBaseDelayMs,
      backoffMaxMs: MAX_BACKOFF_MS,
      // Without Retry-After, wait at least a second after a 429 (reference/hubspot.md §5).
      minRateLimitWaitMs: 1_000,
      sleep: options.sleep,
      random: options.random,
      onRetry: options.onRetry,
    });
  }

  /** Reads objects by an id property (or by record id with 'hs_object_id'); `found` is keyed by the ids as given. */
  async batchRead(
    objectType: HubSpotObjectType,
    idProperty: string,
    ids: string[],
    properties: string[],
  ): Promise<{ found: Map<string, CrmObject>; missing: string[] }> {
    return this.guard(async () => {
      const byRecordId = idProperty === '' || idProperty === 'hs_object_id';
      const keyOf = (value: string) => (byRecordId ? value : idKey(idProperty, value));
      // The id property is requested too: results come back unordered and are matched by its value.
      const requested = [...new Set(byRecordId ? properties : [...properties, idProperty])];
      const inputsByKey = new Map<string, string[]>();
      for (const id of ids) {
        const key = keyOf(id);
        inputsByKey.set(key, [...(inputsByKey.get(key) ?? []), id]);
      }
      const found = new Map<string, CrmObject>();
      const representatives = [...inputsByKey.values()].map((group) => group[0]!);
      for (let start = 0; start < representatives.length; start += BATCH_LIMIT) {
        const chunk = representatives.slice(start, start + BATCH_LIMIT);
        const data = await this.call('POST', `/crm/v3/objects/${pathSegment(objectType)}/batch/read`, batchSchema, {
          ...(byRecordId ? {} : { idProperty }),
          inputs: chunk.map((id) => ({ id })),
          properties: requested,
          propertiesWithHistory: [],
        });
        for (const result of data.results) {
          const value = byRecordId ? result.id : result.properties[idProperty];
          if (value === null || value === undefined) continue;
          for (const inputId of inputsByKey.get(keyOf(value)) ?? []) found.set(inputId, { id: result.id, properties: result.properties });
        }
      }
      return { found, missing: [...new Set(ids)].filter((id) => !found.has(id)) };
    });
  }

  /**
   * Creates or updates objects by their id property. Whole-request failures throw; per-input rejections
   * (HubSpot's 207) come back in `errors`, attributed to the inputs HubSpot names.
   */
  async batchUpsert(
    objectType: HubSpotObjectType,
    inputs: UpsertInput[],
  ): Promise<{ results: UpsertResult[]; errors: BatchInputError[] }> {
    return this.guard(async () => {
      const results: UpsertResult[] = [];
      const errors: BatchInputError[] = [];
      for (const chunk of chunkUnique(inputs, BATCH_LIMIT, (input) => idKey(input.idProperty, input.id))) {
        const data = await this.call('POST', `/crm/v3/objects/${pathSegment(objectType)}/batch/upsert`, batchSchema, {
          inputs: chunk.map((input) => ({
            idProperty: input.idProperty,
            id: input.id,
            // Echoed back in the result, which is how results are matched to inputs.
            properties: input.idProperty in input.properties ? input.properties : { ...input.properties, [input.idProperty]: input.id },
          })),
        });
        attributeUpsertChunk(chunk, data, results, errors);
      }
      return { results, errors };
    });
  }

  /** Default (unlabelled) associations. Throws if HubSpot rejects any pair; the others are stored regardless. */
  async associateDefault(
    fromType: HubSpotObjectType,
    toType: HubSpotObjectType,
    pairs: Array<{ fromId: string; toId: string }>,
  ): Promise<void> {
    return this.guard(async () => {
      const failures: HubSpotErrorBody[] = [];
      for (let start = 0; start < pairs.length; start += BATCH_LIMIT) {
        const chunk = pairs.slice(start, start + BATCH_LIMIT);
        const data = await this.call('POST', `/crm/v4/associations/${pathSegment(fromType)}/${pathSegment(toType)}/batch/associate/default`, associationBatchSchema, {
          inputs: chunk.map((pair) => ({ from: { id: pair.fromId }, to: { id: pair.toId } })),
        });
        failures.push(...(data.errors ?? []));
      }
      if (failures.length === 0) return;
      const message = `HubSpot could not associate ${fromType} with ${toType}: ${failures.map((f) => readableMessage(f.message)).join('; ')}`;
      const classes = failures.map(classifyBatchError);
      const error: SyncError = classes.includes('config')
        ? new SyncConfigError(message)
        : classes.every((c) => c === 'transient')
          ? new TransientSyncError(message)
          : new PermanentSyncError(message);
      throw error;
    });
  }

  async listProperties(objectType: HubSpotObjectType): Promise<PropertyDefinition[]> {
    return this.guard(async () => (await this.call('GET', `/crm/v3/properties/${pathSegment(objectType)}`, propertyListSchema)).results);
  }

  /** `created: false` when a property of that name already exists (HubSpot's 409); its definition is not checked. */
  async createProperty(
    objectType: HubSpotObjectType,
    definition: NewProperty,
  ): Promise<{ created: true; property: PropertyDefinition } | { created: false }> {
    return this.guard(async () => {
      try {
        return { created: true, property: await this.call('POST', `/crm/v3/properties/${pathSegment(objectType)}`, propertyDefinitionSchema, definition) };
      } catch (error) {
        if (error instanceof HubSpotApiError && error.status === 409) return { created: false };
        throw error;
      }
    });
  }

  async createPropertyGroup(objectType: HubSpotObjectType, group: NewPropertyGroup): Promise<{ created: boolean }> {
    return this.guard(async () => {
      try {
        await this.call('POST', `/crm/v3/properties/${pathSegment(objectType)}/groups`, anyObject, group);
        return { created: true };
      } catch (error) {
        if (error instanceof HubSpotApiError && error.status === 409) return { created: false };
        throw error;
      }
    });
  }

  /** One call for API clients built on this one (marketing-events-client.ts): same transport, token and errors. */
  async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    return this.guard(() => this.call(method, path, schema, body));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toSyncError(error);
    }
  }

  /**
   * One logical call through the shared transport (../lib/http-transport.ts), which retries 429, 5xx and network
   * failures. What stays here is HubSpot's own: the Bearer token fetched per attempt, one retry with a fresh token
   * after a 401, the daily limit that no retry loop outlasts, and reading the answer. Throws HubSpotApiError /
   * HubSpotNetworkError / HubSpotResponseError; the public methods turn those into SyncErrors.
   */
  private async call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const outcome = await this.send(method, path, schema, body);
    if (outcome.ok) return outcome.data;
    const { error, token } = outcome;
    if (error instanceof HubSpotApiError && error.status === 401 && this.options.onUnauthorized && token) {
      if (await this.options.onUnauthorized(token)) {
        const again = await this.send(method, path, schema, body);
        if (again.ok) return again.data;
        throw again.error;
      }
    }
    throw error;
  }

  private async send<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body: unknown,
  ): Promise<{ ok: true; data: z.output<S> } | { ok: false; error: Error; token?: string }> {
    // Fetched per attempt after the limiter wait, so a token cannot expire while the request sits in the queue.
    let token = '';
    const redact = (text: string) => (token.length >= 8 ? text.split(token).join('[redacted]') : text);
    let response: TransportResponse;
    try {
      response = await this.transport.send({
        method,
        url: new URL(`${this.baseUrl}${path}`),
        headers: async () => {
          token = await this.options.getAccessToken();
          return {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          };
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // A daily limit will not lift within any sensible retry loop.
        final: (answer) => answer.status === 429 && policyNameOf(answer.text) === 'DAILY',
      });
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error;
      return { ok: false, error: networkError(method, path, error, this.transport.timeoutMs, redact) };
    }
    if (response.status < 200 || response.status >= 300) return { ok: false, error: apiError(method, path, response, redact), token };
    let json: unknown;
    try {
      json = response.text === '' ? {} : JSON.parse(response.text);
    } catch {
      return { ok: false, error: new HubSpotResponseError(`HubSpot answered ${method} ${path} with ${response.status} but no JSON`, response.status) };
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return { ok: false, error: new HubSpotResponseError(`HubSpot answered ${method} ${path} with an unexpected body (${issues})`, response.status) };
    }
    return { ok: true, data: parsed.data };
  }
}

function policyNameOf(text: string): string | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.policyName : undefined;
  } catch {
    return undefined;
  }
}

function networkError(method: string, path: string, failure: NetworkFailure, timeoutMs: number, redact: (t: string) => string): HubSpotNetworkError {
  if (failure.kind === 'timeout') {
    return new HubSpotNetworkError(`HubSpot did not answer ${method} ${path} within ${timeoutMs} ms`, true, { cause: failure });
  }
  return new HubSpotNetworkError(`Could not reach HubSpot for ${method} ${path}: ${redact(failure.detail)}`, false, { cause: failure });
}

function apiError(method: string, path: string, response: TransportResponse, redact: (t: string) => string): HubSpotApiError {
  let body: HubSpotErrorBody | undefined;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(response.text));
    if (parsed.success) body = parsed.data;
  } catch {
    // Gateways answer 502/503/504 with HTML; the status alone has to do.
  }
  const fallback = `${response.status} ${response.statusText}`.trim();
  return new HubSpotApiError({
    status: response.status,
    method,
    path,
    message: redact(body?.message || fallback),
    correlationId: body?.correlationId,
    category: body?.category,
    subCategory: body?.subCategory,
    policyName: body?.policyName,
    errors: body?.errors?.map((detail) => ({ ...detail, message: redact(detail.message) })),
    context: body?.context,
    retryAfterMs: response.retryAfterMs,
  });
}

/** Matches one chunk's 200/207 answer back to its inputs: results by id value, errors by `context.ids`. */
function attributeUpsertChunk(
  chunk: UpsertInput[],
  data: z.output<typeof batchSchema>,
  results: UpsertResult[],
  errors: BatchInputError[],
): void {
  const byKey = new Map(chunk.map((input) => [idKey(input.idProperty, input.id), input]));
  const byLowerKey = new Map(chunk.map((input) => [idKey(input.idProperty, input.id).toLowerCase(), input]));
  const idProperties = [...new Set(chunk.map((input) => input.idProperty))];
  const settled = new Set<UpsertInput>();
  const lookup = (idProperty: string, value: string) =>
    byKey.get(idKey(idProperty, value)) ?? byLowerKey.get(idKey(idProperty, value).toLowerCase());

  for (const result of data.results) {
    for (const idProperty of idProperties) {
      const value = result.properties[idProperty];
      const input = value == null ? undefined : lookup(idProperty, value);
      if (input && input.idProperty === idProperty && !settled.has(input)) {
        results.push({ inputId: input.id, id: result.id, new: result.new ?? false });
        settled.add(input);
        break;
      }
    }
  }
  for (const entry of data.errors ?? []) {
    const named = idsOf(entry).flatMap((id) => chunk.filter((input) => input.id === id || lookup(input.idProperty, id) === input));
    // An error naming no inputs we can place belongs to whatever is still unanswered.
    const targets = (named.length > 0 ? named : chunk).filter((input) => !settled.has(input));
    if (targets.length === 0) continue;
    for (const input of targets) settled.add(input);
    errors.push({
      inputIds: targets.map((input) => input.id),
      message: readableMessage(entry.message),
      category: entry.category,
      failureClass: classifyBatchError(entry),
    });
  }
  const unanswered = chunk.filter((input) => !settled.has(input));
  if (unanswered.length > 0) {
    errors.push({
      inputIds: unanswered.map((input) => input.id),
      message: 'HubSpot returned no result for this input',
      category: 'MISSING_RESULT',
      failureClass: 'transient',
    });
  }
}
