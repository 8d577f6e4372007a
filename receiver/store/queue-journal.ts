// The write-ahead journal of webhook intake. Acknowledging a webhook must not wait for the whole state file to be
// rewritten (its size grows with the queue and the dedupe window); it appends one line here, fsync'd with every
// other acknowledgement waiting at that moment (group commit). The state file is written later as a checkpoint:
// each checkpoint starts a new journal segment, and segments older than the last durable checkpoint are deleted.
// On start, the segments the checkpoint does not cover are replayed (replay is idempotent: dedupe by notification).
// Progress that people watch (a backfill's page, a sweep's watermark) goes through the same journal: one small line
// per save instead of a rewrite of the whole state file, folded into the next checkpoint like the webhooks.
import { readdir, readFile, rm, open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory } from './fsync-directory';
import { GroupCommit } from './group-commit';
import type { BackfillState, JobTrigger, SweepState } from './types';

/** An acknowledged webhook (lines without `kind` are these: the journal's original shape). */
export interface WebhookEntry {
  kind?: 'webhook';
  notificationKey: string;
  trigger: JobTrigger;
  at: number;
}

/** The latest state of a backfill or sweep; replay keeps the last one per event. */
export type ProgressEntry = { kind: 'backfill'; state: BackfillState } | { kind: 'sweep'; state: SweepState };

export type JournalEntry = WebhookEntry | ProgressEntry;

export class QueueJournal {
  private handle: FileHandle | null = null;
  /** Segment files that exist on disk (replayed ones and every one opened since). */
  private readonly written = new Set<number>();
  private pending: string[] = [];
  private readonly commits: GroupCommit;
  private segmentBytes = 0;
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

  /** Opens the journal for `dataFile` and returns the entries of segments >= `fromSegment` for replay. */
  static async open(dataFile: string, fromSegment: number): Promise<{ journal: QueueJournal; replay: JournalEntry[]; segments: number[] }> {
    const dir = dirname(dataFile);
    const prefix = basename(dataFile);
    const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.journal\\.(\\d+)\\.jsonl$`);
    const segments = (await readdir(dir).catch(() => [] as string[]))
      .map((name) => Number(pattern.exec(name)?.[1] ?? NaN))
      .filter((n) => Number.isInteger(n))
      .sort((a, b) => a - b);
    const replay: JournalEntry[] = [];
    for (const segment of segments.filter((n) => n >= fromSegment)) {
      const text = await readFile(join(dir, `${prefix}.journal.${segment}.jsonl`), 'utf8');
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        try {
          replay.push(JSON.parse(line) as JournalEntry);
        } catch {
          // A torn last line: that append never completed its fsync, so it was never acknowledged.
        }
      }
    }
    const next = Math.max(fromSegment, ...segments, 0) + 1;
    const journal = new QueueJournal(dir, prefix, next);
    segments.forEach((n) => journal.written.add(n));
    await journal.openSegment();
    return { journal, replay, segments };
  }

  private async openSegment(): Promise<void> {
    this.handle = await open(this.fileFor(this.segment), 'a', 0o600);
    await fsyncDirectory(this.dir);
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
    const handle = await open(this.fileFor(next), 'a', 0o600);
    await fsyncDirectory(this.dir); // the new segment must outlive a power loss before anything relies on it
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
    const handle = this.handle;
    await handle.write(chunk);
    // fdatasync: the appended bytes and the new file size, which is all a replay needs (no mtime flush).
    await handle.datasync();
    this.segmentBytes += Buffer.byteLength(chunk);
  }
}
