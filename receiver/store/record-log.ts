// Sync records (one per order) in an append-only JSON-lines log instead of a JSON document: a backfill of
// 100,000 orders must not rewrite a 30 MB file after every batch, nor keep every record parsed in memory.
// In memory stay only small indexes (key → byte range, email → keys); a record is read back from the file when
// asked for. Appends are group-committed and fsync'd; the log is compacted when dead lines outweigh live ones.
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { DamagedStateError, issueText, keepDamaged, type Damage, type RepairedDamage } from './damaged-state';
import { fsyncDirectorySync } from './fsync-directory';
import { GroupCommit } from './group-commit';
import { recordLogLineSchema } from './state-schema';
import type { SyncRecord } from './types';

interface Location {
  offset: number;
  length: number;
  portalId: string;
  connectionId: string;
}

type LogLine = SyncRecord | { key: string; deleted: true };

const COMPACT_MIN_BYTES = 8 * 1024 * 1024;

function parseLogLine(line: string): { ok: true; value: LogLine } | { ok: false; reason: string } {
  if (line.trim() === '') return { ok: false, reason: 'an empty line' };
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const parsed = recordLogLineSchema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `not a sync record (${issueText(parsed.error)})` };
}

export class RecordLog {
  private readonly locations = new Map<string, Location>();
  /** email → record keys. An array, not a Set: most emails belong to one or two orders. */
  private readonly byEmail = new Map<string, string[]>();
  private pending: LogLine[] = [];
  private readonly commits: GroupCommit;
  private fd = -1;
  private size = 0;
  private liveBytes = 0;
  /** A deletion asked for the dead lines to leave the disk with the next write, not at the next compaction. */
  private purgeRequested = false;
  /** What `repair` skipped while loading. */
  repaired: RepairedDamage[] = [];

  private constructor(
    private readonly file: string,
    private readonly compactMinBytes: number,
  ) {
    this.commits = new GroupCommit(() => this.writePending());
  }

  /**
   * Opens the log. A damaged line (one that ends in a newline but is not a record) throws DamagedStateError before the
   * file is changed, unless `repair` is set: then it is kept in `<file>.damaged` and the log is rewritten without it.
   */
  static async open(file: string, options: { compactMinBytes?: number; repair?: boolean } = {}): Promise<RecordLog> {
    const log = new RecordLog(file, options.compactMinBytes ?? COMPACT_MIN_BYTES);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Create with 0600 before anything is written: the records name people's email addresses.
    const handle: FileHandle = await open(file, constants.O_CREAT | constants.O_RDWR | constants.O_APPEND, 0o600);
    await handle.close();
    // Positional reads work on an append descriptor, so one descriptor serves loading, reading and appending.
    log.fd = openSync(file, constants.O_RDWR | constants.O_APPEND);
    try {
      await log.load(options.repair ?? false);
    } catch (error) {
      closeSync(log.fd);
      throw error;
    }
    return log;
  }

  private async load(repair: boolean): Promise<void> {
    const size = fstatSync(this.fd).size;
    const damages: Damage[] = [];
    let torn: { offset: number; text: string } | null = null;
    let offset = 0;
    let lineNumber = 0;
    const lines = createInterface({ input: createReadStream(this.file), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNumber += 1;
      const length = Buffer.byteLength(line) + 1;
      // Every append writes whole lines ending in "\n" and is acknowledged after its fsync: bytes after the last
      // newline are an append the process died in (torn), never acknowledged; a whole line that is not a record is damage.
      const terminated = offset + length <= size;
      const parsed = parseLogLine(line);
      if (parsed.ok) this.index(parsed.value, offset, length);
      else if (!terminated) torn = { offset, text: line };
      else damages.push({ file: this.file, lines: [lineNumber], reason: parsed.reason, skipped: [line] });
      offset += length;
    }
    if (damages.length > 0 && !repair) throw new DamagedStateError(damages, true);
    if (torn) {
      // Cut off, so that the next append starts on a line of its own.
      ftruncateSync(this.fd, torn.offset);
      fsyncSync(this.fd);
      this.size = torn.offset;
    } else {
      // A whole record without its newline (the append died between the two): end it, or the next append joins it.
      const last = Buffer.alloc(1);
      if (size > 0 && readSync(this.fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) {
        writeSync(this.fd, '\n');
        fsyncSync(this.fd);
        this.size = size + 1;
      } else {
        this.size = size;
      }
    }
    if (damages.length > 0) {
      this.repaired = await keepDamaged(damages);
      this.compact(); // the log without the damaged lines, so the next start does not stop on them again
    }
  }

  private index(line: LogLine, offset: number, length: number): void {
    const previous = this.locations.get(line.key);
    if (previous) {
      this.liveBytes -= previous.length;
      this.unindexEmails(line.key, this.readAt(previous)?.emails ?? []);
      this.locations.delete(line.key);
    }
    if ('deleted' in line) return;
    this.locations.set(line.key, { offset, length, portalId: line.portalId, connectionId: line.connectionId });
    this.liveBytes += length;
    for (const email of line.emails) {
      const keys = this.byEmail.get(email);
      if (!keys) this.byEmail.set(email, [line.key]);
      else if (!keys.includes(line.key)) keys.push(line.key);
    }
  }

  private unindexEmails(key: string, emails: string[]): void {
    for (const email of emails) {
      const keys = this.byEmail.get(email)?.filter((k) => k !== key);
      if (!keys || keys.length === 0) this.byEmail.delete(email);
      else this.byEmail.set(email, keys);
    }
  }

  private readAt(location: Location): SyncRecord | undefined {
    const buffer = Buffer.alloc(location.length);
    readSync(this.fd, buffer, 0, location.length, location.offset);
    try {
      return JSON.parse(buffer.toString('utf8')) as SyncRecord;
    } catch {
      return undefined;
    }
  }

  get(key: string): SyncRecord | undefined {
    const location = this.locations.get(key);
    if (location) return this.readAt(location);
    // Not yet on disk: still waiting for its commit.
    for (let i = this.pending.length - 1; i >= 0; i -= 1) {
      const line = this.pending[i]!;
      if (line.key === key) return 'deleted' in line ? undefined : line;
    }
    return undefined;
  }

  findByEmails(portalId: string, emails: string[]): SyncRecord[] {
    const keys = new Set<string>();
    for (const email of emails) for (const key of this.byEmail.get(email.toLowerCase()) ?? []) keys.add(key);
    return [...keys]
      .filter((key) => this.locations.get(key)?.portalId === portalId)
      .map((key) => this.get(key))
      .filter((record): record is SyncRecord => record !== undefined);
  }

  /** Every record of a portal that `matches`: a scan that reads them from disk, for rare requests only. */
  findInPortal(portalId: string, matches: (record: SyncRecord) => boolean): SyncRecord[] {
    const found: SyncRecord[] = [];
    for (const [key, location] of this.locations) {
      if (location.portalId !== portalId) continue;
      const record = this.get(key);
      if (record && matches(record)) found.push(record);
    }
    return found;
  }

  keysOfConnection(connectionId: string): string[] {
    return [...this.locations].filter(([, location]) => location.connectionId === connectionId).map(([key]) => key);
  }

  /** Bytes in the log file, live and dead (for tests and status). */
  get fileBytes(): number {
    return this.size;
  }

  get count(): number {
    return this.locations.size;
  }

  put(records: SyncRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    this.pending.push(...records);
    return this.commits.commit();
  }

  delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    this.pending.push(...keys.map((key) => ({ key, deleted: true as const })));
    return this.commits.commit();
  }

  /**
   * Deletes some records and replaces others, then compacts the file right after that write, so that what they
   * held before (emails, identifiers) is gone from the disk once this resolves, not just superseded.
   */
  purge(deleteKeys: string[], replacements: SyncRecord[] = []): Promise<void> {
    if (deleteKeys.length === 0 && replacements.length === 0) return Promise.resolve();
    this.pending.push(...replacements, ...deleteKeys.map((key) => ({ key, deleted: true as const })));
    // writePending runs without awaiting, so the flag is consumed by the very write that carries these lines.
    this.purgeRequested = true;
    return this.commits.commit();
  }

  flush(): Promise<void> {
    return this.commits.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private async writePending(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0) return;
    const texts = lines.map((line) => `${JSON.stringify(line)}\n`);
    const chunk = Buffer.from(texts.join(''), 'utf8');
    try {
      const written = writeSync(this.fd, chunk);
      if (written !== chunk.length) throw new Error(`sync record append cut short: ${written} of ${chunk.length} bytes written (is the disk full?)`);
      fsyncSync(this.fd);
    } catch (error) {
      // Back to the last whole line, so the next append does not start inside a half one (see queue-journal.ts).
      ftruncateSync(this.fd, this.size);
      throw error;
    }
    let offset = this.size;
    lines.forEach((line, i) => {
      const length = Buffer.byteLength(texts[i]!);
      this.index(line, offset, length);
      offset += length;
    });
    this.size = offset;
    if (this.purgeRequested || (this.size > this.compactMinBytes && this.size > 2 * this.liveBytes)) {
      this.purgeRequested = false;
      this.compact();
    }
  }

  /** Rewrites only the live records, then swaps the file in atomically. */
  private compact(): void {
    const temp = `${this.file}.compact`;
    const out = openSync(temp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY, 0o600);
    const moved: [string, Location][] = [];
    let offset = 0;
    for (const [key, location] of this.locations) {
      const buffer = Buffer.alloc(location.length);
      readSync(this.fd, buffer, 0, location.length, location.offset);
      writeSync(out, buffer);
      moved.push([key, { ...location, offset }]);
      offset += location.length;
    }
    fsyncSync(out);
    closeSync(out);
    renameSync(temp, this.file);
    fsyncDirectorySync(dirname(this.file));
    closeSync(this.fd);
    this.fd = openSync(this.file, constants.O_RDWR | constants.O_APPEND);
    for (const [key, location] of moved) this.locations.set(key, location);
    this.size = offset;
    this.liveBytes = offset;
  }
}
