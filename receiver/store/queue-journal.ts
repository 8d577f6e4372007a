// The write-ahead journal of webhook intake. Acknowledging a webhook must not wait for the whole state file to be
// rewritten (its size grows with the queue and the dedupe window); it appends one line here, fsync'd with every
// other acknowledgement waiting at that moment (group commit). The state file is written later as a checkpoint:
// each checkpoint starts a new journal segment, and segments older than the last durable checkpoint are deleted.
// On start, the segments the checkpoint does not cover are replayed (replay is idempotent: dedupe by notification);
// what counts as a torn append and what as damage is in journal-replay.ts.
// Progress that people watch (a backfill's page, a sweep's watermark) goes through the same journal: one small line
// per save instead of a rewrite of the whole state file, folded into the next checkpoint like the webhooks.
import { readdir, readFile, rm, open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DamagedStateError, keepDamaged, type RepairedDamage } from './damaged-state';
import { fsyncDirectory } from './fsync-directory';
import { GroupCommit } from './group-commit';
import { hasCompleteLine, journalHeaderLine, readSegments, type JournalEntry, type SegmentText } from './journal-replay';

export type { JournalEntry, ProgressEntry, WebhookEntry } from './journal-replay';

export interface JournalOpenOptions {
  /** The state file says every segment from `fromSegment` on starts with a header (see journal-replay.ts). */
  headersExpected?: boolean;
  /** Skip damaged lines (kept in `<segment>.damaged`) instead of refusing to start. */
  repair?: boolean;
}

export interface OpenedJournal {
  journal: QueueJournal;
  replay: JournalEntry[];
  segments: number[];
  /** What was skipped under `repair`; the caller must checkpoint, so that the damaged segments are deleted. */
  repaired: RepairedDamage[];
}

export class QueueJournal {
  private handle: FileHandle | null = null;
  /** Segment files that exist on disk (replayed ones and every one opened since). */
  private readonly written = new Set<number>();
  private pending: string[] = [];
  private readonly commits: GroupCommit;
  private segmentBytes = 0;
  /** Bytes in each open segment file that are known whole, to cut a failed append back to. */
  private readonly fileBytes = new WeakMap<FileHandle, number>();
  private segmentOpenedAt = Date.now();

  private constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private segment: number,
  ) {
    this.commits = new GroupCommit(() => this.flushPending());
  }

  private fileFor(segment: number): string {
    return join(this.dir, `${this.prefix}.journal.${segment}.jsonl`);
  }

  /**
   * Opens the journal for `dataFile` and returns the entries of segments >= `fromSegment` for replay. Damage in them
   * throws DamagedStateError before anything is written, unless `repair` is set.
   */
  static async open(dataFile: string, fromSegment: number, options: JournalOpenOptions = {}): Promise<OpenedJournal> {
    return (await QueueJournal.read(dataFile, fromSegment, options)).start();
  }

  /**
   * The first half of open(): reads and checks the segments and writes nothing, so that the caller can check its other
   * files too before any of them is changed. Damage throws DamagedStateError unless `repair` is set.
   */
  static async read(dataFile: string, fromSegment: number, options: JournalOpenOptions = {}): Promise<{ start: () => Promise<OpenedJournal> }> {
    const dir = dirname(dataFile);
    const prefix = basename(dataFile);
    const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.journal\\.(\\d+)\\.jsonl$`);
    const segments = (await readdir(dir).catch(() => [] as string[]))
      .map((name) => Number(pattern.exec(name)?.[1] ?? NaN))
      .filter((n) => Number.isInteger(n))
      .sort((a, b) => a - b);
    const fileFor = (segment: number) => join(dir, `${prefix}.journal.${segment}.jsonl`);
    const last = Math.max(fromSegment, ...segments);
    const texts: SegmentText[] = [];
    // With headers, every number from the checkpoint's segment to the newest must be there (they are made one by one).
    const expected = options.headersExpected && fromSegment > 0
      ? Array.from({ length: last - fromSegment + 1 }, (_, i) => fromSegment + i)
      : segments.filter((n) => n >= fromSegment);
    for (const segment of expected) {
      const text = segments.includes(segment) ? await readFile(fileFor(segment), 'utf8') : null;
      texts.push({ segment, file: fileFor(segment), text });
    }
    const { entries, damages } = readSegments(texts, { headersExpected: options.headersExpected ?? false, fromSegment });
    if (damages.length > 0 && !options.repair) throw new DamagedStateError(damages, true);

    const start = async (): Promise<OpenedJournal> => {
      const repaired = await keepDamaged(damages);
      // The newest segment's creation cut short by a crash (no whole line, so nothing acknowledged): removed, or the
      // next start would find it empty behind a newer one and take it for an emptied segment.
      const newest = texts.filter((t) => t.text !== null).at(-1);
      if (newest && newest.segment > fromSegment && !hasCompleteLine(newest.text)) {
        await rm(newest.file, { force: true });
        segments.splice(segments.indexOf(newest.segment), 1);
      }
      const next = Math.max(fromSegment, ...segments, 0) + 1;
      const journal = new QueueJournal(dir, prefix, next);
      segments.forEach((n) => journal.written.add(n));
      await journal.openSegment();
      return { journal, replay: entries, segments, repaired };
    };
    return { start };
  }

  /** Creates a segment with its header line on disk, and its directory entry durable. */
  private async createSegment(segment: number): Promise<FileHandle> {
    const handle = await open(this.fileFor(segment), 'a', 0o600);
    this.fileBytes.set(handle, 0);
    try {
      await this.appendWhole(handle, journalHeaderLine(segment));
    } catch (error) {
      await handle.close();
      throw error;
    }
    await fsyncDirectory(this.dir); // the new segment must outlive a power loss before anything relies on it
    return handle;
  }

  private async openSegment(): Promise<void> {
    this.handle = await this.createSegment(this.segment);
    this.written.add(this.segment);
  }

  /** Resolves once the entry is on disk. */
  append(entry: JournalEntry): Promise<void> {
    this.pending.push(`${JSON.stringify(entry)}\n`);
    return this.commits.commit();
  }

  /**
   * Whether enough has piled up in the current segment that a checkpoint is due. Checkpoints rewrite the whole state
   * file on the event loop, so they are kept rare under a webhook burst; replaying 16 MB of journal at start takes
   * a fraction of a second.
   */
  checkpointDue(maxBytes = 16 * 1024 * 1024, maxAgeMs = 30_000): boolean {
    return this.segmentBytes > maxBytes || (this.segmentBytes > 0 && Date.now() - this.segmentOpenedAt > maxAgeMs);
  }

  /**
   * Starts a new segment and returns its number. Call it right before taking the checkpoint's snapshot: every
   * entry in older segments is then in the snapshot, and entries after it land in the new segment.
   */
  async rotate(): Promise<number> {
    const next = this.segment + 1;
    const handle = await this.createSegment(next);
    this.written.add(next);
    // The swap is synchronous: an entry is in the old segment only if its state change came before it.
    const old = this.handle;
    this.handle = handle;
    this.segment = next;
    this.segmentBytes = 0;
    this.segmentOpenedAt = Date.now();
    // The write under way (if any) is the only one that took the old handle; later ones take the new one. Not
    // flush(): under a steady stream of webhooks it would wait for every later write too and never return.
    await this.commits.current();
    await old?.close();
    return next;
  }

  /** After a checkpoint that covers everything before `segment` is durable. */
  async deleteBefore(segment: number): Promise<void> {
    const obsolete = [...this.written].filter((n) => n < segment);
    await Promise.all(obsolete.map((n) => rm(this.fileFor(n), { force: true })));
    obsolete.forEach((n) => this.written.delete(n));
  }


  flush(): Promise<void> {
    return this.commits.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = null;
  }

  private async flushPending(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0 || !this.handle) return;
    const chunk = lines.join('');
    // The handle may be swapped by rotate() meanwhile; this write goes to the segment that was current.
    await this.appendWhole(this.handle, chunk);
    this.segmentBytes += Buffer.byteLength(chunk);
  }

  /**
   * Appends whole lines and fsyncs them, or fails having cut the file back to where it was. A short write (the disk
   * filled up mid-chunk) must neither be acknowledged nor leave half a line that the next append would be glued to:
   * the lines of that next, acknowledged, append would be lost with it at replay.
   */
  private async appendWhole(handle: FileHandle, text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    const before = this.fileBytes.get(handle);
    if (before === undefined) throw new Error('the journal segment could not be repaired after a failed append; waiting for the next checkpoint to start a new one');
    try {
      const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
      if (bytesWritten !== bytes.length) throw new Error(`journal append cut short: ${bytesWritten} of ${bytes.length} bytes written (is the disk full?)`);
      // fdatasync: the appended bytes and the new file size, which is all a replay needs (no mtime flush).
      await handle.datasync();
    } catch (error) {
      // If even the cut fails, the file's end is unknown: no later append may go after it (until rotate() moves on).
      await handle.truncate(before).catch(() => this.fileBytes.delete(handle));
      throw error;
    }
    this.fileBytes.set(handle, before + bytes.length);
  }
}
