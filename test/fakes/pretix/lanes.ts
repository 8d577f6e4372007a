// How pretix hands notifications to its webhook senders. Without a task broker (or with one Celery worker) there is
// one lane: the next delivery starts only after the previous one was answered. With N workers there are N lanes.
// Orders come either paced (one every `paceMs`, like a steady stream of buyers; a lane that falls behind sends
// late, as pretix's queue would) or as fast as the receiver answers (a backlog being worked off).

export interface LaneOptions {
  /** Deliveries in parallel; default 1. */
  lanes?: number;
  /** Item i starts no earlier than `paceMs × i` after the start; omitted: back to back. */
  paceMs?: number;
}

/** Runs `task(0 … count-1)` over the lanes, in index order; resolves when every task has. */
export async function runInLanes(count: number, options: LaneOptions, task: (index: number) => Promise<void>): Promise<void> {
  const lanes = Math.max(1, Math.floor(options.lanes ?? 1));
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async () => {
      while (next < count) {
        const index = next++;
        if (options.paceMs !== undefined) {
          const wait = started + index * options.paceMs - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        await task(index);
      }
    }),
  );
}
