// HubSpot gives up on a hubspot.fetch after 15 s, so every pretix or HubSpot call made while answering one runs
// against a deadline (10 s by default): what is not back by then is reported, not waited for.

export class DeadlineError extends Error {
  constructor(readonly what: string, readonly ms: number) {
    super(`${what} did not answer within ${Math.round(ms / 100) / 10} s`);
    this.name = 'DeadlineError';
  }
}

export interface Deadline {
  /** Resolves or rejects like `work`, or rejects with a DeadlineError once the deadline has passed. */
  race<T>(work: Promise<T> | (() => Promise<T>), what: string): Promise<T>;
  remainingMs(): number;
  /** A shorter deadline for one phase: at most `shareOfTotal` of the whole, and never past this one. */
  phase(shareOfTotal: number): Deadline;
  readonly totalMs: number;
}

export function createDeadline(totalMs: number, clock: () => number = () => performance.now(), reportMs = totalMs): Deadline {
  const endsAt = clock() + totalMs;
  const remainingMs = () => Math.max(0, endsAt - clock());
  return {
    totalMs,
    remainingMs,
    phase: (share) => createDeadline(Math.min(remainingMs(), reportMs * share), clock, reportMs),
    race<T>(work: Promise<T> | (() => Promise<T>), what: string): Promise<T> {
      const left = remainingMs();
      if (left <= 0) return Promise.reject(new DeadlineError(what, reportMs));
      const promise = typeof work === 'function' ? work() : work;
      // The abandoned call keeps running (clients have their own timeouts); its outcome must not go unhandled.
      promise.catch(() => undefined);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new DeadlineError(what, reportMs)), left);
      });
      return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

/** Runs `tasks` with at most `limit` at a time; results in input order, each settled (never rejects). */
export async function settleLimited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await tasks[index]!() };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
