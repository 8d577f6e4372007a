// Server-side OAuth `state` values: unguessable (256 bits), single-use and short-lived. Kept in memory by their
// hash: a state only has to survive the few minutes between "Request access" and HubSpot's redirect back, and a
// restart in between just means clicking "Request access" again. Used states are remembered until they would have
// expired, so that a replay is told apart from a forgery.
import { createHash } from 'node:crypto';
import { randomToken } from '../store/secrets';

export type StateCheck = 'ok' | 'missing' | 'unknown' | 'used' | 'expired';

/** In memory for one process (the lowdb default); receiver/store/postgres/oauth-states.ts keeps them in PostgreSQL
 * so that HubSpot's redirect may land on any instance. */
export interface OAuthStateStore {
  issue(): Promise<string>;
  /** Consumes the state: only the first check of a valid state answers 'ok', on whichever instance. */
  consume(state: string | undefined): Promise<StateCheck>;
}

export const STATE_TTL_MS = 10 * 60_000;
const MAX_STATES = 10_000;

export const hashOAuthState = (state: string) => createHash('sha256').update(state, 'utf8').digest('base64url');

export function createOAuthStateStore(options: { ttlMs?: number; now?: () => number; maxStates?: number } = {}): OAuthStateStore & { size(): number } {
  const ttlMs = options.ttlMs ?? STATE_TTL_MS;
  const now = options.now ?? Date.now;
  const maxStates = options.maxStates ?? MAX_STATES;
  const states = new Map<string, { expiresAt: number; usedAt?: number }>();

  const prune = () => {
    const t = now();
    // Kept one more lifetime after expiry, to tell "expired" and "already used" apart from "never issued".
    for (const [key, entry] of states) if (entry.expiresAt + ttlMs <= t) states.delete(key);
    // Bounded however often /oauth/install is hit: the oldest states go first (Map keeps insertion order).
    while (states.size >= maxStates) {
      const oldest = states.keys().next().value;
      if (oldest === undefined) break;
      states.delete(oldest);
    }
  };

  return {
    async issue() {
      prune();
      const state = randomToken();
      states.set(hashOAuthState(state), { expiresAt: now() + ttlMs });
      return state;
    },
    async consume(state) {
      if (typeof state !== 'string' || state === '') return 'missing';
      if (state.length > 200) return 'unknown';
      const key = hashOAuthState(state);
      const entry = states.get(key);
      if (!entry) return 'unknown';
      if (entry.usedAt !== undefined) return 'used';
      if (entry.expiresAt <= now()) return 'expired';
      entry.usedAt = now();
      return 'ok';
    },
    size: () => states.size,
  };
}

/** The same rules over rows shared by every instance (PostgreSQL): a state issued by one is consumed once by any. */
export function createSharedOAuthStateStore(
  rows: { save(stateHash: string, expiresAt: number): Promise<void>; use(stateHash: string, now: number): Promise<Exclude<StateCheck, 'missing'>>; prune(before: number): Promise<void> },
  options: { ttlMs?: number; now?: () => number } = {},
): OAuthStateStore {
  const ttlMs = options.ttlMs ?? STATE_TTL_MS;
  const now = options.now ?? Date.now;
  let lastPruneAt = 0;
  return {
    async issue() {
      const t = now();
      if (t - lastPruneAt >= ttlMs) {
        lastPruneAt = t;
        // Kept one more lifetime after expiry, as in memory.
        await rows.prune(t - ttlMs);
      }
      const state = randomToken();
      await rows.save(hashOAuthState(state), t + ttlMs);
      return state;
    },
    async consume(state) {
      if (typeof state !== 'string' || state === '') return 'missing';
      if (state.length > 200) return 'unknown';
      return rows.use(hashOAuthState(state), now());
    },
  };
}
