// SECRET_KEY from the configuration, or in development a generated one kept beside the data file (mode 0600),
// so that `npm start` works on a fresh machine and stored tokens stay readable across restarts.
// A key file that exists is used as it is or refused: never replaced, since every token sealed with it would be lost,
// and never used when damaged (a truncated key starts a receiver that cannot open its own tokens or webhook URLs).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from './config';
import { fsyncDirectory } from './store/fsync-directory';

export interface ResolvedSecretKey {
  key: string;
  source: 'environment' | 'generated' | 'file';
  file?: string;
}

/** What a generated key holds; a key file must hold at least this much. */
const KEY_BYTES = 32;

export class SecretKeyError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    advice = 'The receiver does not start with it and does not replace it: tokens stored with the old key would become ' +
      'unreadable. Restore the file from a backup, or set SECRET_KEY to the key it held.',
  ) {
    super(`${file}: ${problem}. ${advice}`);
    this.name = 'SecretKeyError';
  }
}

export function secretKeyFileFor(dataFile: string): string {
  return join(dirname(dataFile), 'secret.key');
}

/** The problem with a key file's text, or null if it is a usable key: base64 or base64url of at least 32 bytes. */
export function keyFileProblem(text: string): string | null {
  const key = text.trim();
  if (key === '') return 'the file is empty';
  const body = key.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]+$/.test(body) && !/^[A-Za-z0-9_-]+$/.test(body)) return 'not a base64 or base64url key (unexpected characters)';
  if (body.length % 4 === 1) return 'not a base64 or base64url key (impossible length)';
  const bytes = Math.floor((body.length * 3) / 4);
  if (bytes < KEY_BYTES) return `too short: ${bytes} bytes, at least ${KEY_BYTES} required (was it truncated?)`;
  return null;
}

async function readKeyFile(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new SecretKeyError(file, `cannot be read (${code ?? (error as Error).message})`);
  }
  const problem = keyFileProblem(text);
  if (problem) throw new SecretKeyError(file, problem);
  return text.trim();
}

/** The key from the environment or the key file, null if there is no key yet; a damaged key file throws. */
export async function existingSecretKey(config: Config): Promise<ResolvedSecretKey | null> {
  if (config.secretKey) return { key: config.secretKey, source: 'environment' };
  const file = secretKeyFileFor(config.dataFile);
  const existing = await readKeyFile(file);
  return existing === null ? null : { key: existing, source: 'file', file };
}

/** The key for the receiver: from the environment, the key file, or (no file yet) a new key written to it. */
export async function resolveSecretKey(config: Config): Promise<ResolvedSecretKey> {
  const existing = await existingSecretKey(config);
  if (existing) return existing;
  const file = secretKeyFileFor(config.dataFile);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES).toString('base64url');
  let handle;
  try {
    // 'wx': never overwrite a key file, whatever created it meanwhile.
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: (await readKeyFile(file))!, source: 'file', file };
  }
  try {
    await handle.writeFile(`${key}\n`);
    await handle.sync(); // a power loss must not leave an empty key beside tokens already sealed with it
  } finally {
    await handle.close();
  }
  await fsyncDirectory(dirname(file));
  return { key, source: 'generated', file };
}

/** The key for a client of a running receiver (the CLI): read, never generated; a receiver writes it first. */
export async function readSecretKey(config: Config): Promise<string> {
  if (config.secretKey) return config.secretKey;
  const file = secretKeyFileFor(config.dataFile);
  const key = await readKeyFile(file);
  if (key === null) {
    throw new SecretKeyError(file, 'does not exist and SECRET_KEY is not set', 'Start the receiver once (npm start), or set SECRET_KEY.');
  }
  return key;
}
