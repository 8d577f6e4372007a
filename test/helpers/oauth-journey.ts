// The HubSpot install as a browser does it, over plain HTTP: "Request access" (302 to HubSpot with a state cookie),
// the fake HubSpot's consent page ("Connect app"), and the callback with the cookie the browser would send.
import { expect } from 'vitest';
import type { Stack } from './stack';

export interface StartedInstall {
  authorizeUrl: URL;
  /** `name=value` of the state cookie, as the browser sends it back. */
  cookie: string;
  setCookie: string;
  state: string;
}

export async function startInstall(stack: Stack): Promise<StartedInstall> {
  const response = await fetch(`${stack.receiverUrl}/oauth/install`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const authorizeUrl = new URL(response.headers.get('location')!);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { authorizeUrl, setCookie, cookie: setCookie.split(';')[0]!, state: authorizeUrl.searchParams.get('state')! };
}

/** Plays the HubSpot user: approves on the consent page and returns the callback URL HubSpot redirects to. */
export async function approve(stack: Stack, started: StartedInstall): Promise<URL> {
  return new URL(await stack.hubspot.approve(started.authorizeUrl.toString()));
}

export async function callback(url: URL | string, cookie?: string): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** The whole install; returns the result page and the callback URL (for replay tests). */
export async function install(stack: Stack): Promise<{ status: number; html: string; callbackUrl: URL; started: StartedInstall }> {
  const started = await startInstall(stack);
  const callbackUrl = await approve(stack, started);
  const result = await callback(callbackUrl, started.cookie);
  return { ...result, callbackUrl, started };
}

/** The visible text of a page, for assertions on what a person reads. */
export function pageText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
