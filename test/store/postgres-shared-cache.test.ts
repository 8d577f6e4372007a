// The shared cache in a real PostgreSQL (a throwaway cluster): what one instance's pool writes, another's reads, with
// its age on the database's clock; a newer write replaces an older one; removed is gone.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSharedCache, SHARED_CACHE_SCHEMA } from '../../receiver/store/postgres/shared-cache';
import { createTestDatabase } from '../helpers/postgres-cluster';

let databaseUrl: string;
const pools: pg.Pool[] = [];
const pool = () => {
  const created = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pools.push(created);
  return created;
};

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  await pool().query(SHARED_CACHE_SCHEMA);
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

describe('PostgreSQL shared cache', () => {
  it('gives one instance what another wrote, with its age', async () => {
    const one = createPostgresSharedCache(pool());
    const two = createPostgresSharedCache(pool());
    expect(await two.read('event-context:c1:democon')).toBeNull();
    await one.write('event-context:c1:democon', { organizer: 'acmecorp', items: [{ id: 1, name: { en: 'Ticket' } }] });
    // 60 ms pass on the database's clock: the row is set back rather than the test made to wait.
    await pool().query(`UPDATE shared_cache SET stored_at = stored_at - interval '60 milliseconds' WHERE key = 'event-context:c1:democon'`);
    const stored = await two.read('event-context:c1:democon');
    expect(stored?.value).toEqual({ organizer: 'acmecorp', items: [{ id: 1, name: { en: 'Ticket' } }] });
    expect(stored!.ageMs).toBeGreaterThanOrEqual(50);
    expect(stored!.ageMs).toBeLessThan(5_000);

    await two.write('event-context:c1:democon', { organizer: 'acmecorp', items: [] });
    const replaced = await one.read('event-context:c1:democon');
    expect(replaced?.value).toEqual({ organizer: 'acmecorp', items: [] });
    expect(replaced!.ageMs).toBeLessThan(stored!.ageMs);

    await one.remove('event-context:c1:democon');
    expect(await two.read('event-context:c1:democon')).toBeNull();
  });

  it('forgets rows not written for a day when it writes', async () => {
    const db = pool();
    await db.query(`INSERT INTO shared_cache (key, stored_at, value) VALUES ('old', clock_timestamp() - interval '25 hours', '{}'), ('recent', clock_timestamp() - interval '23 hours', '{}')`);
    await createPostgresSharedCache(db).write('new', { n: 1 });
    const { rows } = await db.query<{ key: string }>('SELECT key FROM shared_cache ORDER BY key');
    expect(rows.map((row) => row.key)).not.toContain('old');
    expect(rows.map((row) => row.key)).toEqual(expect.arrayContaining(['new', 'recent']));
  });
});
