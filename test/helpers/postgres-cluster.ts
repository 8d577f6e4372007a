// A throwaway PostgreSQL cluster for tests: Debian's server binaries (found by glob, any major version), a data
// directory and Unix socket in a temp dir, TCP on 127.0.0.1 with a free port, trust authentication, no global
// service. PostgreSQL refuses to run as root, and CI runs as root: then every server command runs as `nobody`
// through runuser, and the temp dir belongs to that user. One cluster serves a whole vitest run (see
// postgres-global-setup.ts); each test file takes its own database with createTestDatabase().
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);

export interface PostgresClusterInfo {
  /** Connection URL of the `postgres` maintenance database (superuser `postgres`). */
  adminUrl: string;
  host: string;
  port: number;
  socketDir: string;
}

export type ProvidedPostgres = { ok: true; cluster: PostgresClusterInfo } | { ok: false; reason: string } | { ok: false; skipped: true; reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

const UNPRIVILEGED_USER = 'nobody';

/** The bin dir of the newest installed PostgreSQL (PG_BIN overrides), or null. */
export function findPostgresBin(): string | null {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export interface RunningCluster extends PostgresClusterInfo {
  /** The postmaster's process id (its backends are its children): for benchmarks that count its CPU. */
  serverPid(): Promise<number>;
  stop(): Promise<void>;
}

export interface PostgresClusterOptions {
  /** Server settings beyond the test defaults, as `-c name=value` (a benchmark preloads pg_stat_statements). */
  settings?: Record<string, string>;
}

export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<RunningCluster> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      'PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb). Install Debian\'s `postgresql` package ' +
        '(.ci/run does), set PG_BIN, or set SKIP_POSTGRES=1 to skip the PostgreSQL tests on purpose.',
    );
  }
  const asRoot = process.getuid?.() === 0;
  // Short path: the socket path must stay under the 107-byte limit of Unix sockets.
  const dir = await mkdtemp(join(tmpdir(), 'pgt-'));
  if (asRoot) {
    const { uid, gid } = await uidOf(UNPRIVILEGED_USER);
    await chown(dir, uid, gid);
  }
  const exec = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', UNPRIVILEGED_USER, '--', join(bin, command), ...args]) : run(join(bin, command), args);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const port = await freePort();
  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    // fsync off: a test cluster's data need not survive a power cut, and it makes CREATE DATABASE and commits fast.
    const extraSettings = Object.entries(options.settings ?? {}).map(([name, value]) => ` -c ${name}=${value}`);
    const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200${extraSettings.join('')}`;
    await exec('pg_ctl', ['-D', data, '-l', log, '-o', serverOptions, '-w', '-t', '60', 'start']);
  } catch (error) {
    const serverLog = await readFile(log, 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start a PostgreSQL test cluster with ${bin}: ${(error as Error).message}\n${serverLog}`);
  }
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    host: '127.0.0.1',
    port,
    socketDir: dir,
    async serverPid() {
      // postmaster.pid's first line is the server's process id.
      return Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    },
    async stop() {
      await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether this run skips the PostgreSQL tests: only when a person asked for it with SKIP_POSTGRES=1. */
export const skipPostgres = process.env.SKIP_POSTGRES === '1';

/** The run's cluster; throws with the reason when it could not be started (never skips silently). */
export function postgresCluster(): PostgresClusterInfo {
  const provided = inject('postgres');
  if (!provided.ok) throw new Error(`PostgreSQL tests need a cluster: ${provided.reason}`);
  return provided.cluster;
}

let databases = 0;

/** A fresh, empty database on the run's cluster; its URL. */
export async function createTestDatabase(): Promise<string> {
  const cluster = postgresCluster();
  const { default: pg } = await import('pg');
  const name = `t_${process.pid}_${Date.now().toString(36)}_${databases++}`;
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  return `postgres://postgres@127.0.0.1:${cluster.port}/${name}`;
}
