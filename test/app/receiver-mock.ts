// A stand-in for the receiver behind hubspot.fetch: tests describe answers per "METHOD /path", and every
// call is recorded with its parsed query and body so tests can assert exactly what the UI sent.
import { hubspot } from '@hubspot/ui-extensions';
import { vi } from 'vitest';

export const RECEIVER = 'https://pretix-hubspot.example.com';

export interface RecordedCall {
  url: string;
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  options: unknown;
}

export type Answer = Response | Promise<Response> | (() => Response | Promise<Response>);
export type Routes = Record<string, Answer | ((call: RecordedCall) => Response | Promise<Response>)>;

export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A request that never answers (to look at loading states). */
export const never = (): Promise<Response> => new Promise<Response>(() => undefined);

export function mockReceiver(routes: Routes) {
  const calls: RecordedCall[] = [];
  const spy = vi.spyOn(hubspot, 'fetch').mockImplementation(async (input, options) => {
    const url = String(input);
    const parsed = new URL(url);
    const method = options?.method ?? 'GET';
    const call: RecordedCall = {
      url,
      method,
      path: parsed.pathname,
      query: parsed.searchParams,
      body: options?.body,
      options,
    };
    calls.push(call);
    const route = routes[`${method} ${parsed.pathname}`];
    if (route === undefined) return json({ error: 'not_found', message: `No route for ${method} ${parsed.pathname}` }, 404);
    if (typeof route === 'function') return route(call);
    return route instanceof Response ? route.clone() : route;
  });
  const callsTo = (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path);
  return { spy, calls, callsTo };
}
