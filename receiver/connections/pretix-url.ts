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

export const organizerSlugSchema = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[a-zA-Z0-9.\-_]+$/, 'is not a pretix organizer short form (letters, digits, ".", "-", "_")');
