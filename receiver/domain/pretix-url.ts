// pretix base URLs: HTTPS only, because the API token travels with every request. Loopback HTTP is allowed for
// local development and tests, where nothing leaves the machine.
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export const pretixBaseUrlSchema = z.string().trim().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL (expected e.g. https://pretix.eu)' });
    return z.NEVER;
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    ctx.addIssue({ code: 'custom', message: 'must use https:// (the API token is sent with every request)' });
    return z.NEVER;
  }
  if (url.username || url.password || url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not contain credentials, a query or a fragment' });
    return z.NEVER;
  }
  // People paste the API root or a shop page; keep the instance root.
  const path = url.pathname.replace(/\/api\/v1\/?.*$/, '').replace(/\/+$/, '');
  return `${url.origin}${path}`;
});

// "_" is beyond pretix's rule (letters, digits, ".", "-") but was accepted before, so connections saved with it keep
// working; it cannot change a path. Dots alone would be a path step (./pretix-identifiers.ts).
export const organizerSlugSchema = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[a-zA-Z0-9.\-_]+$/, 'is not a pretix organizer short form (letters, digits, ".", "-", "_")')
  .refine((value) => !/^\.+$/.test(value), 'is not a pretix organizer short form (it cannot be "." or "..")');

/**
 * Loopback, private, link-local and unspecified addresses, as IP literals or `localhost`. In production a portal's
 * users must not be able to point the receiver at services on its own network (and use the answers as a probe).
 * A name that resolves to such an address is refused when connecting (../pretix/public-address-guard.ts).
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (host.includes(':')) {
    return host === '::' || host === '::1' || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host) || host.startsWith('::ffff:');
  }
  return false;
}
