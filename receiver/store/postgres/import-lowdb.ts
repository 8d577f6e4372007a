// `pretix-hubspot store migrate --from <data file>`: copies a lowdb installation into the PostgreSQL database in
// one transaction. The data file's lock is taken first, so a running receiver's file is never read half-written
// (and the receiver cannot start on it meanwhile). One source file is imported once (its hash is recorded), and
// never into a database that already has connections.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { acquireDataFileLock } from '../data-file-lock';
import { openLowdbStore } from '../lowdb-store';
import type { SweepState, SyncRecord } from '../types';
import { runMigrations } from './migrations';
import { inTransaction } from './pool';
import { writeSyncRecords } from './sync-records';

export interface ImportCounts {
  installations: number;
  connections: number;
  eventConfigs: number;
  mappingSets: number;
  jobs: number;
  syncRecords: number;
  backfills: number;
  sweeps: number;
}

export class ImportRefusedError extends Error {}

/** The identity of what is copied, not of the files' bytes: opening the store checkpoints the file (a journal
 * replay, a new segment number), so the same data reads back from a file whose bytes changed. */
const contentHash = (content: unknown) => createHash('sha256').update(JSON.stringify(content)).digest('hex');

const json = (value: unknown) => JSON.stringify(value);

export async function importLowdbFile(dataFile: string, pool: pg.Pool): Promise<ImportCounts> {
  // Throws DataFileLockedError while a receiver runs on the file.
  const lock = await acquireDataFileLock(dataFile);
  try {
    await runMigrations(pool);
    const source = await openLowdbStore(dataFile);
    try {
      const installations = await source.listInstallations();
      const connections = await source.listConnections();
      const eventConfigs = await source.listEventConfigs();
      const mappingSets = (await Promise.all(connections.map((c) => source.listMappingSets(c.id)))).flat();
      // In-flight jobs were interrupted by the receiver's stop: they go back in line, as a restart would do.
      const jobs = (await source.listJobs()).map((job) =>
        job.state === 'in_flight' ? { ...job, state: 'pending' as const, inFlightSince: undefined } : job,
      );
      const portals = [...new Set(connections.map((c) => c.portalId))];
      const records: SyncRecord[] = (await Promise.all(portals.map((p) => source.findSyncRecords(p, () => true)))).flat();
      const backfills = await source.listBackfills();
      const sweeps = (await Promise.all(eventConfigs.map((e) => source.getSweep(e.connectionId, e.event)))).filter((s): s is SweepState => s !== undefined);
      const hash = contentHash({ installations, connections, eventConfigs, mappingSets, jobs, records, backfills, sweeps });
      const counts: ImportCounts = {
        installations: installations.length,
        connections: connections.length,
        eventConfigs: eventConfigs.length,
        mappingSets: mappingSets.length,
        jobs: jobs.length,
        syncRecords: records.length,
        backfills: backfills.length,
        sweeps: sweeps.length,
      };
      await inTransaction(pool, async (client) => {
        // Two migrations started at once: the second waits here and then finds the first one's import.
        await client.query('LOCK TABLE imports IN EXCLUSIVE MODE');
        const done = await client.query<{ imported_at: Date }>('SELECT imported_at FROM imports WHERE source_hash = $1', [hash]);
        if (done.rows[0]) throw new ImportRefusedError(`This data file was already migrated (on ${done.rows[0].imported_at.toISOString()}); nothing was copied.`);
        const existing = await client.query<{ n: string }>('SELECT count(*) AS n FROM connections');
        if (Number(existing.rows[0]!.n) > 0) throw new ImportRefusedError('The database already has connections; a migration only fills an empty database. Nothing was copied.');
        for (const i of installations) await client.query('INSERT INTO installations (portal_id, data) VALUES ($1, $2)', [i.portalId, json(i)]);
        for (const c of connections) {
          await client.query('INSERT INTO connections (id, portal_id, webhook_fingerprint, created_at, data) VALUES ($1, $2, $3, $4, $5)', [c.id, c.portalId, c.webhookTokenFingerprint, c.createdAt, json(c)]);
        }
        for (const e of eventConfigs) await client.query('INSERT INTO event_configs (connection_id, event, data) VALUES ($1, $2, $3)', [e.connectionId, e.event, json(e)]);
        for (const s of mappingSets) await client.query('INSERT INTO mapping_sets (connection_id, id, data) VALUES ($1, $2, $3)', [s.connectionId, s.id, json(s)]);
        for (const j of jobs) {
          await client.query(
            'INSERT INTO jobs (key, portal_id, connection_id, state, next_attempt_at, first_triggered_at, failure_class, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
            [j.key, j.portalId, j.connectionId, j.state, j.nextAttemptAt, j.firstTriggeredAt, j.failureClass ?? null, json(j)],
          );
        }
        await writeSyncRecords(client, records);
        for (const b of backfills) await client.query('INSERT INTO backfills (connection_id, event, data) VALUES ($1, $2, $3)', [b.connectionId, b.event, json(b)]);
        for (const s of sweeps) await client.query('INSERT INTO sweeps (connection_id, event, data) VALUES ($1, $2, $3)', [s.connectionId, s.event, json(s)]);
        await client.query('INSERT INTO imports (source_hash, source_path, counts) VALUES ($1, $2, $3)', [hash, dataFile, json(counts)]);
      });
      return counts;
    } finally {
      await source.close();
    }
  } finally {
    lock.release();
  }
}
