// Many callers, one round trip: a call made while the previous batch is under way waits for it and then goes in the
// next batch together with every call made meanwhile. A batch is taken one turn of the event loop after its first call
// (no timer: an idle caller waits microseconds), so that the calls of every request already read in that turn go with
// it, and under load each round trip to the database carries as many calls as arrived during the last one. A batch always
// starts after each of its calls was made, so a read sees every write that had finished before it was asked for.
// The same idea as the data file's group commit (../store/group-commit.ts), with a value per call.

export interface CoalescingBatchOptions {
  /** Calls per batch at most; the rest wait for the next one. */
  maxItems?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * `run` gets the batch's items in call order and answers one result per item, in the same order. When it throws,
 * every call of that batch rejects with its error.
 */
export function coalescingBatch<I, O>(run: (items: I[]) => Promise<O[]>, options: CoalescingBatchOptions = {}): (item: I) => Promise<O> {
  const maxItems = options.maxItems ?? 500;
  let queue: Waiting<I, O>[] = [];
  let running = false;

  const startNext = (): void => {
    if (running || queue.length === 0) return;
    running = true;
    // The batch is taken one turn of the event loop later: the requests whose bytes have already arrived are parsed
    // in that turn, and join it rather than wait a whole round trip for the next.
    let batch: Waiting<I, O>[] = [];
    void new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        batch = queue.slice(0, maxItems);
        queue = queue.slice(batch.length);
        return run(batch.map((w) => w.item));
      })
      .then(
        (results) => {
          if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} calls got ${results.length} results`);
          batch.forEach((w, i) => w.resolve(results[i]!));
        },
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .catch((error: unknown) => batch.forEach((w) => w.reject(error)))
      .finally(() => {
        running = false;
        startNext();
      });
  };

  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      startNext();
    });
}
