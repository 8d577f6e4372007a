// SECRET_KEY from the configuration, or in development a generated one kept beside the data file (mode 0600),
// so that `npm start` works on a fresh machine and stored tokens stay readable across restarts.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from './config';

export interface ResolvedSecretKey {
  key: string;
  source: 'environment' | 'generated' | 'file';
  file?: string;
}

export function secretKeyFileFor(dataFile: string): string {
  return join(dirname(dataFile), 'secret.key');
}

export async function resolveSecretKey(config: Config): Promise<ResolvedSecretKey> {
  if (config.secretKey) return { key: config.secretKey, source: 'environment' };
  const file = secretKeyFileFor(config.dataFile);
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key.length >= 32) return { key, source: 'file', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  // 'wx': never overwrite a key another process created meanwhile; tokens sealed with it would be lost.
  try {
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, source: 'generated', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: (await readFile(file, 'utf8')).trim(), source: 'file', file };
    throw error;
  }
}
