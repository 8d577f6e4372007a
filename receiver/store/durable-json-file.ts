// A lowdb adapter that survives a crash at any moment: write a temp file, fsync it, rename it over the old one,
// fsync the directory.
// lowdb's own JSONFile (steno) renames but does not fsync, so a power loss could leave an empty file.
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { fsyncDirectory } from './fsync-directory';

export class DurableJsonFile<T> implements Adapter<T> {
  private readonly tempFile: string;

  constructor(private readonly file: string) {
    this.tempFile = join(dirname(file), `.${basename(file)}.tmp`);
  }

  async read(): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async write(data: T): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    // 0600: the file holds encrypted tokens and connection metadata that are nobody else's business.
    const handle = await open(this.tempFile, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.tempFile, this.file);
    await fsyncDirectory(dirname(this.file));
  }
}
