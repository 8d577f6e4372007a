// The development key file beside the data file: a damaged one stops the start, naming the file and the problem,
// and is never replaced (tokens sealed with it would be lost). A truncated key used to be accepted.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../receiver/config';
import { keyFileProblem, readSecretKey, resolveSecretKey, SecretKeyError } from '../../receiver/secret-key';
import { tempDir } from '../helpers/temp-dir';

describe('secret.key', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let keyFile: string;
  let config: ReturnType<typeof loadConfig>;

  beforeEach(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'data'));
    keyFile = join(dir.path, 'data', 'secret.key');
    config = loadConfig({ DATA_FILE: join(dir.path, 'data', 'state.json') });
  });
  afterEach(() => dir.remove());

  const refusal = async () => {
    const error = await resolveSecretKey(config).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretKeyError);
    return (error as SecretKeyError).message;
  };

  it('generates a key when there is none, and reads the same key back afterwards', async () => {
    const generated = await resolveSecretKey(config);
    expect(generated.source).toBe('generated');
    expect(keyFileProblem(generated.key)).toBeNull();
    expect(((await stat(keyFile)).mode & 0o777).toString(8)).toBe('600');
    const again = await resolveSecretKey(config);
    expect(again).toEqual({ key: generated.key, source: 'file', file: keyFile });
  });

  it('accepts a base64 key as `openssl rand -base64 32` writes it', async () => {
    const key = randomBytes(32).toString('base64');
    await writeFile(keyFile, `${key}\n`);
    expect((await resolveSecretKey(config)).key).toBe(key);
  });

  it.each([
    ['truncated', randomBytes(32).toString('base64url').slice(0, 30), /too short: 22 bytes, at least 32/],
    ['one character short', randomBytes(32).toString('base64url').slice(0, 42), /too short: 31 bytes/],
    ['empty', '', /the file is empty/],
    ['not base64', `${randomBytes(32).toString('hex')}!!`, /not a base64 or base64url key/],
    ['two keys on two lines', `${randomBytes(32).toString('base64url')}\n${randomBytes(32).toString('base64url')}`, /not a base64 or base64url key/],
  ])('refuses a key file that is %s, naming it, and leaves it as it was', async (_what, content, problem) => {
    await writeFile(keyFile, content, { mode: 0o600 });
    const message = await refusal();
    expect(message).toContain(keyFile);
    expect(message).toMatch(problem);
    expect(await readFile(keyFile, 'utf8')).toBe(content);
  });

  it('refuses a key file it cannot read, naming it', async () => {
    await mkdir(keyFile); // root reads any mode; a directory in the key's place cannot be read as a file by anyone
    const message = await refusal();
    expect(message).toContain(keyFile);
    expect(message).toMatch(/cannot be read \(EISDIR\)/);
    expect((await stat(keyFile)).isDirectory()).toBe(true);
  });

  it('SECRET_KEY in the environment wins; the file is not even read', async () => {
    await writeFile(keyFile, 'short');
    const fromEnv = loadConfig({ DATA_FILE: config.dataFile, SECRET_KEY: 'x'.repeat(32) });
    expect(await resolveSecretKey(fromEnv)).toEqual({ key: 'x'.repeat(32), source: 'environment' });
  });

  it('the CLI reads the key but never creates one', async () => {
    await expect(readSecretKey(config)).rejects.toThrow(/secret\.key: does not exist and SECRET_KEY is not set/);
    await expect(stat(keyFile)).rejects.toThrow(/ENOENT/);
    await writeFile(keyFile, 'tooshort');
    await expect(readSecretKey(config)).rejects.toThrow(/too short/);
  });
});
