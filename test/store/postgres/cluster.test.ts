// The test cluster itself: a database per file, reachable with the URL the store will be given.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, skipPostgres } from '../../helpers/postgres-cluster';

describe.skipIf(skipPostgres)('PostgreSQL test cluster', () => {
  it('creates a fresh database per call, reachable over 127.0.0.1, owned by an unprivileged server', async () => {
    const [a, b] = [await createTestDatabase(), await createTestDatabase()];
    expect(a).not.toBe(b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; tables: string }>(
        "SELECT current_database() AS db, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS tables",
      );
      expect(a.endsWith(`/${rows[0]!.db}`)).toBe(true);
      expect(Number(rows[0]!.tables)).toBe(0);
    } finally {
      await client.end();
    }
  });
});
