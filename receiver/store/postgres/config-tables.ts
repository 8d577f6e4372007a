// Installations, connections, event configurations, mapping sets and backfill/sweep progress: small documents,
// each written in one statement (so a save is committed, and visible to every instance, once it resolves).
// Installations hold their tokens as the SecretBox sealed them: PostgreSQL never sees a token in plain text.
import type pg from 'pg';
import type { BackfillState, Connection, EventConfig, Installation, MappingSet, SweepState, WebhookTarget } from '../types';
import { inTransaction } from './pool';
import { coalescingBatch } from '../../lib/coalescing-batch';

const json = (value: unknown) => JSON.stringify(value);

/** How long a remembered webhook target is used at most, and how many are kept (a bound against junk tokens: only
 * found connections with an enabled event are kept, so it takes a real token per entry). */
const REMEMBER_MS = 60_000;
const REMEMBER_MAX = 1_000;

/** A webhook delivery's lookup key: its token's fingerprint and the event it names. */
type TargetKey = { fingerprint: string; event: string | undefined };
const targetKey = (k: TargetKey) => `${k.fingerprint}\u0000${k.event ?? ''}`;

export function createConfigTables(pool: pg.Pool) {
  const one = async <T>(sql: string, params: unknown[]): Promise<T | undefined> => (await pool.query<{ data: T }>(sql, params)).rows[0]?.data;
  const all = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await pool.query<{ data: T }>(sql, params)).rows.map((r) => r.data);
  const pair = (table: string, second: string) => ({
    get: <T>(connectionId: string, id: string) => one<T>(`SELECT data FROM ${table} WHERE connection_id = $1 AND ${second} = $2`, [connectionId, id]),
    save: async (connectionId: string, id: string, data: unknown) => {
      await pool.query(
        `INSERT INTO ${table} (connection_id, ${second}, data) VALUES ($1, $2, $3) ON CONFLICT (connection_id, ${second}) DO UPDATE SET data = $3`,
        [connectionId, id, json(data)],
      );
    },
  });
  const events = pair('event_configs', 'event');
  const sets = pair('mapping_sets', 'id');
  const backfills = pair('backfills', 'event');
  const sweeps = pair('sweeps', 'event');

  // The reads of webhook deliveries, coalesced: deliveries arriving together share one query
  // (../../lib/coalescing-batch.ts).
  const webhookTargets = coalescingBatch(async (keys: TargetKey[]) => {
    // A burst's deliveries mostly share one connection and event: each distinct pair is asked (and its documents
    // parsed) once, and callers of one pair share the answer.
    const distinct = [...new Map(keys.map((k) => [targetKey(k), k])).values()];
    const { rows } = await pool.query<{ i: string; connection: Connection; config: EventConfig | null }>({
      name: 'webhook_targets',
      text: `SELECT k.i, c.data AS connection, e.data AS config
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(fingerprint, event, i)
       JOIN connections c ON c.webhook_fingerprint = k.fingerprint
       LEFT JOIN event_configs e ON e.connection_id = c.id AND e.event = k.event`,
      values: [distinct.map((k) => k.fingerprint), distinct.map((k) => k.event ?? null)],
    });
    const found = new Map(rows.map((r) => [targetKey(distinct[Number(r.i) - 1]!), { connection: r.connection, eventConfig: r.config ?? undefined }]));
    return keys.map((k) => found.get(targetKey(k)));
  });

  // Order deliveries of enabled events, remembered: under a burst every delivery asks the same pair, and this lookup
  // was two of every three statements of the intake. An answer from here may be out of date (another instance may
  // have changed the connection or the event since); the route hands acceptWebhook the basis it judged on, and the
  // accept statement checks it (webhook_basis_holds() in migrations.ts). Only targets that lead to an accept are
  // kept, so nothing else is ever judged on an old answer; a write from this instance forgets them all.
  const remembered = new Map<string, { target: WebhookTarget; at: number }>();
  const forget = () => remembered.clear();
  async function findWebhookTarget(fingerprint: string, event: string | undefined, options: { mayUseCache?: boolean } = {}) {
    const key = targetKey({ fingerprint, event });
    const hit = remembered.get(key);
    if (options.mayUseCache && hit && Date.now() - hit.at < REMEMBER_MS) return hit.target;
    const target = await webhookTargets({ fingerprint, event });
    if (target?.eventConfig?.enabled) {
      if (!remembered.has(key) && remembered.size >= REMEMBER_MAX) remembered.delete(remembered.keys().next().value!);
      remembered.set(key, { target, at: Date.now() });
    } else {
      remembered.delete(key);
    }
    return target;
  }
  const forgetting =
    <A extends unknown[]>(write: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      try {
        await write(...args);
      } finally {
        forget();
      }
    };

  return {
    getInstallation: (portalId: string) => one<Installation>('SELECT data FROM installations WHERE portal_id = $1', [portalId]),
    listInstallations: () => all<Installation>('SELECT data FROM installations ORDER BY portal_id'),
    async saveInstallation(installation: Installation) {
      await pool.query('INSERT INTO installations (portal_id, data) VALUES ($1, $2) ON CONFLICT (portal_id) DO UPDATE SET data = $2', [installation.portalId, json(installation)]);
    },

    getConnection: (id: string) => one<Connection>('SELECT data FROM connections WHERE id = $1', [id]),
    findConnectionByWebhookFingerprint: (fingerprint: string) => one<Connection>('SELECT data FROM connections WHERE webhook_fingerprint = $1', [fingerprint]),
    findWebhookTarget,
    listConnections: (portalId?: string) =>
      all<Connection>('SELECT data FROM connections WHERE $1::text IS NULL OR portal_id = $1 ORDER BY created_at, id', [portalId ?? null]),
    saveConnection: forgetting(async (connection: Connection) => {
      await pool.query(
        `INSERT INTO connections (id, portal_id, webhook_fingerprint, created_at, data) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET portal_id = $2, webhook_fingerprint = $3, data = $5`,
        [connection.id, connection.portalId, connection.webhookTokenFingerprint, connection.createdAt, json(connection)],
      );
    }),
    /** Everything that belongs to the connection, in one transaction. */
    deleteConnection: forgetting(async (id: string) => {
      await inTransaction(pool, async (client) => {
        for (const table of ['event_configs', 'mapping_sets', 'backfills', 'sweeps', 'jobs', 'sync_records', 'seen_notifications']) {
          await client.query(`DELETE FROM ${table} WHERE connection_id = $1`, [id]);
        }
        await client.query('DELETE FROM connections WHERE id = $1', [id]);
      });
    }),

    getEventConfig: (connectionId: string, event: string) => events.get<EventConfig>(connectionId, event),
    listEventConfigs: (connectionId?: string) =>
      all<EventConfig>('SELECT data FROM event_configs WHERE $1::text IS NULL OR connection_id = $1 ORDER BY connection_id, event', [connectionId ?? null]),
    saveEventConfig: forgetting((config: EventConfig) => events.save(config.connectionId, config.event, config)),
    getMappingSet: (connectionId: string, id: string) => sets.get<MappingSet>(connectionId, id),
    listMappingSets: (connectionId: string) => all<MappingSet>('SELECT data FROM mapping_sets WHERE connection_id = $1 ORDER BY id', [connectionId]),
    saveMappingSet: (set: MappingSet) => sets.save(set.connectionId, set.id, set),
    async deleteMappingSet(connectionId: string, id: string) {
      await pool.query('DELETE FROM mapping_sets WHERE connection_id = $1 AND id = $2', [connectionId, id]);
    },

    getBackfill: (connectionId: string, event: string) => backfills.get<BackfillState>(connectionId, event),
    listBackfills: () => all<BackfillState>('SELECT data FROM backfills ORDER BY connection_id, event'),
    saveBackfill: (state: BackfillState) => backfills.save(state.connectionId, state.event, state),
    getSweep: (connectionId: string, event: string) => sweeps.get<SweepState>(connectionId, event),
    saveSweep: (state: SweepState) => sweeps.save(state.connectionId, state.event, state),
  };
}
