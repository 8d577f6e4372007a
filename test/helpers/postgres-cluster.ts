// PROVISIONAL (h13): a throwaway PostgreSQL cluster for tests until the store's own helper (branch h11) lands;
// replaced by that one on merge. initdb in a temp dir, a Unix socket there, no TCP, run as `nobody` when root.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  url: string;
  stop(): Promise<void>;
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'pg-'));
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--'] : [];
  if (asUser.length > 0) await chown(dir, 65534, 65534);
  const exec = (cmd: string, args: string[]) => (asUser.length > 0 ? run(asUser[0]!, [...asUser.slice(1), cmd, ...args]) : run(cmd, args));
  await exec(`${BIN}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
  await exec(`${BIN}/pg_ctl`, ['-D', join(dir, 'data'), '-w', '-l', join(dir, 'log'), '-o', `-k ${dir} -c listen_addresses='' -c fsync=off -c max_connections=200`, 'start']);
  return {
    url: `postgres://postgres@/postgres?host=${encodeURIComponent(dir)}`,
    async stop() {
      await exec(`${BIN}/pg_ctl`, ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
