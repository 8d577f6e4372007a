// OAuth states shared through PostgreSQL: "Request access" on one instance, HubSpot's redirect back on another.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSharedOAuthStateStore, STATE_TTL_MS } from '../../../receiver/hubspot/oauth-state';
import { createPostgresOAuthStates } from '../../../receiver/store/postgres/oauth-states';
import { openPostgresStore, type PostgresStore } from '../../../receiver/store/postgres/postgres-store';
import { createTestDatabase, skipPostgres } from '../../helpers/postgres-cluster';

describe.skipIf(skipPostgres)('OAuth states in PostgreSQL', () => {
  let a: PostgresStore;
  let b: PostgresStore;
  let now: number;
  const statesOf = (store: PostgresStore) => createSharedOAuthStateStore(createPostgresOAuthStates(store.pool), { now: () => now });

  beforeEach(async () => {
    const url = await createTestDatabase();
    [a, b] = [await openPostgresStore(url), await openPostgresStore(url)];
    now = 1_000_000;
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('issues on one instance, consumes once on another, and tells replays, expiry and forgeries apart', async () => {
    const [onA, onB] = [statesOf(a), statesOf(b)];
    const state = await onA.issue();
    const later = await onA.issue();
    expect(await onB.consume(state)).toBe('ok');
    expect(await onA.consume(state)).toBe('used');
    expect(await onB.consume('never-issued')).toBe('unknown');
    expect(await onB.consume(undefined)).toBe('missing');
    now += STATE_TTL_MS + 1;
    expect(await onB.consume(later)).toBe('expired');
    const { rows } = await a.pool.query<{ state_hash: string }>('SELECT state_hash FROM oauth_states');
    expect(rows.map((r) => r.state_hash)).not.toContain(state);
  });

  it('lets only one of two callbacks racing on two instances use a state', async () => {
    const [onA, onB] = [statesOf(a), statesOf(b)];
    for (let i = 0; i < 10; i += 1) {
      const state = await onA.issue();
      expect((await Promise.all([onA.consume(state), onB.consume(state)])).sort()).toEqual(['ok', 'used']);
    }
  });
});
