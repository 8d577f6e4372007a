// Background work (the sync worker, backfills, the reconcile sweep) must end within the shutdown deadline even while
// HubSpot or pretix answers slowly. Each of them gets its own Cutoff and its own pretix and HubSpot clients built
// with the Cutoff's fetch and sleep (see services.ts): once cut, their requests under way are aborted, later ones
// and retry waits fail at once, and the component knows that what failed then failed because of the cut. Requests
// made for the interactive API use other clients and are never cut.

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

  /** Aborts the requests and retry waits under way, and makes later ones fail at once. */
  cut(): void {
    if (!this.isCut) this.controller.abort(new CutoffError());
  }

  /** `inner`, with every request also ended by the cut. */
  fetch(inner: typeof fetch): typeof fetch {
    const signal = this.controller.signal;
    return (input, init) => {
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      return inner(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
    };
  }

  /** A retry backoff that ends, rejecting, when cut: a client's retry loop must not hold the shutdown up. */
  readonly sleep = (ms: number): Promise<void> => {
    const signal = this.controller.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const onCut = () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onCut);
        resolve();
      }, ms);
      signal.addEventListener('abort', onCut, { once: true });
    });
  };
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
