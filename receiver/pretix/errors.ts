// Errors of the pretix REST client that are not sync-job failures. Job failures use the classes of
// ../domain/errors (transient, permanent, config); these two add what a person setting up a connection needs.
import { PermanentSyncError, SyncConfigError } from '../domain/errors';

export type PretixConnectionProblem =
  | 'invalid_base_url'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'timeout'
  | 'unreachable'
  | 'rate_limited'
  | 'server_error'
  | 'unexpected_response';

/** `verifyAccess()` failed (or the base URL is unusable); `message` is written for the person who entered the base
 * URL, organizer and token. */
export class PretixConnectionError extends Error {
  constructor(
    message: string,
    readonly problem: PretixConnectionProblem,
    /** The HTTP status pretix answered, if it answered at all. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PretixConnectionError';
  }
}

/** pretix answered 2xx with a body we cannot read (not JSON, or not the shape our schemas expect). Retrying the
 * same request gives the same answer, hence permanent; `endpoint` is `METHOD /api/v1/…` without query or host. */
export class PretixResponseError extends PermanentSyncError {
  constructor(
    message: string,
    readonly endpoint: string,
  ) {
    super(message);
  }
}

/** pretix answered 403: the token lacks the permission for this call, or the organizer or event does not exist
 * (pretix does not tell the two apart). A config error for sync jobs; callers that can do without the call (webhook
 * registration falls back to a manual setup) catch this class. */
export class PretixForbiddenError extends SyncConfigError {
  constructor(
    message: string,
    readonly endpoint: string,
  ) {
    super(message);
  }
}

/** pretix has no such event (its 404 for the event or one of its resources). A setup problem for sync jobs (the
 * event was deleted or renamed); the APIs answer 404 `unknown_event`. */
export class PretixUnknownEventError extends SyncConfigError {
  constructor(
    readonly event: string,
    readonly organizer: string,
  ) {
    super(`Organizer "${organizer}" has no event "${event}" that this API token can see.`);
  }
}

/** The error code of a connection refused by ./public-address-guard (a pretix host resolving to a private address). */
export const PRIVATE_ADDRESS_CODE = 'EPRIVATEADDRESS';
