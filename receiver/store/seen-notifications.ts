// The dedupe window of pretix notification ids, kept compact: ids per connection in hourly buckets, so that the
// state file stores a few bytes per webhook (it is rewritten at every checkpoint) and pruning drops whole hours.
// The window is longer than pretix keeps retrying a delivery (about 59 hours).

export type SeenBuckets = Record<string, Record<string, number[]>>;

const HOUR_MS = 3_600_000;

export class SeenNotifications {
  private readonly index = new Map<string, Set<number>>();

  constructor(
    private readonly buckets: SeenBuckets,
    private readonly retentionMs = 4 * 24 * HOUR_MS,
  ) {
    for (const [connectionId, hours] of Object.entries(buckets)) {
      const ids = new Set<number>();
      for (const list of Object.values(hours)) list.forEach((id) => ids.add(id));
      this.index.set(connectionId, ids);
    }
  }

  has(connectionId: string, id: number): boolean {
    return this.index.get(connectionId)?.has(id) ?? false;
  }

  add(connectionId: string, id: number, at: number): void {
    let ids = this.index.get(connectionId);
    if (!ids) this.index.set(connectionId, (ids = new Set()));
    ids.add(id);
    const hour = String(Math.floor(at / HOUR_MS));
    const hours = (this.buckets[connectionId] ??= {});
    (hours[hour] ??= []).push(id);
  }

  /** Forgets an id whose intake failed before it was acknowledged. */
  remove(connectionId: string, id: number): void {
    this.index.get(connectionId)?.delete(id);
    for (const list of Object.values(this.buckets[connectionId] ?? {})) {
      const at = list.lastIndexOf(id);
      if (at >= 0) list.splice(at, 1);
    }
  }

  prune(now: number): void {
    const oldest = Math.floor((now - this.retentionMs) / HOUR_MS);
    for (const [connectionId, hours] of Object.entries(this.buckets)) {
      for (const [hour, list] of Object.entries(hours)) {
        if (Number(hour) >= oldest) continue;
        const ids = this.index.get(connectionId);
        list.forEach((id) => ids?.delete(id));
        delete hours[hour];
      }
    }
  }

  forget(connectionId: string): void {
    this.index.delete(connectionId);
    delete this.buckets[connectionId];
  }
}

/** "connectionId:notificationId" → its parts. */
export function splitNotificationKey(key: string): { connectionId: string; id: number } {
  const at = key.lastIndexOf(':');
  return { connectionId: key.slice(0, at), id: Number(key.slice(at + 1)) };
}
