// One raw call to a pretix REST API (real or fake) for the end-to-end tests: Token auth, JSON in, the answer's
// status, headers and body (parsed JSON, or the text when it is not JSON), and timings.
export interface PretixAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  /** Milliseconds until the response headers arrived. */
  ms: number;
  /** Date.now() when they arrived. */
  at: number;
}

/** `pathOrUrl` is an absolute URL or a path below `apiUrl` (…/api/v1). */
export async function pretixCall(apiUrl: string, token: string | null, method: string, pathOrUrl: string, body?: unknown): Promise<PretixAnswer> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${apiUrl}${pathOrUrl}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== null) headers.Authorization = `Token ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const started = Date.now();
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const at = Date.now();
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text (pretix answers HTML for unknown URLs)
  }
  return { status: res.status, headers: res.headers, body: parsed, ms: at - started, at };
}
