// `pretix-hubspot store migrate --from <data file>` over a real lowdb file and a real cluster: everything copied in
// one go, counted; a second run over the same file refused; a file a running receiver holds is not read.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataFileLock, DataFileLockedError } from '../../../receiver/store/data-file-lock';
import { openLowdbStore } from '../../../receiver/store/lowdb-store';
import { importLowdbFile } from '../../../receiver/store/postgres/import-lowdb';
import { createPostgresPool } from '../../../receiver/store/postgres/pool';
import { openPostgresStore } from '../../../receiver/store/postgres/postgres-store';
import { createTestDatabase, skipPostgres } from '../../helpers/postgres-cluster';
import { tempDir } from '../../helpers/temp-dir';
import { connection, key, record, trigger } from '../contract/store-contract';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'bin', 'pretix-hubspot.js');

describe.skipIf(skipPostgres)('store migrate', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  let url: string;

  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir.path, 'data', 'pretix-hubspot.json');
    url = await createTestDatabase();
    const store = await openLowdbStore(file);
    await store.saveInstallation({ portalId: '42', status: 'active', accessTokenSealed: 'sealed-a', refreshTokenSealed: 'sealed-r', accessTokenExpiresAt: 1, scopes: ['crm'], installedAt: 'a', updatedAt: 'b' });
    await store.saveConnection(connection('c1'));
    await store.saveEventConfig({ connectionId: 'c1', event: 'democon', enabled: true, mappings: [], mappingSetId: 'season', updatedAt: 'z' });
    await store.saveMappingSet({ connectionId: 'c1', id: 'season', name: 'Season', mappings: [], updatedAt: 'z' });
    await store.acceptWebhook('c1:1', trigger('PENDING'), 1000);
    await store.enqueueFailed([{ trigger: trigger('FAILED'), failure: { failureClass: 'permanent', message: 'no', nextAttemptAt: null } }], 1000);
    await store.putSyncRecords([record('DONE', ['ann@example.com'])]);
    await store.saveBackfill({ connectionId: 'c1', event: 'democon', state: 'running', mappingIds: null, nextPage: 4, total: 9, processed: 3, synced: 3, skipped: 0, failed: 0, startedAt: 'a', finishedAt: null, error: null });
    await store.saveSweep({ connectionId: 'c1', event: 'democon', watermark: '2026-01-01T00:00:00Z', lastSweepAt: 'b', lastFound: 1, lastEnqueued: 1, lastError: null });
    await store.close();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('copies everything in one transaction, reports the counts, and refuses to run twice over the same file', async () => {
    const env = { ...process.env, DATABASE_URL: url };
    const first = await run(process.execPath, [CLI, 'store', 'migrate', '--from', file], { env, cwd: dir.path });
    expect(first.stdout).toContain('Copied into PostgreSQL: 1 installations, 1 connections, 1 eventConfigs, 1 mappingSets, 2 jobs, 1 syncRecords, 1 backfills, 1 sweeps.');

    const store = await openPostgresStore(url);
    try {
      expect(await store.getInstallation('42')).toMatchObject({ accessTokenSealed: 'sealed-a' });
      expect(await store.findConnectionByWebhookFingerprint('fp-c1')).toEqual(connection('c1'));
      expect(await store.getEventConfig('c1', 'democon')).toMatchObject({ mappingSetId: 'season' });
      expect(await store.getMappingSet('c1', 'season')).toMatchObject({ name: 'Season' });
      expect(await store.getJob(key('PENDING'))).toMatchObject({ state: 'pending', webhookAckedAt: 1000 });
      expect(await store.getJob(key('FAILED'))).toMatchObject({ state: 'failed', failureClass: 'permanent' });
      expect(await store.findSyncRecordsByEmails('42', ['ann@example.com'])).toHaveLength(1);
      expect(await store.getBackfill('c1', 'democon')).toMatchObject({ nextPage: 4, state: 'running' });
      expect(await store.getSweep('c1', 'democon')).toMatchObject({ watermark: '2026-01-01T00:00:00Z' });
    } finally {
      await store.close();
    }

    const second = await run(process.execPath, [CLI, 'store', 'migrate', '--from', file], { env, cwd: dir.path }).catch((e: { code: number; stderr: string }) => e);
    expect(second).toMatchObject({ code: 1 });
    expect((second as { stderr: string }).stderr).toContain('already migrated');
  });

  it('refuses a database that already has connections, copying nothing', async () => {
    const target = await openPostgresStore(url);
    await target.saveConnection(connection('other'));
    await target.close();
    const pool = createPostgresPool(url);
    try {
      await expect(importLowdbFile(file, pool)).rejects.toThrow('already has connections');
      const { rows } = await pool.query<{ n: string }>('SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM imports) AS n');
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('does not read a data file a running receiver holds', async () => {
    const lock = await acquireDataFileLock(file);
    const pool = createPostgresPool(url);
    try {
      await expect(importLowdbFile(file, pool)).rejects.toBeInstanceOf(DataFileLockedError);
    } finally {
      lock.release();
      await pool.end();
    }
  });
});
