// Every file in the receiver's data directory, for "this changed nothing stored" assertions.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Stack } from './stack';

export async function dataSnapshot(stack: Stack): Promise<Record<string, string>> {
  await stack.store.flush();
  return directorySnapshot(dirname(stack.dataFile));
}

/** Name → content of every file in `dir` (none if it does not exist). */
export async function directorySnapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const name of names.sort()) {
    try {
      files[name] = await readFile(join(dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
    }
  }
  return files;
}
