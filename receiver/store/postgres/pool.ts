// The one PostgreSQL connection pool of a receiver process. The store and anything else that keeps shared state
// across instances (global rate budgets, leases) take their connections from here, so that one DATABASE_URL and
// one set of pool settings decide how many connections an instance holds.
import pg from 'pg';

export interface PoolSettings {
  /** Connections this instance may hold at most (DATABASE_POOL_MAX). */
  max?: number;
  /** How long a request waits for a free connection before it fails (ms). */
  connectionTimeoutMs?: number;
}

export const DEFAULT_POOL_MAX = 10;

export function createPostgresPool(databaseUrl: string, settings: PoolSettings = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: settings.max ?? DEFAULT_POOL_MAX,
    connectionTimeoutMillis: settings.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'pretix-hubspot',
  });
  // An idle client that loses its server (a restart, a network cut) emits 'error' on the pool; without a listener
  // Node would crash the process. The next query gets a fresh connection, and health() reports reachability.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
