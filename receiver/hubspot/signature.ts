// HubSpot request signatures (reference/hubspot.md §3): v3 for hubspot.fetch and webhooks, v1/v2 for older
// senders. Verification compares in constant time and accepts the URI both as received and with HubSpot's
// listed percent-escapes decoded, because HubSpot's docs decode them while its own SDK and dev proxy do not.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignedBody = string | Uint8Array;

export const MAX_SIGNATURE_AGE_MS = 300_000;

const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** Decodes exactly the escapes HubSpot lists; anything else (e.g. %20, %25) stays encoded. */
export function decodeSignedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED[escape.toUpperCase()]!);
}

export interface SignV3Input {
  clientSecret: string;
  method: string;
  /** Full URL as HubSpot called it: https://host/path?query. */
  uri: string;
  /** The raw body, byte for byte; '' for GET. */
  body?: SignedBody;
  /** X-HubSpot-Request-Timestamp (Unix milliseconds), as the header string or a number. */
  timestamp: number | string;
}

export function signV3(input: SignV3Input): string {
  return createHmac('sha256', input.clientSecret)
    .update(input.method.toUpperCase())
    .update(input.uri)
    .update(input.body ?? '')
    .update(String(input.timestamp))
    .digest('base64');
}

export interface VerifyV3Input extends SignV3Input {
  /** X-HubSpot-Signature-v3. */
  signature: string | undefined;
  now?: number;
  maxAgeMs?: number;
}

function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch reveals only the length of a public-format digest.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Timestamps must be whole milliseconds; a header in seconds would otherwise look 50 years old. */
function parseTimestamp(timestamp: number | string): number | undefined {
  const text = String(timestamp).trim();
  return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}

export function verifyV3(input: VerifyV3Input): boolean {
  const timestamp = parseTimestamp(input.timestamp);
  if (timestamp === undefined || !input.signature) return false;
  const now = input.now ?? Date.now();
  // Future timestamps are as suspicious as stale ones: they would make a captured request replayable for longer.
  if (Math.abs(now - timestamp) > (input.maxAgeMs ?? MAX_SIGNATURE_AGE_MS)) return false;
  const uris = [...new Set([input.uri, decodeSignedUri(input.uri)])];
  // Check every candidate instead of stopping at the first match, so timing says nothing about which one matched.
  let valid = false;
  for (const uri of uris) valid = safeEqual(signV3({ ...input, uri }), input.signature) || valid;
  return valid;
}

export interface SignV2Input {
  clientSecret: string;
  method: string;
  uri: string;
  body?: SignedBody;
}

/** v2: hex SHA-256 of secret + METHOD + URI + body. No timestamp, so it cannot expire: prefer v3. */
export function signV2(input: SignV2Input): string {
  return createHash('sha256')
    .update(input.clientSecret)
    .update(input.method.toUpperCase())
    .update(input.uri)
    .update(input.body ?? '')
    .digest('hex');
}

export function verifyV2(input: SignV2Input & { signature: string | undefined }): boolean {
  return !!input.signature && safeEqual(signV2(input), input.signature.toLowerCase());
}

/** v1 (CRM-object webhooks): hex SHA-256 of secret + body. */
export function signV1(input: { clientSecret: string; body?: SignedBody }): string {
  return createHash('sha256').update(input.clientSecret).update(input.body ?? '').digest('hex');
}

export function verifyV1(input: { clientSecret: string; body?: SignedBody; signature: string | undefined }): boolean {
  return !!input.signature && safeEqual(signV1(input), input.signature.toLowerCase());
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export type SignatureCheck =
  | { ok: true; version: 'v3' | 'v2' | 'v1' }
  | { ok: false; reason: 'missing' | 'expired' | 'mismatch' };

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a request's HubSpot signature headers, v3 first. v1/v2 carry no timestamp and can be replayed
 * forever, so they count only when `allowLegacy` is set and no v3 header is present.
 */
export function verifyHubSpotSignature(input: {
  clientSecret: string;
  method: string;
  uri: string;
  body?: SignedBody;
  headers: HeaderBag;
  now?: number;
  maxAgeMs?: number;
  allowLegacy?: boolean;
}): SignatureCheck {
  const v3 = header(input.headers, 'x-hubspot-signature-v3');
  if (v3 !== undefined) {
    const timestamp = header(input.headers, 'x-hubspot-request-timestamp');
    if (timestamp === undefined) return { ok: false, reason: 'missing' };
    const parsed = parseTimestamp(timestamp);
    const now = input.now ?? Date.now();
    if (parsed === undefined || Math.abs(now - parsed) > (input.maxAgeMs ?? MAX_SIGNATURE_AGE_MS)) return { ok: false, reason: 'expired' };
    return verifyV3({ ...input, signature: v3, timestamp, now }) ? { ok: true, version: 'v3' } : { ok: false, reason: 'mismatch' };
  }
  const legacy = header(input.headers, 'x-hubspot-signature');
  if (!input.allowLegacy || legacy === undefined) return { ok: false, reason: 'missing' };
  const version = header(input.headers, 'x-hubspot-signature-version') ?? 'v1';
  if (version === 'v2') return verifyV2({ ...input, signature: legacy }) ? { ok: true, version: 'v2' } : { ok: false, reason: 'mismatch' };
  return verifyV1({ ...input, signature: legacy }) ? { ok: true, version: 'v1' } : { ok: false, reason: 'mismatch' };
}
