// The webhook intake journal on its own: group-committed appends, segments, replay, torn and damaged lines.
import { appendFile, open, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DamagedStateError } from '../../receiver/store/damaged-state';
import { QueueJournal, type JournalEntry, type WebhookEntry } from '../../receiver/store/queue-journal';
import { tempDir } from '../helpers/temp-dir';

const entry = (id: number, code = `C${id}`): WebhookEntry => ({
  notificationKey: `c1:${id}`,
  trigger: { portalId: '42', connectionId: 'c1', event: 'democon', code, action: 'pretix.event.order.placed' },
  at: 1000 + id,
});
const header = (n: number) => `#journal ${JSON.stringify({ version: 1, segment: n })}\n`;
const line = (e: JournalEntry) => `${JSON.stringify(e)}\n`;
/** The notification keys of the replayed webhooks, and what else was replayed by its kind. */
const keys = (replay: JournalEntry[]) => replay.map((e) => ('notificationKey' in e ? e.notificationKey : e.kind));

describe('queue journal', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let dataFile: string;
  const journals: QueueJournal[] = [];

  beforeEach(async () => {
    dir = await tempDir();
    dataFile = join(dir.path, 'db.json');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const journal of journals.splice(0)) await journal.close();
    await dir.remove();
  });

  const segmentFile = (n: number) => join(dir.path, `db.json.journal.${n}.jsonl`);
  const segments = async () =>
    (await readdir(dir.path))
      .map((name) => /^db\.json\.journal\.(\d+)\.jsonl$/.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  async function openJournal(from = 0, options: Parameters<typeof QueueJournal.open>[2] = {}) {
    const opened = await QueueJournal.open(dataFile, from, options);
    journals.push(opened.journal);
    return opened;
  }

  it('starts a fresh segment with its header, and an append is on disk when it resolves', async () => {
    const { journal, replay } = await openJournal();
    expect(replay).toEqual([]);
    expect(await segments()).toEqual([1]);
    await journal.append(entry(1));
    expect(await readFile(segmentFile(1), 'utf8')).toBe(`${header(1)}${line(entry(1))}`);
  });

  it('group commit: appends made while a write is under way share the next fsync', async () => {
    const { journal } = await openJournal();
    const probe = await open(join(dir.path, 'probe'), 'w');
    const datasync = vi.spyOn(Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }, 'datasync');
    await probe.close();
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.append(entry(i + 1))));
    // One write for the first append, one shared by the 99 that arrived while it ran.
    expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(datasync.mock.calls.length).toBeLessThanOrEqual(2);
    const text = await readFile(segmentFile(1), 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(101);
  });

  it('rotate starts the next segment (with its header); later appends land there; deleteBefore removes only older ones', async () => {
    const { journal } = await openJournal();
    await journal.append(entry(1));
    const next = await journal.rotate();
    expect(next).toBe(2);
    await journal.append(entry(2));
    expect(await readFile(segmentFile(1), 'utf8')).toBe(`${header(1)}${line(entry(1))}`);
    expect(await readFile(segmentFile(2), 'utf8')).toBe(`${header(2)}${line(entry(2))}`);
    await journal.deleteBefore(2);
    expect(await segments()).toEqual([2]);
  });

  it('replays the segments from the checkpoint on, in order, and opens a segment after the newest', async () => {
    await writeFile(segmentFile(3), `${header(3)}${line(entry(1))}`);
    await writeFile(segmentFile(4), `${header(4)}${line(entry(2))}`);
    await writeFile(segmentFile(5), `${header(5)}${line(entry(3))}${line(entry(4))}`);
    const { replay, journal } = await openJournal(4, { headersExpected: true });
    expect(keys(replay)).toEqual(['c1:2', 'c1:3', 'c1:4']);
    expect(await segments()).toEqual([3, 4, 5, 6]);
    await journal.deleteBefore(6); // everything it found is known to it, the one before the checkpoint too
    expect(await segments()).toEqual([6]);
  });

  it('a torn last line is not an error, in the newest segment or in an older one', async () => {
    await writeFile(segmentFile(1), `${header(1)}${line(entry(1))}{"notificationKey":"c1:2","tri`);
    await writeFile(segmentFile(2), `${header(2)}${line(entry(3))}{"notif`);
    const { replay } = await openJournal(1, { headersExpected: true });
    expect(keys(replay)).toEqual(['c1:1', 'c1:3']);
  });

  it('a whole last entry that only lacks its newline is replayed (harmless: replay dedupes)', async () => {
    await writeFile(segmentFile(1), `${header(1)}${line(entry(1)).trimEnd()}`);
    const { replay } = await openJournal(1, { headersExpected: true });
    expect(keys(replay)).toEqual(['c1:1']);
  });

  it('a damaged line is refused with file and line and nothing is written; repair keeps it in .damaged', async () => {
    const text = `${header(1)}${line(entry(1))}{"notificationKey":"c1:2","trigger":{}}\n${line(entry(3))}`;
    await writeFile(segmentFile(1), text);
    const error = await QueueJournal.open(dataFile, 1, { headersExpected: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DamagedStateError);
    expect((error as Error).message).toContain(`${segmentFile(1)} line 3: not a journal entry (trigger.portalId: `);
    expect(await segments()).toEqual([1]); // no new segment
    expect(await readFile(segmentFile(1), 'utf8')).toBe(text);

    const { replay, repaired } = await openJournal(1, { headersExpected: true, repair: true });
    expect(keys(replay)).toEqual(['c1:1', 'c1:3']);
    expect(repaired).toMatchObject([{ file: segmentFile(1), lines: [3], keptIn: `${segmentFile(1)}.damaged` }]);
    expect(await readFile(`${segmentFile(1)}.damaged`, 'utf8')).toBe('{"notificationKey":"c1:2","trigger":{}}\n');
  });

  it("backfill and sweep progress lines are checked like webhooks: a good one replays, a wrong-shaped one is damage", async () => {
    const backfill = { connectionId: 'c1', event: 'democon', state: 'running', mappingIds: null, nextPage: 3, total: 500, processed: 100, synced: 100, skipped: 0, failed: 0, startedAt: 'then', finishedAt: null, error: null };
    const sweep = { connectionId: 'c1', event: 'democon', watermark: null, lastSweepAt: null, lastFound: 0, lastEnqueued: 0, lastError: null };
    await writeFile(segmentFile(1), `${header(1)}${JSON.stringify({ kind: 'backfill', state: backfill })}\n${JSON.stringify({ kind: 'sweep', state: sweep })}\n${line(entry(1))}`);
    const { replay } = await openJournal(1, { headersExpected: true });
    expect(keys(replay)).toEqual(['backfill', 'sweep', 'c1:1']);
    await journals.pop()!.close();

    await writeFile(segmentFile(3), `${header(3)}${JSON.stringify({ kind: 'backfill', state: { ...backfill, nextPage: 'three' } })}\n`);
    const error = await QueueJournal.open(dataFile, 3, { headersExpected: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DamagedStateError);
    expect((error as Error).message).toContain(`${segmentFile(3)} line 2: not a journal entry`);
  });

  it('read() checks without writing; start() then opens the segment', async () => {
    await appendFile(segmentFile(1), `${header(1)}${line(entry(1))}`);
    const read = await QueueJournal.read(dataFile, 1, { headersExpected: true });
    expect(await segments()).toEqual([1]);
    const { journal, replay } = await read.start();
    journals.push(journal);
    expect(replay).toHaveLength(1);
    expect(await segments()).toEqual([1, 2]);
  });

  it('a checkpoint is due once the segment is big enough, or old enough and not empty', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { journal } = await openJournal();
      expect(journal.checkpointDue(100, 1_000)).toBe(false);
      vi.advanceTimersByTime(5_000);
      expect(journal.checkpointDue(100, 1_000)).toBe(false); // old but empty: nothing to checkpoint
      await journal.append(entry(1));
      expect(journal.checkpointDue(10_000, 1_000)).toBe(true); // old and not empty
      await journal.rotate();
      expect(journal.checkpointDue(10_000, 1_000)).toBe(false);
      await Promise.all([1, 2, 3].map((i) => journal.append(entry(i + 10))));
      expect(journal.checkpointDue(100, 60_000)).toBe(true); // big
    } finally {
      vi.useRealTimers();
    }
  });

  it('a short write (disk full mid-chunk) fails the append and leaves no half line for the next one to be glued to', async () => {
    const { journal } = await openJournal();
    const probe = await open(join(dir.path, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<{ bytesWritten: number }> };
    await probe.close();
    const realWrite = proto.write;
    vi.spyOn(proto, 'write').mockImplementationOnce(function (this: unknown, buffer: unknown, offset: unknown, length: unknown) {
      return realWrite.call(this, buffer, offset, Math.floor((length as number) / 2)); // what a filling disk does
    });
    await expect(journal.append(entry(1))).rejects.toThrow(/cut short/);
    await journal.append(entry(2)); // acknowledged: must survive replay
    expect(await readFile(segmentFile(1), 'utf8')).toBe(`${header(1)}${line(entry(2))}`);
    await journal.close();
    journals.pop();
    const { replay } = await openJournal(1, { headersExpected: true });
    expect(keys(replay)).toEqual(['c1:2']);
  });
});
