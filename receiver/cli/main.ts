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

async function main(argv: string[]): Promise<number> {
  const global = parseArgs({ args: argv, options: { receiver: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true });
  const receiverIndex = argv.indexOf('--receiver');
  const args = receiverIndex >= 0 ? [...argv.slice(0, receiverIndex), ...argv.slice(receiverIndex + 2)] : argv;
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
