// Loads the shared pretix fixtures (../shared/fixtures/pretix beside the repository).
// The directory is found from this file's location, not the working directory, because CI clones the repository
// under another name and may run vitest from anywhere; PRETIX_FIXTURES_DIR overrides it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function fixturesDir(): string {
  return process.env.PRETIX_FIXTURES_DIR ?? path.resolve(repoRoot, '../shared/fixtures/pretix');
}

// Parsed once per process and path; callers always get their own copy so that a test mutating a fixture cannot leak
// into another test.
const cache = new Map<string, unknown>();

/** `name` with or without `.json`, e.g. `order-paid` or `order-paid.json`. Returns a deep copy. */
export function loadFixture<T = unknown>(name: string): T {
  const file = path.join(fixturesDir(), name.endsWith('.json') ? name : `${name}.json`);
  let parsed = cache.get(file);
  if (parsed === undefined) {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    cache.set(file, parsed);
  }
  return structuredClone(parsed) as T;
}
