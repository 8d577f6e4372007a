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

export function classify(error: unknown): { failureClass: FailureClass; message: string; retryAfterMs?: number } {
  if (error instanceof SyncError) {
    return { failureClass: error.failureClass, message: error.message, retryAfterMs: error.retryAfterMs };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { failureClass: 'transient', message };
}
