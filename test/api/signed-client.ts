// Calls the card/settings API the way HubSpot does: signed with X-HubSpot-Signature-v3 computed here with node:crypto
// from HubSpot's published algorithm (not through receiver/hubspot/signature.ts), so a mistake there cannot hide.
import { createHmac } from 'node:crypto';
import { startStack, type Stack, type StackOptions } from '../helpers/stack';

export const CLIENT_ID = 'card-api-test-client-id';
export const CLIENT_SECRET = 'card-api-test-client-secret-5f0e1d2c';

/** base64(HMAC-SHA256(client secret, METHOD + URI + body + timestamp)) — HubSpot's request validation v3. */
export function hubspotSignatureV3(secret: string, method: string, uri: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`, 'utf8').digest('base64');
}

export interface SignedRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path below the receiver root, e.g. `/api/v1/settings`. */
  path: string;
  /** Extra query parameters, after portalId (repeat a name by giving an array). */
  query?: Record<string, string | string[]>;
  /** `null` sends no portalId; an array sends it repeatedly. */
  portalId?: string | string[] | null;
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
  contentType?: string;
  secret?: string;
  timestamp?: number;
  /** Sign something other than what is sent (tampering tests). */
  sign?: { method?: string; uri?: string; body?: string; timestamp?: string };
  /** Replace the computed signature. */
  signature?: string;
  /** Leave out the signature and/or the timestamp header. */
  omit?: ('signature' | 'timestamp')[];
  headers?: Record<string, string>;
}

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
  bytes: number;
}

export interface ApiClient {
  publicUrl: string;
  request<T = unknown>(request: SignedRequest): Promise<ApiAnswer<T>>;
  get<T = unknown>(path: string, query?: Record<string, string | string[]>, portalId?: string): Promise<ApiAnswer<T>>;
  send<T = unknown>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, portalId?: string): Promise<ApiAnswer<T>>;
}

export function queryString(portalId: SignedRequest['portalId'], query: Record<string, string | string[]> = {}): string {
  const params = new URLSearchParams();
  for (const id of portalId === null ? [] : Array.isArray(portalId) ? portalId : [portalId ?? '']) params.append('portalId', id);
  for (const [name, value] of Object.entries(query)) for (const item of Array.isArray(value) ? value : [value]) params.append(name, item);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function apiClient(receiverUrl: string, publicUrl: string, defaultPortal: string): ApiClient {
  const client: ApiClient = {
    publicUrl,
    async request<T>(request: SignedRequest): Promise<ApiAnswer<T>> {
      const method = request.method ?? 'GET';
      const pathAndQuery = `${request.path}${queryString(request.portalId === undefined ? defaultPortal : request.portalId, request.query)}`;
      const body = request.body === undefined ? '' : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const timestamp = String(request.timestamp ?? Date.now());
      const signature =
        request.signature ??
        hubspotSignatureV3(
          request.secret ?? CLIENT_SECRET,
          request.sign?.method ?? method,
          request.sign?.uri ?? `${publicUrl}${pathAndQuery}`,
          request.sign?.body ?? body,
          request.sign?.timestamp ?? timestamp,
        );
      const headers: Record<string, string> = { ...request.headers };
      if (!request.omit?.includes('signature')) headers['X-HubSpot-Signature-v3'] = signature;
      if (!request.omit?.includes('timestamp')) headers['X-HubSpot-Request-Timestamp'] = timestamp;
      if (body !== '') headers['Content-Type'] = request.contentType ?? 'application/json';
      const response = await fetch(`${receiverUrl}${pathAndQuery}`, { method, headers, body: body === '' ? undefined : body });
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: response.status, body: parsed as T, text, bytes: Buffer.byteLength(text, 'utf8') };
    },
    get: (path, query, portalId) => client.request({ path, query, portalId }),
    send: (method, path, body, portalId) => client.request({ method, path, body: body ?? {}, portalId }),
  };
  return client;
}

export interface ApiStack extends Stack {
  api: ApiClient;
}

/** The usual stack, with the HubSpot app's client secret configured so the card/settings API answers. */
export async function startApiStack(options: StackOptions = {}): Promise<ApiStack> {
  const stack = await startStack({
    ...options,
    env: { HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_CLIENT_SECRET: CLIENT_SECRET, HUBSPOT_APP_URL: 'https://app-eu1.hubspot.com', ...options.env },
  });
  return Object.assign(stack, { api: apiClient(stack.receiverUrl, stack.env.PUBLIC_URL!, stack.env.HUBSPOT_PORTAL_ID ?? '4242') });
}
