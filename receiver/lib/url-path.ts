// Path segments built from data (an organizer, an event slug, an order code, a HubSpot object type or id). Each is
// percent-encoded so that a "/" or "?" in it cannot leave its place, and "." or ".." is refused outright: URL
// parsers resolve them as path steps even when encoded ("%2E%2E"), which would turn
// `…/events/../settings/` into a request for a different resource, sent with the account's token.
import { PermanentSyncError } from '../domain/errors';

/** A value that cannot be put into a URL path safely. Permanent: the same value fails the same way every time. */
export class UnsafePathSegmentError extends PermanentSyncError {
  constructor(readonly what: string) {
    super(`refusing to use "${what}" as a part of a URL path (it is empty or a "." / ".." path step)`);
  }
}

export function pathSegment(value: string | number): string {
  const text = String(value);
  if (text === '' || /^\.+$/.test(text)) throw new UnsafePathSegmentError(text);
  return encodeURIComponent(text);
}
