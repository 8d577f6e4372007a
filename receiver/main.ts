// Entry point: read the configuration (and .env), take the data file's lock, open the store, start the HTTP server
// and the sync worker, and shut them down within SHUTDOWN_TIMEOUT on SIGINT/SIGTERM (see shutdown.ts). Run node on
// this file directly, or through `npm start`, whose script execs node so that a signal sent to npm reaches it.
import { existsSync } from 'node:fs';
import { ConfigError, describeConfig, loadConfig } from './config';
import { existingSecretKey, resolveSecretKey, SecretKeyError } from './secret-key';
import { shutDown } from './shutdown';
import { DataFileLockedError, DataFileLockError, acquireDataFileLock } from './store/data-file-lock';
import { openLowdbStoreReporting } from './store/lowdb-store';
import { openPostgresStore } from './store/postgres/postgres-store';
import { DamagedStateError } from './store/damaged-state';
import { createSecretBox } from './store/secrets';

/** After SHUTDOWN_TIMEOUT: cut-off requests unwind, the server closes and the store is written (well under a second). */
const BACKSTOP_MARGIN_MS = 1_500;

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // The lock comes before anything else touches the data directory: a second receiver must leave it as it found it.
  // With PostgreSQL there is no data file to guard: several instances share the database on purpose.
  if (!config.database) await acquireDataFileLock(config.dataFile);
  // Everything is checked before anything is written: the key (a damaged one stops the start), then the store
  // (damaged state stops it before any file changes); only then is a missing development key generated.
  const knownKey = await existingSecretKey(config);
  const postgres = config.database
    ? await openPostgresStore(config.database.url, { poolSettings: { max: config.database.poolMax }, claimTtlMs: config.database.claimTtlMs })
    : undefined;
  const { store, repaired } = postgres ? { store: postgres, repaired: [] } : await openLowdbStoreReporting(config.dataFile, { repair: config.repairDamagedState });
  const secretKey = knownKey ?? (await resolveSecretKey(config));
  // Loaded only now: a receiver refused at the lock or by damaged state stops before loading the rest of itself.
  const { buildApp } = await import('./app');
  // Several instances: rate budgets and leases shared through PostgreSQL (store/postgres/coordination.ts).
  let coordinationError: (error: unknown) => void = (error) => process.stderr.write(`PostgreSQL coordination: ${String(error)}\n`);
  // On the store's pool: one DATABASE_URL, one set of connections per instance.
  const shared = postgres ? await (await import('./store/postgres/coordination')).openPostgresCoordination(postgres.pool, { onError: (error) => coordinationError(error) }) : undefined;
  const { server, services, intake } = await buildApp({ config, store, secrets: createSecretBox(secretKey.key), shared });
  coordinationError = (error) => server.log.warn({ err: error }, 'PostgreSQL coordination (rate budgets, leases) failed; retrying');

  for (const damage of repaired) {
    server.log.warn({ file: damage.file, lines: damage.lines, keptIn: damage.keptIn }, `skipped damaged state (--repair): ${damage.reason}`);
  }
  const recovered = await store.recoverInFlight(Date.now());
  if (secretKey.source === 'generated') {
    server.log.warn({ file: secretKey.file }, 'SECRET_KEY is not set: generated a development key beside the data file. Set SECRET_KEY in production.');
  }
  await server.listen({ port: config.port, host: config.host });
  services.worker.start();
  const resumed = await services.backfills.resumeAll();
  services.backfills.watchForOrphans();
  services.sweeper.start();
  await services.marketingRefresher.start();

  const { configured, missing } = describeConfig(config);
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  process.stderr.write(
    [
      '',
      `pretix-hubspot receiver is running on http://${config.host}:${port}`,
      ...configured.map((line) => `  ✓ ${line}`),
      ...missing.map((line) => `  ✗ ${line}`),
      recovered > 0 ? `  ↻ resumed ${recovered} sync job(s) interrupted by the last stop` : '',
      resumed > 0 ? `  ↻ resumed ${resumed} backfill(s) from their last finished page` : '',
      `  Next: open http://${config.host}:${port}/ — the status page says what to do next`,
      '',
    ]
      .filter((line) => line !== '')
      .join('\n') + '\n',
  );

  // A terminal's Ctrl-C reaches node twice under npm (from the terminal and forwarded by npm): one shutdown only.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timeoutMs = config.shutdownTimeoutMs;
    server.log.info({ signal, timeoutMs }, 'shutting down: new requests get 503, syncs under way get until the deadline');
    // Whatever still runs past the deadline (a stuck disk, a token refresh) must not keep the port: exit anyway.
    const backstop = setTimeout(() => {
      server.log.error({ timeoutMs }, 'shutdown overran its deadline; exiting anyway (acknowledged webhooks are on disk)');
      process.exit(1);
    }, timeoutMs + BACKSTOP_MARGIN_MS);
    backstop.unref();
    try {
      await shutDown({ server, intake, services, store, timeoutMs, logger: server.log });
      process.exit(0);
    } catch (error) {
      server.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  // Problems a person must fix get their message alone; a stack trace would bury what to do.
  if (error instanceof DataFileLockedError || error instanceof DataFileLockError || error instanceof SecretKeyError || error instanceof DamagedStateError) {
    process.stderr.write(`pretix-hubspot cannot start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`pretix-hubspot failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
