// The sync queue in PostgreSQL: one row per order's job (the primary key is "one pending job per order" across
// instances), the notification ids taken in (their primary key is the dedupe), and claims that are row locks
// while they are taken (FOR UPDATE SKIP LOCKED) and then a lease: claimed_by names the instance, claim_expires_at
// says until when. A live instance renews its leases; those of an instance that died run out and the next claim
// takes the job over. An instance finishes, fails or releases only jobs it still holds, so a job is never synced
// by two instances at once (except after a lease ran out, when the late one's outcome is dropped).
import type pg from 'pg';
import type { FailureClass } from '../../domain/errors';
import { completeJob, failJob, mergeTrigger, newJob, recordOutsideFailure, releaseJob, retryJob, type JobFailure } from '../job-transitions';
import { splitNotificationKey } from '../seen-notifications';
import { CHECKIN_ACTIONS } from '../../domain/checkin-actions';
import { jobKey, type AcceptResult, type ClaimOptions, type DueSummary, type JobState, type JobTrigger, type QueueCounts, type SyncJob, type WebhookBasis } from '../types';
import { inTransaction } from './pool';
import { coalescingBatch } from '../../lib/coalescing-batch';

type Db = pg.Pool | pg.PoolClient;

export interface QueueOptions {
  /** This instance's name in claimed_by. */
  instanceId: string;
  /** How long a claim holds without renewal (ms). */
  claimTtlMs: number;
  /** The clock of leases (not of due times, which callers pass as `now`). */
  clock: () => number;
  /** How long notification ids are remembered: longer than pretix retries a delivery (about 59 hours). */
  seenRetentionMs?: number;
}

const SEEN_RETENTION_MS = 4 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;

async function writeJob(db: Db, job: SyncJob, claim: { by: string; expiresAt: number } | null): Promise<void> {
  await db.query(
    `INSERT INTO jobs (key, portal_id, connection_id, state, next_attempt_at, first_triggered_at, failure_class, claimed_by, claim_expires_at, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (key) DO UPDATE SET state = $4, next_attempt_at = $5, failure_class = $7, claimed_by = $8, claim_expires_at = $9, data = $10`,
    [job.key, job.portalId, job.connectionId, job.state, job.nextAttemptAt, job.firstTriggeredAt, job.failureClass ?? null, claim?.by ?? null, claim?.expiresAt ?? null, JSON.stringify(job)],
  );
}

interface LockedJob {
  job: SyncJob;
  claimedBy: string | null;
  claimExpiresAt: number | null;
}

async function lockJob(client: pg.PoolClient, key: string): Promise<LockedJob | undefined> {
  const { rows } = await client.query<{ data: SyncJob; claimed_by: string | null; claim_expires_at: string | null }>(
    'SELECT data, claimed_by, claim_expires_at FROM jobs WHERE key = $1 FOR UPDATE',
    [key],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { job: row.data, claimedBy: row.claimed_by, claimExpiresAt: row.claim_expires_at === null ? null : Number(row.claim_expires_at) };
}

/** Locks the jobs of these keys that exist, in key order (byte order, as JavaScript sorts these ASCII keys), in one
 * statement. */
async function lockJobs(client: pg.PoolClient, keys: string[]): Promise<LockedJob[]> {
  const { rows } = await client.query<{ data: SyncJob; claimed_by: string | null; claim_expires_at: string | null }>(
    'SELECT data, claimed_by, claim_expires_at FROM jobs WHERE key = ANY($1::text[]) ORDER BY key COLLATE "C" FOR UPDATE',
    [keys],
  );
  return rows.map((row) => ({ job: row.data, claimedBy: row.claimed_by, claimExpiresAt: row.claim_expires_at === null ? null : Number(row.claim_expires_at) }));
}

export function createPostgresQueue(pool: pg.Pool, options: QueueOptions) {
  const { instanceId, claimTtlMs, clock } = options;
  const seenRetentionMs = options.seenRetentionMs ?? SEEN_RETENTION_MS;
  let lastPruneAt = 0;
  const lease = () => ({ by: instanceId, expiresAt: clock() + claimTtlMs });
  /** Whether this instance may end the job's run: it holds the claim, or nobody does. */
  const mayFinish = (locked: LockedJob) => locked.job.state !== 'in_flight' || locked.claimedBy === null || locked.claimedBy === instanceId;
  /** The claim a job keeps when rewritten without ending its run. */
  const keptClaim = (locked: LockedJob) =>
    locked.job.state === 'in_flight' && locked.claimedBy !== null ? { by: locked.claimedBy, expiresAt: locked.claimExpiresAt ?? clock() } : null;

  /** Adds a trigger to the order's job; inserting first, so that two instances adding at once make one job. */
  async function merge(client: pg.PoolClient, trigger: JobTrigger, now: number, fromWebhook: boolean): Promise<{ result: 'queued' | 'merged'; locked: LockedJob }> {
    const key = jobKey(trigger.connectionId, trigger.event, trigger.code);
    for (;;) {
      const fresh = newJob(trigger, now, fromWebhook);
      const inserted = await client.query(
        `INSERT INTO jobs (key, portal_id, connection_id, state, next_attempt_at, first_triggered_at, data)
         VALUES ($1, $2, $3, 'pending', $4, $5, $6) ON CONFLICT (key) DO NOTHING RETURNING key`,
        [key, fresh.portalId, fresh.connectionId, fresh.nextAttemptAt, fresh.firstTriggeredAt, JSON.stringify(fresh)],
      );
      if (inserted.rowCount === 1) return { result: 'queued', locked: { job: fresh, claimedBy: null, claimExpiresAt: null } };
      const locked = await lockJob(client, key);
      // Completed and deleted between our insert and our lock: insert again.
      if (!locked) continue;
      mergeTrigger(locked.job, trigger, now, fromWebhook);
      await writeJob(client, locked.job, keptClaim(locked));
      return { result: 'merged', locked };
    }
  }

  /** Several jobs in one transaction lock them in key order, so that two such transactions cannot deadlock. */
  const byKey = (a: JobTrigger, b: JobTrigger) => {
    const ka = jobKey(a.connectionId, a.event, a.code);
    const kb = jobKey(b.connectionId, b.event, b.code);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };

  /** One statement for every webhook asked meanwhile (coalescingBatch): 'queued' and 'duplicate' are committed;
   * 'exists' (the order has a job) changed nothing. A failed statement (a deadlock with another instance's batch of
   * the same ids in another order, say) changed nothing either: its webhooks take the transaction path. */
  const acceptNew = coalescingBatch(async (items: { notificationKey: string; trigger: JobTrigger; now: number; basis: WebhookBasis | undefined }[]) => {
    const rows = items.map(({ notificationKey, trigger, now, basis }) => {
      const { connectionId, id } = splitNotificationKey(notificationKey);
      const job = newJob(trigger, now, true);
      return {
        connectionId,
        notificationId: id,
        now,
        key: job.key,
        portalId: job.portalId,
        event: trigger.event,
        nextAttemptAt: job.nextAttemptAt,
        firstTriggeredAt: job.firstTriggeredAt,
        job,
        ...(basis ? { basis } : {}),
      };
    });
    const { rows: [row] } = await pool.query<{ results: ('queued' | 'duplicate' | 'exists' | 'stale')[] }>({
      name: 'accept_webhooks',
      text: 'SELECT accept_webhooks($1::jsonb) AS results',
      values: [JSON.stringify(rows)],
    });
    return row!.results;
  });

  async function acceptMerging(notificationKey: string, trigger: JobTrigger, now: number, basis: WebhookBasis | undefined): Promise<AcceptResult> {
    const { connectionId, id } = splitNotificationKey(notificationKey);
    return inTransaction(pool, async (client) => {
      if (basis) {
        const { rows } = await client.query<{ holds: boolean }>('SELECT webhook_basis_holds($1, $2, $3, $4, $5) AS holds', [
          trigger.connectionId,
          trigger.portalId,
          trigger.event,
          basis.webhookFingerprint,
          basis.organizer,
        ]);
        if (!rows[0]?.holds) return 'stale';
      }
      const seen = await client.query(
        'INSERT INTO seen_notifications (connection_id, notification_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
        [connectionId, id, now],
      );
      if (seen.rowCount === 0) return 'duplicate';
      return (await merge(client, trigger, now, true)).result;
    });
  }

  async function pruneSeen(now: number): Promise<void> {
    if (now - lastPruneAt < PRUNE_EVERY_MS) return;
    lastPruneAt = now;
    await pool.query('DELETE FROM seen_notifications WHERE seen_at < $1', [now - seenRetentionMs]);
  }

  return {
    async acceptWebhook(notificationKey: string, trigger: JobTrigger, now: number, basis?: WebhookBasis): Promise<AcceptResult> {
      await pruneSeen(now);
      // Committed before this resolves, so the route acknowledges only what a restart (of any instance) keeps. A
      // duplicate arriving at another instance meanwhile waits on the primary key until this commits (or rolls back,
      // and then it is taken in as new). Webhooks arriving together share one statement; an order that has a job
      // already is merged by a transaction of its own.
      const fast = await acceptNew({ notificationKey, trigger, now, basis }).catch(() => 'exists' as const);
      if (fast !== 'exists') return fast;
      return acceptMerging(notificationKey, trigger, now, basis);
    },

    async enqueue(triggers: JobTrigger[], now: number): Promise<number> {
      if (triggers.length === 0) return 0;
      await inTransaction(pool, async (client) => {
        for (const trigger of [...triggers].sort(byKey)) await merge(client, trigger, now, false);
      });
      return triggers.length;
    },

    async enqueueFailed(failed: { trigger: JobTrigger; failure: JobFailure }[], now: number): Promise<void> {
      if (failed.length === 0) return;
      await inTransaction(pool, async (client) => {
        for (const { trigger, failure } of [...failed].sort((a, b) => byKey(a.trigger, b.trigger))) {
          const { locked } = await merge(client, trigger, now, false);
          if (locked.job.state === 'in_flight') continue;
          recordOutsideFailure(locked.job, failure, now);
          await writeJob(client, locked.job, null);
        }
      });
    },

    async enqueueClaimed(trigger: JobTrigger, now: number): Promise<SyncJob | null> {
      return inTransaction(pool, async (client) => {
        const { locked } = await merge(client, trigger, now, false);
        if (locked.job.state !== 'pending') return null;
        Object.assign(locked.job, { state: 'in_flight', inFlightSince: now });
        await writeJob(client, locked.job, lease());
        return locked.job;
      });
    },

    async claimDueJobs(now: number, limit: number, claimOptions: ClaimOptions = {}): Promise<SyncJob[]> {
      if (limit <= 0) return [];
      // Due pending jobs, and jobs whose claim ran out (their instance died); rows another claim holds right now
      // are skipped, not waited for. An exclusive claim first tries the claims' advisory lock (held to the end of
      // this statement's transaction), and one made on a sight of the queue takes nothing once what it saw is gone:
      // two instances that decide on the same batch would otherwise split it, each part costing HubSpot as many
      // requests as the whole. The rows a claim locks and leaves are free again when its statement ends.
      const { rows } = await pool.query<{ data: SyncJob }>(
        `WITH gate AS MATERIALIZED (
           SELECT NOT $6::boolean OR pg_try_advisory_xact_lock(hashtextextended('claim:due', 0)) AS open
         ), due AS (
           SELECT key, next_attempt_at FROM jobs
           WHERE (SELECT open FROM gate)
             AND ((state = 'pending' AND next_attempt_at <= $1) OR (state = 'in_flight' AND claim_expires_at <= $2))
           ORDER BY next_attempt_at
           LIMIT $3
           FOR UPDATE SKIP LOCKED
         )
         UPDATE jobs SET state = 'in_flight', claimed_by = $4, claim_expires_at = $5,
           data = jobs.data || jsonb_build_object('state', 'in_flight', 'inFlightSince', $1::bigint)
         FROM due WHERE jobs.key = due.key AND ($7::bigint IS NULL OR (SELECT min(next_attempt_at) FROM due) <= $7)
         RETURNING jobs.data`,
        [now, clock(), limit, instanceId, clock() + claimTtlMs, claimOptions.exclusive === true, claimOptions.stillWaitingSince ?? null],
      );
      return rows.map((r) => r.data).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    },

    async dueSummary(now: number, limit: number): Promise<DueSummary> {
      // What claimDueJobs would take, in its order (due-summary.ts says the same for the data file): a claim that
      // ran out is due again since its next attempt time. A job with a trigger other than a check-in is prompt.
      const { rows } = await pool.query<{ due: string; oldest: string | null; oldest_prompt: string | null; newest: string | null }>(
        `SELECT count(*) AS due, min(next_attempt_at) AS oldest,
                min(next_attempt_at) FILTER (WHERE NOT (triggers <@ $3::jsonb) OR jsonb_array_length(triggers) = 0) AS oldest_prompt,
                max(last_triggered_at) AS newest
           FROM (SELECT next_attempt_at, data->'triggers' AS triggers, (data->>'lastTriggeredAt')::bigint AS last_triggered_at
                   FROM jobs
                  WHERE (state = 'pending' AND next_attempt_at <= $1) OR (state = 'in_flight' AND claim_expires_at <= $2)
                  ORDER BY next_attempt_at
                  LIMIT $4) AS waiting`,
        [now, clock(), JSON.stringify(CHECKIN_ACTIONS), limit],
      );
      const row = rows[0]!;
      const time = (value: string | null) => (value === null ? null : Number(value));
      return { due: Number(row.due), oldestAt: time(row.oldest), oldestPromptAt: time(row.oldest_prompt), newestAt: time(row.newest) };
    },

    async nextDueAt(): Promise<number | null> {
      // A claim of another instance running out is due too: this instance takes the job over then.
      const { rows } = await pool.query<{ next: string | null }>(
        `SELECT LEAST(
           (SELECT min(next_attempt_at) FROM jobs WHERE state = 'pending'),
           (SELECT min(claim_expires_at) FROM jobs WHERE state = 'in_flight' AND claimed_by IS DISTINCT FROM $1)
         ) AS next`,
        [instanceId],
      );
      const next = rows[0]?.next ?? null;
      return next === null ? null : Number(next);
    },

    /**
     * Keeps this instance's claims alive while their syncs run, however long a batch takes. It never waits for a row
     * lock: a plain UPDATE of all of them would lock the rows in the table's order and deadlock with this instance's
     * own completions (which lock theirs in key order), or queue behind them and, tick after tick, hold the pool's
     * connections. A row a transaction holds right now (its job being completed, released, or merged into) is left
     * to the next tick, a third of a TTL later; while it is locked no other instance can take it over anyway. The
     * expiry counts from when the statement goes out, not from when the pool was asked for a connection.
     */
    async renewClaims(): Promise<number> {
      const client = await pool.connect();
      try {
        const result = await client.query(
          `UPDATE jobs SET claim_expires_at = $2
           WHERE key IN (SELECT key FROM jobs WHERE state = 'in_flight' AND claimed_by = $1 FOR UPDATE SKIP LOCKED)`,
          [instanceId, clock() + claimTtlMs],
        );
        return result.rowCount ?? 0;
      } finally {
        client.release();
      }
    },

    async completeJobs(keys: string[], now: number): Promise<void> {
      if (keys.length === 0) return;
      // A batch's jobs in two statements (a job to rerun adds one): all locked at once, in key order as one by one.
      await inTransaction(pool, async (client) => {
        const done: string[] = [];
        for (const locked of await lockJobs(client, keys)) {
          if (!mayFinish(locked)) continue;
          if (completeJob(locked.job, now) === 'delete') done.push(locked.job.key);
          else await writeJob(client, locked.job, null);
        }
        if (done.length > 0) await client.query('DELETE FROM jobs WHERE key = ANY($1::text[])', [done]);
      });
    },

    async failJob(key: string, failure: JobFailure, now: number): Promise<void> {
      await inTransaction(pool, async (client) => {
        const locked = await lockJob(client, key);
        if (!locked || !mayFinish(locked)) return;
        failJob(locked.job, failure, now);
        await writeJob(client, locked.job, null);
      });
    },

    async retryJob(key: string, now: number): Promise<boolean> {
      return inTransaction(pool, async (client) => {
        const locked = await lockJob(client, key);
        if (!locked || !retryJob(locked.job, now)) return false;
        await writeJob(client, locked.job, null);
        return true;
      });
    },

    async releaseJobs(keys: string[], now: number): Promise<void> {
      if (keys.length === 0) return;
      await inTransaction(pool, async (client) => {
        for (const key of [...keys].sort()) {
          const locked = await lockJob(client, key);
          if (!locked || !mayFinish(locked) || !releaseJob(locked.job, now)) continue;
          await writeJob(client, locked.job, null);
        }
      });
    },

    /** On start: this instance's own claims, and claims that ran out, go back in line; live claims of others stay. */
    async recoverInFlight(now: number): Promise<number> {
      const result = await pool.query(
        `UPDATE jobs SET state = 'pending', next_attempt_at = $1, claimed_by = NULL, claim_expires_at = NULL,
           data = (jobs.data - 'inFlightSince') || jsonb_build_object('state', 'pending', 'nextAttemptAt', $1::bigint)
         WHERE state = 'in_flight' AND (claimed_by IS NULL OR claimed_by = $2 OR claim_expires_at <= $3)`,
        [now, instanceId, clock()],
      );
      return result.rowCount ?? 0;
    },

    async redactJobErrors(keys: string[], redact: (message: string) => string): Promise<number> {
      let changed = 0;
      await inTransaction(pool, async (client) => {
        for (const key of [...keys].sort()) {
          const locked = await lockJob(client, key);
          if (locked?.job.lastError === undefined) continue;
          const redacted = redact(locked.job.lastError);
          if (redacted === locked.job.lastError) continue;
          locked.job.lastError = redacted;
          await writeJob(client, locked.job, keptClaim(locked));
          changed += 1;
        }
      });
      return changed;
    },

    async getJob(key: string): Promise<SyncJob | undefined> {
      const { rows } = await pool.query<{ data: SyncJob }>('SELECT data FROM jobs WHERE key = $1', [key]);
      return rows[0]?.data;
    },

    async listJobs(filter: { portalId?: string; state?: JobState; connectionId?: string } = {}): Promise<SyncJob[]> {
      const { rows } = await pool.query<{ data: SyncJob }>(
        `SELECT data FROM jobs WHERE ($1::text IS NULL OR portal_id = $1) AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR connection_id = $3)
         ORDER BY first_triggered_at, key`,
        [filter.portalId ?? null, filter.state ?? null, filter.connectionId ?? null],
      );
      return rows.map((r) => r.data);
    },

    async queueCounts(portalId?: string): Promise<QueueCounts> {
      const { rows } = await pool.query<{ state: JobState; failure_class: FailureClass | null; n: string; oldest: string | null }>(
        `SELECT state, CASE WHEN state = 'failed' THEN failure_class END AS failure_class, count(*) AS n, min(first_triggered_at) AS oldest
         FROM jobs WHERE $1::text IS NULL OR portal_id = $1 GROUP BY 1, 2`,
        [portalId ?? null],
      );
      const counts: QueueCounts = { pending: 0, inFlight: 0, failed: 0, failedByClass: { transient: 0, permanent: 0, config: 0 }, oldestPendingAt: null };
      for (const row of rows) {
        const n = Number(row.n);
        if (row.state === 'pending') {
          counts.pending += n;
          counts.oldestPendingAt = row.oldest === null ? null : Number(row.oldest);
        } else if (row.state === 'in_flight') counts.inFlight += n;
        else {
          counts.failed += n;
          counts.failedByClass[row.failure_class ?? 'transient'] += n;
        }
      }
      return counts;
    },
  };
}

export type PostgresQueue = ReturnType<typeof createPostgresQueue>;
