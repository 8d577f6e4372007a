// OAuth `state` values in PostgreSQL, by their hash (never the state itself), so that HubSpot's redirect back may
// land on any instance. Consuming is one UPDATE that only the first of concurrent callbacks wins.
import type pg from 'pg';

export type OAuthStateUse = 'ok' | 'unknown' | 'used' | 'expired';

export interface OAuthStateRows {
  save(stateHash: string, expiresAt: number): Promise<void>;
  use(stateHash: string, now: number): Promise<OAuthStateUse>;
  /** Forgets states that expired before `before` (kept a while after expiry to tell replays from forgeries). */
  prune(before: number): Promise<void>;
}

export function createPostgresOAuthStates(pool: pg.Pool): OAuthStateRows {
  return {
    async save(stateHash, expiresAt) {
      await pool.query('INSERT INTO oauth_states (state_hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [stateHash, expiresAt]);
    },
    async use(stateHash, now) {
      const won = await pool.query('UPDATE oauth_states SET used_at = $2 WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING 1', [stateHash, now]);
      if (won.rowCount === 1) return 'ok';
      const { rows } = await pool.query<{ used_at: string | null }>('SELECT used_at FROM oauth_states WHERE state_hash = $1', [stateHash]);
      if (!rows[0]) return 'unknown';
      return rows[0].used_at !== null ? 'used' : 'expired';
    },
    async prune(before) {
      await pool.query('DELETE FROM oauth_states WHERE expires_at < $1', [before]);
    },
  };
}
