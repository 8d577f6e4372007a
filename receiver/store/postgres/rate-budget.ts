// The rate budget in PostgreSQL (see lib/shared-budget.ts): one row per slot. Taking a slot is one round trip, a
// call of rate_take(), which takes the key's advisory lock, drops slots that left the window, applies the admission
// rule (the same as decide() in lib/shared-budget.ts) and inserts the slots, all in the function's one transaction;
// each statement inside sees what the previous holder of the lock committed. A take asks for as many slots as this
// instance has requests waiting in that line (a burst costs one round trip, not one per request). Releases are not
// sent on their own: they ride along with the key's next take, their age saying when they happened, so the end of
// their window is exact however late they arrive; only when no take follows within a quarter of the window (at
// most 1 s) are they sent alone. Until then other instances count the slot as open, which costs them nothing: an
// answered slot counts a whole window from its answer either way, and that is far beyond the grace. Times are the
// database's clock.
import { randomUUID } from 'node:crypto';
import type { Priority } from '../../lib/rate-limiter';
import type { BudgetWindow, SharedBudget, TakeResult } from '../../lib/shared-budget';
import type { Queryable } from './queryable';

export const RATE_BUDGET_SCHEMA = `
CREATE TABLE IF NOT EXISTS rate_slots (
  id bigserial PRIMARY KEY,
  slot_key text NOT NULL,
  ends_at timestamptz NOT NULL,
  is_open boolean NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_slots_key_ends ON rate_slots (slot_key, ends_at);
-- Instances waiting for a key's slots, first come first served: each waits for a different slot to leave (the one
-- of its place in line), rather than all of them waking at once for the same one (a thundering herd that would cost
-- a refused round trip per instance per slot). One served with demand left goes to the back of the line.
CREATE TABLE IF NOT EXISTS rate_waiters (
  slot_key text NOT NULL,
  holder text NOT NULL,
  since timestamptz NOT NULL,
  until timestamptz NOT NULL,
  PRIMARY KEY (slot_key, holder)
);

-- Marks answered slots: from their answer (age_ms ago) they count one window more. Caller holds the key's lock.
CREATE OR REPLACE FUNCTION rate_mark_released(p_key text, p_ids bigint[], p_ages_ms int[], p_window_ms int) RETURNS void
LANGUAGE sql AS $$
  UPDATE rate_slots s
     SET ends_at = clock_timestamp() + (p_window_ms - r.age) * interval '1 millisecond', is_open = false
    FROM unnest(p_ids, p_ages_ms) AS r(id, age)
   WHERE s.id = r.id AND s.slot_key = p_key AND s.is_open
$$;

CREATE OR REPLACE FUNCTION rate_release(p_key text, p_ids bigint[], p_ages_ms int[], p_window_ms int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('rate:' || p_key, 0));
  PERFORM rate_mark_released(p_key, p_ids, p_ages_ms, p_window_ms);
END $$;

CREATE OR REPLACE FUNCTION rate_take(
  p_key text, p_holder text, p_interactive boolean, p_count int, p_limit int, p_reserve int, p_grace_ms int,
  p_window_ms int, p_hold_ms int, p_ids bigint[], p_ages_ms int[]
) RETURNS TABLE (slots bigint[], used int, retry_ms int)
LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz;
  one bigint;
  rank int;
  grace interval := p_grace_ms * interval '1 millisecond';
  n int;
  leaving int;
  fits boolean;
  next_at timestamptz;
  first_end timestamptz;
  grace_end timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('rate:' || p_key, 0));
  IF cardinality(p_ids) > 0 THEN
    PERFORM rate_mark_released(p_key, p_ids, p_ages_ms, p_window_ms);
  END IF;
  t := clock_timestamp();
  DELETE FROM rate_slots WHERE slot_key = p_key AND ends_at <= t;
  SELECT count(*), count(*) FILTER (WHERE NOT is_open AND ends_at <= t + grace) INTO n, leaving
    FROM rate_slots WHERE slot_key = p_key;
  slots := '{}';
  FOR i IN 1..p_count LOOP
    fits := n < p_limit;
    IF fits AND NOT p_interactive AND n >= p_limit - p_reserve THEN
      fits := p_grace_ms > 0 AND p_limit - n - 1 + leaving >= p_reserve;
    END IF;
    EXIT WHEN NOT fits;
    INSERT INTO rate_slots (slot_key, ends_at, is_open)
      VALUES (p_key, t + (p_hold_ms + p_window_ms) * interval '1 millisecond', true) RETURNING id INTO one;
    slots := slots || one;
    n := n + 1;
  END LOOP;
  used := n;
  IF cardinality(slots) > 0 THEN
    DELETE FROM rate_waiters WHERE slot_key = p_key AND holder = p_holder;
    retry_ms := 0;
    -- Served in full: nothing to wait for.
    IF cardinality(slots) = p_count THEN
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;
  -- Refused, or served in part: in line (at the back after being served), and wait for the slot of this instance's
  -- place in line to leave.
  DELETE FROM rate_waiters WHERE slot_key = p_key AND until <= t;
  INSERT INTO rate_waiters (slot_key, holder, since, until) VALUES (p_key, p_holder, t, t + 2 * p_window_ms * interval '1 millisecond')
    ON CONFLICT (slot_key, holder) DO UPDATE SET until = excluded.until;
  SELECT count(*) INTO rank FROM rate_waiters w
   WHERE w.slot_key = p_key AND w.holder <> p_holder
     AND (w.since, w.holder) < (SELECT m.since, m.holder FROM rate_waiters m WHERE m.slot_key = p_key AND m.holder = p_holder);
  next_at := t + p_window_ms * interval '1 millisecond';
  SELECT ends_at INTO first_end FROM rate_slots WHERE slot_key = p_key AND NOT is_open ORDER BY ends_at OFFSET rank LIMIT 1;
  IF first_end IS NOT NULL THEN next_at := least(next_at, first_end + interval '1 millisecond'); END IF;
  IF NOT p_interactive AND p_grace_ms > 0 THEN
    SELECT ends_at INTO grace_end FROM rate_slots WHERE slot_key = p_key AND NOT is_open AND ends_at > t + grace ORDER BY ends_at OFFSET rank LIMIT 1;
    IF grace_end IS NOT NULL THEN next_at := least(next_at, grace_end - grace + interval '1 millisecond'); END IF;
  END IF;
  -- In line until a moment after it is due to ask again: an instance that no longer asks (its work is done, or it
  -- died) must not hold its place and make the others wait for slots nobody takes.
  UPDATE rate_waiters SET until = next_at + interval '250 milliseconds' WHERE slot_key = p_key AND holder = p_holder;
  retry_ms := greatest(1, ceil(extract(epoch FROM next_at - t) * 1000))::int;
  RETURN NEXT;
END $$;
`;

/** How long an answered slot may wait for a take to carry its release before it is sent alone. */
const releaseFlushMs = (window: BudgetWindow) => Math.min(1000, Math.floor(window.windowMs / 4));
/** inWindow() asks the database again when what it last saw is older than this. */
const USAGE_STALE_MS = 1000;

interface PendingRelease {
  id: string;
  releasedAt: number;
}

export interface PostgresBudgetOptions {
  /** Keeps services apart in the one table: HubSpot portals and pretix organizers may share names. */
  scope: string;
  window: BudgetWindow;
  onError?: (error: unknown) => void;
  /** This instance's name among the waiters (default: random). */
  holder?: string;
}

export function createPostgresBudget(db: Queryable, options: PostgresBudgetOptions): SharedBudget {
  const { window } = options;
  const holder = options.holder ?? `instance-${randomUUID()}`;
  const pending = new Map<string, PendingRelease[]>();
  const flushTimers = new Map<string, NodeJS.Timeout>();
  const seen = new Map<string, { used: number; at: number; refreshing: boolean }>();
  let roundTrips = 0;
  const slotKey = (key: string) => `${options.scope}:${key}`;

  const takePending = (key: string) => {
    const releases = pending.get(key) ?? [];
    pending.delete(key);
    const timer = flushTimers.get(key);
    if (timer) clearTimeout(timer);
    flushTimers.delete(key);
    const t = Date.now();
    return { ids: releases.map((r) => r.id), ages: releases.map((r) => Math.max(0, t - r.releasedAt)), releases };
  };

  const flush = async (key: string) => {
    const { ids, ages } = takePending(key);
    if (ids.length === 0) return;
    roundTrips += 1;
    await db.query('SELECT rate_release($1, $2::bigint[], $3::int[], $4)', [slotKey(key), ids, ages, window.windowMs]);
  };

  return {
    window,
    async take(key: string, priority: Priority, count = 1): Promise<TakeResult> {
      const { ids, ages, releases } = takePending(key);
      roundTrips += 1;
      let rows;
      try {
        ({ rows } = await db.query<{ slots: string[]; used: number; retry_ms: number }>(
          'SELECT slots, used, retry_ms FROM rate_take($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint[], $11::int[])',
          [slotKey(key), holder, priority === 'interactive', count, window.limit, window.reserve, window.graceMs, window.windowMs, window.holdMs, ids, ages],
        ));
      } catch (error) {
        // The releases it carried are not lost: they go with the next attempt (their ages keep growing).
        pending.set(key, [...releases, ...(pending.get(key) ?? [])]);
        throw error;
      }
      const row = rows[0]!;
      seen.set(key, { used: row.used, at: Date.now(), refreshing: false });
      if (row.slots.length > 0) return { granted: true, slots: row.slots.map(String), used: row.used, ...(row.slots.length < count ? { retryInMs: row.retry_ms } : {}) };
      return { granted: false, used: row.used, retryInMs: row.retry_ms };
    },
    release(key, slot) {
      const list = pending.get(key) ?? [];
      list.push({ id: slot, releasedAt: Date.now() });
      pending.set(key, list);
      if (!flushTimers.has(key)) {
        const timer = setTimeout(() => {
          flushTimers.delete(key);
          flush(key).catch((error: unknown) => options.onError?.(error));
        }, releaseFlushMs(window));
        timer.unref();
        flushTimers.set(key, timer);
      }
    },
    inWindow(key) {
      const last = seen.get(key);
      if (!last || (Date.now() - last.at > USAGE_STALE_MS && !last.refreshing)) {
        const entry = last ?? { used: 0, at: 0, refreshing: false };
        entry.refreshing = true;
        seen.set(key, entry);
        roundTrips += 1;
        db.query<{ used: number }>('SELECT count(*)::int AS used FROM rate_slots WHERE slot_key = $1 AND ends_at > clock_timestamp()', [slotKey(key)]).then(
          ({ rows }) => seen.set(key, { used: rows[0]?.used ?? 0, at: Date.now(), refreshing: false }),
          (error: unknown) => {
            entry.refreshing = false;
            options.onError?.(error);
          },
        );
      }
      return seen.get(key)?.used ?? 0;
    },
    roundTrips: () => roundTrips,
    async close() {
      await Promise.all([...pending.keys()].map((key) => flush(key).catch((error: unknown) => options.onError?.(error))));
    },
  };
}
