// A cache that several receiver instances share (store/postgres/shared-cache.ts), for data that is the same for all of
// them and costly to fetch: each instance would otherwise fetch it again for itself. Ages are the database's clock,
// so the instances' clocks never have to agree. A value is JSON as its writer stored it.

export interface SharedCache {
  /** The value stored under `key`, and how long ago (ms) it was stored; null when there is none. */
  read(key: string): Promise<{ ageMs: number; value: unknown } | null>;
  /** Stores `value` under `key` as of now, replacing what was there. */
  write(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}
