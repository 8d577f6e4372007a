// The CLI's view of the running receiver: the admin API on loopback, authenticated with the token derived from
// the same SECRET_KEY the receiver uses. Going through the receiver (not the data file) avoids two processes
// writing one lowdb file.
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createAdminClient(baseUrl: string, adminToken: string, fetchImpl: typeof fetch = fetch) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(60_000),
      });
    } catch {
      throw new AdminApiError(0, `Cannot reach the receiver at ${baseUrl}. Start it with \`npm start\` (or pass --receiver URL).`);
    }
    if (response.status === 204) return undefined as T;
    // Errors come as `{ error, message, fieldErrors? }` (../http/errors.ts), fieldErrors keyed by the path in the request.
    const payload = (await response.json().catch(() => ({}))) as { message?: string; fieldErrors?: Record<string, string> };
    if (!response.ok) {
      const fields = Object.entries(payload.fieldErrors ?? {})
        .map(([path, message]) => `\n  - ${describeFieldPath(path)}: ${message}`)
        .join('');
      throw new AdminApiError(response.status, `${payload.message ?? `HTTP ${response.status}`}${fields}`);
    }
    return payload as T;
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
    put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
    delete: <T>(path: string) => call<T>('DELETE', path),
  };
}

export type AdminClient = ReturnType<typeof createAdminClient>;

/**
 * `mappings.0.property_mappings.2.external_field` as a person reads a mappings file: "mapping 1, property row 3,
 * external_field" (counted from 1, as in an editor), with the raw path after it for searching.
 */
export function describeFieldPath(path: string): string {
  const match = /^mappings\.(\d+)(?:\.(property_mappings|association_mappings)\.(\d+))?\.?(.*)$/.exec(path);
  if (!match) return path;
  const [, mapping, list, row, field] = match;
  const parts = [`mapping ${Number(mapping) + 1}`];
  if (list) parts.push(`${list === 'property_mappings' ? 'property row' : 'association'} ${Number(row) + 1}`);
  if (field) parts.push(field);
  return `${parts.join(', ')} (${path})`;
}
