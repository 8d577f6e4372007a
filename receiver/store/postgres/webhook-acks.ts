// The lag bookkeeping of records just synced: the in-flight job of each record, when a webhook waits on it, gives
// up the time that webhook was acknowledged. Taken in the transaction that writes the records, so a sample is
// counted once however the instances race.
import type pg from 'pg';

export interface TakenAck {
  portalId: string;
  ackedAt: number;
}

/** Clears webhookAckedAt of these keys' in-flight jobs in one statement; what each held, by key. */
export async function takeWebhookAcks(client: pg.PoolClient, keys: string[]): Promise<Map<string, TakenAck>> {
  if (keys.length === 0) return new Map();
  // Locked in key order (byte order, as JavaScript sorts these ASCII keys), like every transaction here that locks
  // several jobs, so that two cannot deadlock.
  const { rows } = await client.query<{ key: string; portal_id: string; acked_at: string }>(
    `WITH taken AS (
       SELECT key, (data->>'webhookAckedAt')::bigint AS acked_at FROM jobs
       WHERE key = ANY($1::text[]) AND data->>'state' = 'in_flight' AND jsonb_typeof(data->'webhookAckedAt') = 'number'
       ORDER BY key COLLATE "C"
       FOR UPDATE
     )
     UPDATE jobs SET data = jobs.data - 'webhookAckedAt' FROM taken WHERE jobs.key = taken.key
     RETURNING jobs.key, jobs.data->>'portalId' AS portal_id, taken.acked_at`,
    [keys],
  );
  return new Map(rows.map((row) => [row.key, { portalId: row.portal_id, ackedAt: Number(row.acked_at) }]));
}
