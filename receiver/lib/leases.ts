// Leases: "this instance does X until T", so that one backfill per event, one reconcile sweep per event and one
// token refresh per portal run at a time wherever they were started. A lease is held by renewing it before it runs
// out; an instance that dies stops renewing, and once its lease has expired another instance may take the work over.
// In PostgreSQL (store/postgres/leases.ts) for several instances; in this process (createMemoryLeases) for one.

export interface Leases {
  /** This instance's holder id (what the lease rows name). */
  readonly holder: string;
  /** Takes `name` for `ttlMs` if it is free, expired, or already ours (then it is extended); false if another holds it. */
  acquire(name: string, ttlMs: number): Promise<boolean>;
  /** Extends our lease; false when it is no longer ours (it expired and someone else took it, or it was released). */
  renew(name: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if it is ours. */
  release(name: string): Promise<void>;
}

export type MemoryLeaseTable = Map<string, { holder: string; expiresAt: number }>;

/** Leases in this process; tests pass one `table` to several holders to stand for several instances. */
export function createMemoryLeases(holder = 'this-process', now: () => number = Date.now, held: MemoryLeaseTable = new Map()): Leases {
  const take = (name: string, ttlMs: number, mayTakeFree: boolean) => {
    const current = held.get(name);
    // Ours while nobody took it, even a little past its expiry (a slow renewal), as in PostgreSQL.
    const ours = current?.holder === holder;
    const free = !current || current.expiresAt <= now();
    if (!ours && !(free && mayTakeFree)) return false;
    held.set(name, { holder, expiresAt: now() + ttlMs });
    return true;
  };
  return {
    holder,
    acquire: async (name, ttlMs) => take(name, ttlMs, true),
    renew: async (name, ttlMs) => take(name, ttlMs, false),
    async release(name) {
      if (held.get(name)?.holder === holder) held.delete(name);
    },
  };
}

export interface HeldLease {
  /** True once a renewal failed: another instance may be doing the work now, so stop. */
  readonly lost: boolean;
  /** Stops renewing and gives the lease up. */
  release(): Promise<void>;
  /** Stops renewing without giving it up (a newer holder in this process goes on with the same lease). */
  abandon(): void;
}

export interface HoldOptions {
  ttlMs: number;
  /** How often to renew (default a third of the ttl, so one failed renewal still leaves time for the next). */
  renewEveryMs?: number;
  onLost?: () => void;
  onError?: (error: unknown) => void;
}

/** Acquires `name` and keeps renewing it until released; null if another instance holds it. */
export async function holdLease(leases: Leases, name: string, options: HoldOptions): Promise<HeldLease | null> {
  if (!(await leases.acquire(name, options.ttlMs))) return null;
  let lost = false;
  let released = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = (async () => {
      try {
        if (released || lost) return;
        if (!(await leases.renew(name, options.ttlMs))) {
          lost = true;
          clearInterval(timer);
          options.onLost?.();
        }
      } catch (error) {
        // One failed renewal (database briefly away) is not yet a lost lease: the ttl covers the next attempt.
        options.onError?.(error);
      }
    })();
  }, options.renewEveryMs ?? Math.max(1, Math.floor(options.ttlMs / 3)));
  timer.unref();
  return {
    get lost() {
      return lost;
    },
    abandon() {
      released = true;
      clearInterval(timer);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await renewing;
      if (!lost) await leases.release(name);
    },
  };
}
