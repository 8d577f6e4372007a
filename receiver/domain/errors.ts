// Failure classes of a sync job, after pretix's datasync framework:
// transient errors retry with backoff, permanent and config errors stop and wait for a person.
export type FailureClass = 'transient' | 'permanent' | 'config';

export class SyncError extends Error {
  constructor(
    message: string,
    readonly failureClass: FailureClass,
    /** Milliseconds the remote side asked us to wait (Retry-After), if any. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Network errors, timeouts, 429 and 5xx: worth retrying later. */
export class TransientSyncError extends SyncError {
  constructor(message: string, retryAfterMs?: number) {
    super(message, 'transient', retryAfterMs);
  }
}

/** The remote side rejected the data itself (validation errors, unknown objects): retrying cannot help. */
export class PermanentSyncError extends SyncError {
  constructor(message: string) {
    super(message, 'permanent');
  }
}

/** The setup is wrong (mapping, value map, missing property, revoked token): a person must fix it. */
export class SyncConfigError extends SyncError {
  constructor(message: string) {
    super(message, 'config');
  }
}

export interface ClassifiedFailure {
  failureClass: FailureClass;
  message: string;
  retryAfterMs?: number;
  /** Set when the error is a bug in this program (not a SyncError): the original, to be logged with its stack. */
  internalError?: Error;
}

/** The prefix of a job's error message when the failure is a bug of ours, not of pretix, HubSpot or the setup. */
export const INTERNAL_ERROR_PREFIX = 'Internal error in pretix-hubspot (logged)';

/**
 * The failure class of anything a sync step threw. Every expected failure arrives as a SyncError (the clients and
 * the HTTP transport wrap network trouble in TransientSyncError); anything else — a TypeError, a failed assertion —
 * is a bug (system errors of the machine, like a full disk, excepted). Retrying a bug as if the network were down
 * only repeats it, so it fails permanently with a message that says so, and the caller logs `internalError` with
 * its stack.
 */
export function classify(error: unknown): ClassifiedFailure {
  if (error instanceof SyncError) {
    return { failureClass: error.failureClass, message: error.message, retryAfterMs: error.retryAfterMs };
  }
  // The operating system refusing a file or socket operation (ENOSPC, EIO, EMFILE…) is the machine's trouble, not a
  // bug: worth another attempt once it is over.
  if (isSystemError(error)) return { failureClass: 'transient', message: `${error.code} during ${error.syscall}: ${error.message}` };
  const internalError = error instanceof Error ? error : new Error(String(error));
  return { failureClass: 'permanent', message: `${INTERNAL_ERROR_PREFIX}: ${internalError.message}`, internalError };
}

function isSystemError(error: unknown): error is Error & { code: string; syscall: string } {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && typeof syscall === 'string';
}
