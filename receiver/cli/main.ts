// `pretix-hubspot <command>`: operate a running receiver from the terminal.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { adminTokenFor } from '../app';
import { loadConfig } from '../config';
import { readSecretKey, SecretKeyError } from '../secret-key';
import { createSecretBox } from '../store/secrets';
import { AdminApiError, createAdminClient } from './admin-client';
import { commandHelp, findCommand, generalHelp, parseCommandArgs, UsageError } from './commands';

const out = (line: string) => process.stdout.write(`${line}\n`);

const STORE_MIGRATE_USAGE = 'store migrate --from <lowdb data file>   (into the DATABASE_URL database)';

/** Runs here, not through the receiver: it reads the data file (under its lock) and writes to PostgreSQL. */
async function storeMigrate(argv: string[]): Promise<number> {
  const parsed = parseArgs({ args: argv, options: { from: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: false });
  if (parsed.values.help) {
    out(`Usage: pretix-hubspot ${STORE_MIGRATE_USAGE}\nCopies connections, installations, mappings, mapping sets, event settings, pending and failed jobs, sync records and backfill/sweep progress into PostgreSQL in one transaction. Stop the receiver first.`);
    return 0;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const from = typeof parsed.values.from === 'string' ? parsed.values.from : undefined;
  const url = process.env.DATABASE_URL;
  if (!from || !url) {
    process.stderr.write(`${!from ? '--from is required' : 'DATABASE_URL is not set'}.\nUsage: pretix-hubspot ${STORE_MIGRATE_USAGE}\n`);
    return 2;
  }
  if (!existsSync(from)) {
    process.stderr.write(`No data file at ${from}.\n`);
    return 2;
  }
  const { createPostgresPool } = await import('../store/postgres/pool');
  const { importLowdbFile, ImportRefusedError } = await import('../store/postgres/import-lowdb');
  const { DataFileLockedError } = await import('../store/data-file-lock');
  const pool = createPostgresPool(url, { max: 2 });
  try {
    const counts = await importLowdbFile(from, pool);
    out(`Copied into PostgreSQL: ${Object.entries(counts).map(([what, n]) => `${n} ${what}`).join(', ')}.`);
    return 0;
  } catch (error) {
    if (error instanceof ImportRefusedError || error instanceof DataFileLockedError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await pool.end();
  }
}

async function main(argv: string[]): Promise<number> {
  const global = parseArgs({ args: argv, options: { receiver: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true });
  const receiverIndex = argv.indexOf('--receiver');
  const args = receiverIndex >= 0 ? [...argv.slice(0, receiverIndex), ...argv.slice(receiverIndex + 2)] : argv;
  if (args[0] === 'store' && args[1] === 'migrate') return storeMigrate(args.slice(2));
  const found = findCommand(args);
  if (!found) {
    if (global.values.help || args.length === 0) {
      out(generalHelp());
      return 0;
    }
    process.stderr.write(`Unknown command: ${args.join(' ')}\n\n${generalHelp()}\n`);
    return 2;
  }
  const { command, rest } = found;
  let parsed;
  try {
    parsed = parseCommandArgs(command, rest);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nUsage: pretix-hubspot ${command.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    out(commandHelp(command));
    return 0;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  let secrets;
  try {
    secrets = createSecretBox(await readSecretKey(config));
  } catch (error) {
    if (!(error instanceof SecretKeyError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const receiver = typeof global.values.receiver === 'string' ? global.values.receiver : `http://${host}:${config.port}`;
  const client = createAdminClient(receiver, adminTokenFor(secrets));
  try {
    await command.run(client, parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, out);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nUsage: pretix-hubspot ${command.usage}\n`);
      return 2;
    }
    if (error instanceof AdminApiError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
