// Background work (the sync worker, backfills, the reconcile sweep) must end within the shutdown deadline even while
// HubSpot or pretix answers slowly. The clients are shared per portal and per connection with the interactive API,
// so the cut cannot be a property of a client, and threading a signal through every port method would reach into
// every call site. Instead each background component runs its work inside its own Cutoff's scope (AsyncLocalStorage
// follows the work through every await), and the fetch and sleep the clients are built with give up at once inside
// a scope that has been cut. Outside any scope they behave exactly like fetch and setTimeout.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

export class CutoffError extends Error {
  constructor() {
    super('cut off by the shutdown deadline');
    this.name = 'CutoffError';
  }
}

export class Cutoff {
  private readonly controller = new AbortController();

  get isCut(): boolean {
    return this.controller.signal.aborted;
  }

  /** Runs `work`, and everything it starts, inside this cutoff's scope. */
  run<T>(work: () => T): T {
    return scope.run(this.controller.signal, work);
  }

  /** Aborts the requests and retry waits under way inside the scope, and refuses later ones. */
  cut(): void {
    if (!this.isCut) this.controller.abort(new CutoffError());
  }
}

/** fetch that honours the Cutoff of the calling scope. */
export function cutoffAwareFetch(inner: typeof fetch): typeof fetch {
  return (input, init) => {
    const signal = scope.getStore();
    if (!signal) return inner(input, init);
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return inner(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
  };
}

/** A retry backoff that ends (rejecting) when the calling scope is cut, instead of holding the shutdown up. */
export function cutoffAwareSleep(ms: number): Promise<void> {
  const signal = scope.getStore();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onCut = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onCut);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onCut, { once: true });
  });
}

/** Whether `promise` settles within `ms` (Infinity: waits for it). It keeps running either way. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  if (!Number.isFinite(ms)) return settled;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
