// Group commit: every caller that changed the in-memory state asks for a commit; callers that ask while a
// write is running share the next single write. Under a burst, one file write acknowledges many webhooks.

export class GroupCommit {
  private running: Promise<void> | null = null;
  private next: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | null = null;

  constructor(private readonly writeAll: () => Promise<void>) {}

  /** Resolves once a write that started after this call has reached the disk. */
  commit(): Promise<void> {
    const waiting = this.next;
    if (waiting) return waiting.promise;
    {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { promise, resolve, reject };
      if (!this.running) this.startNext();
      return promise;
    }
  }

  /** Waits for everything asked so far. */
  async flush(): Promise<void> {
    while (this.running || this.next) await (this.next?.promise ?? this.running);
  }

  /** Waits only for the write under way now, not for those asked after it (flush() may wait forever under load). */
  async current(): Promise<void> {
    await this.running;
  }

  private startNext(): void {
    const batch = this.next;
    if (!batch) return;
    this.next = null;
    this.running = this.writeAll().then(batch.resolve, batch.reject).finally(() => {
      this.running = null;
      if (this.next) this.startNext();
    });
  }
}
