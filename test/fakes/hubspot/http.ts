// Error envelopes and small HTTP helpers shared by the fake's routes.
import { randomUUID } from 'node:crypto';
import type { HubSpotObjectType } from '../../../receiver/domain/mapping-schema';

export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  [key: string]: unknown;
}

export function errorBody(category: string, message: string, extra: Record<string, unknown> = {}): HubSpotErrorBody {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

/** Thrown by route handlers; the fake's error handler turns it into the response. */
export class FakeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : `HTTP ${statusCode}`);
  }
}

export function validationError(message: string, extra: Record<string, unknown> = {}): FakeHttpError {
  return new FakeHttpError(400, errorBody('VALIDATION_ERROR', message, extra));
}

export function notFound(message: string, extra: Record<string, unknown> = {}): FakeHttpError {
  return new FakeHttpError(404, errorBody('OBJECT_NOT_FOUND', message, extra));
}

const TYPE_ALIASES: Record<string, HubSpotObjectType> = {
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
};

/** HubSpot accepts plural names, singular names and type ids in paths. */
export function parseObjectType(raw: string): HubSpotObjectType {
  const type = TYPE_ALIASES[raw.toLowerCase()];
  if (!type) {
    throw new FakeHttpError(400, errorBody('VALIDATION_ERROR', `Unable to infer object type from: ${raw}`));
  }
  return type;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `inputs` of a batch body, enforcing HubSpot's batch size. */
export function batchInputs(body: unknown, max = 100): Record<string, unknown>[] {
  if (!isRecord(body) || !Array.isArray(body.inputs)) throw validationError('Invalid input JSON: "inputs" must be an array');
  if (body.inputs.length > max) {
    throw validationError(`Batch input size ${body.inputs.length} exceeds the limit of ${max} inputs.`, {
      context: { maxInputs: [String(max)] },
    });
  }
  if (!body.inputs.every(isRecord)) throw validationError('Invalid input JSON: every input must be an object');
  return body.inputs;
}

export function requireStringArray(body: Record<string, unknown>, field: string): string[] {
  const value = body[field];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw validationError(`Invalid input JSON: "${field}" is required and must be an array of strings`);
  }
  return value;
}

/** A fixed pseudo-random order: real batch results come back unordered, so clients must not rely on order. */
export function scramble<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
