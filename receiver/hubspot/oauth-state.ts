// Server-side OAuth `state` values: unguessable (256 bits), single-use and short-lived. Kept in memory by their
// hash: a state only has to survive the few minutes between "Request access" and HubSpot's redirect back, and a
// restart in between just means clicking "Request access" again. Used states are remembered until they would have
// expired, so that a replay is told apart from a forgery.
import { createHash } from 'node:crypto';
import { randomToken } from '../store/secrets';

export type StateCheck = 'ok' | 'missing' | 'unknown' | 'used' | 'expired';

export interface OAuthStateStore {
  issue(): string;
  /** Consumes the state: only the first check of a valid state answers 'ok'. */
  consume(state: string | undefined): StateCheck;
  size(): number;
}

export const STATE_TTL_MS = 10 * 60_000;
const MAX_STATES = 10_000;

const hash = (state: string) => createHash('sha256').update(state, 'utf8').digest('base64url');

export function createOAuthStateStore(options: { ttlMs?: number; now?: () => number; maxStates?: number } = {}): OAuthStateStore {
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
    issue() {
      prune();
      const state = randomToken();
      states.set(hash(state), { expiresAt: now() + ttlMs });
      return state;
    },
    consume(state) {
      if (typeof state !== 'string' || state === '') return 'missing';
      if (state.length > 200) return 'unknown';
      const key = hash(state);
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
