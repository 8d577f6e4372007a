// Damaged or newer state stops the start naming the file, the line and the reason, and changes nothing; damaged
// journal and sync-record lines are skipped only under repair, and kept in <file>.damaged. A torn last append is not
// damage. (Before: a data file holding [], null or 42 was accepted and overwritten, a wrong-shaped journal line
// stopped the start with a TypeError, unparsable lines and emptied segments were skipped without a word.)
import { appendFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DamagedStateError } from '../../receiver/store/damaged-state';
import { openLowdbStore, openLowdbStoreReporting, recordsFileFor } from '../../receiver/store/lowdb-store';
import type { JobTrigger, Store, SyncRecord } from '../../receiver/store/types';
import { directorySnapshot } from '../helpers/data-snapshot';
import { tempDir } from '../helpers/temp-dir';

const trigger = (code: string): JobTrigger => ({ portalId: '42', connectionId: 'c1', event: 'democon', code, action: 'pretix.event.order.placed' });
const record = (code: string): SyncRecord => ({
  key: `c1:democon:${code}`,
  portalId: '42',
  connectionId: 'c1',
  event: 'democon',
  code,
  emails: [`${code.toLowerCase()}@example.com`],
  status: 'synced',
  syncedAt: '2026-01-01T00:00:00.000Z',
  objects: [],
  associations: [],
  skipped: [],
});
const installation = { portalId: '9', status: 'active' as const, accessTokenSealed: null, refreshTokenSealed: null, accessTokenExpiresAt: 0, scopes: [], installedAt: '', updatedAt: '' };

describe('damaged state', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: string;
  let file: string;
  const open: Store[] = [];

  beforeEach(async () => {
    dir = await tempDir();
    dataDir = join(dir.path, 'data');
    await mkdir(dataDir);
    file = join(dataDir, 'db.json');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close().catch(() => undefined);
    await dir.remove();
  });

  const segmentFiles = async () => (await readdir(dataDir)).filter((name) => /\.journal\.\d+\.jsonl$/.test(name)).sort();
  const segmentFile = (n: number) => join(dataDir, `db.json.journal.${n}.jsonl`);

  /** Opening refuses: the DamagedStateError's message, and the directory byte for byte as it was. */
  async function refusal(): Promise<string> {
    const before = await directorySnapshot(dataDir);
    const error = await openLowdbStore(file).then(
      (store) => {
        open.push(store);
        return null;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DamagedStateError);
    expect(await directorySnapshot(dataDir)).toEqual(before);
    return (error as Error).message;
  }

  /** A store left as a crash leaves it: webhooks in the journal after a checkpoint, the process gone. */
  async function crashedWithWebhooks(codes: string[]): Promise<number> {
    const store = await openLowdbStore(file);
    await store.saveInstallation(installation); // a checkpoint: the state file names the journal segment in use
    for (const [i, code] of codes.entries()) await store.acceptWebhook(`c1:${i + 1}`, trigger(code), 1000 + i);
    await store.flush();
    return (JSON.parse(await readFile(file, 'utf8')) as { journalSegment: number }).journalSegment;
  }

  describe('the state file', () => {
    it.each([
      ['[]', /expected a JSON object, found an array/],
      ['null', /expected a JSON object, found null/],
      ['42', /expected a JSON object, found number/],
      ['{"jobs":"x"}', /schemaVersion is missing/],
      ['{"schemaVersion":1,"jobs":"x"}', /not a valid state file \(jobs: /],
      ['{"connections":null}', /schemaVersion is missing/],
      ['{"schemaVersion":1,"connections":null}', /not a valid state file \(connections: /],
      ['{"schemaVersion":1,"jobs":{"c1:democon:A":{"key":"c1:democon:A"}}}', /not a valid state file \(jobs\.c1:democon:A\.portalId: /],
      ['{"schemaVersion":1,"installations":{}', /not valid JSON/],
      ['', /the file is empty/],
      ['{"schemaVersion":"1"}', /schemaVersion is missing or not a version number \("1"\)/],
      ['{"schemaVersion":2,"jobs":{}}', /written by a newer version of the receiver \(schemaVersion 2; this one reads up to 1\)/],
    ])('%s: refused with the file and the reason, and left byte for byte', async (content, reason) => {
      await writeFile(file, content);
      const message = await refusal();
      expect(message).toContain(file);
      expect(message).toMatch(reason);
      expect(message).toMatch(/Restore the file from a backup/);
    });

    it('a version-1 file written before the newer collections opens, and keeps fields this version does not know', async () => {
      await writeFile(file, JSON.stringify({ schemaVersion: 1, installations: { '9': { ...installation, futureField: 'kept' } }, connections: {}, jobs: {} }));
      const store = await openLowdbStore(file);
      open.push(store);
      expect(await store.getInstallation('9')).toMatchObject({ portalId: '9' });
      expect(await store.listBackfills()).toEqual([]);
      await store.saveInstallation({ ...(await store.getInstallation('9'))!, updatedAt: 'now' });
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ schemaVersion: 1, installations: { '9': { futureField: 'kept', updatedAt: 'now' } } });
    });
  });

  describe('journal lines', () => {
    it('a torn last line (an append that never completed) is not an error; the entries before it are replayed', async () => {
      const segment = await crashedWithWebhooks(['AAAAA', 'BBBBB']);
      await appendFile(segmentFile(segment), '{"notificationKey":"c1:3","trigger":{"portalId":"42","conn');
      const store = await openLowdbStore(file);
      open.push(store);
      expect((await store.listJobs()).map((job) => job.code).sort()).toEqual(['AAAAA', 'BBBBB']);
    });

    const header = (n: number) => `#journal ${JSON.stringify({ version: 1, segment: n })}\n`;
    const entry = (id: number, code: string) => `${JSON.stringify({ notificationKey: `c1:${id}`, trigger: trigger(code), at: 1000 + id })}\n`;
    /** A journal as a crash leaves it: the state file's checkpoint covers segments before `from`. */
    async function journal(from: number, segments: Record<number, string>): Promise<void> {
      await writeFile(file, JSON.stringify({ schemaVersion: 1, journalSegment: from, journalHeaders: true }));
      for (const [n, text] of Object.entries(segments)) await writeFile(segmentFile(Number(n)), text);
    }

    it.each([
      ['a line of the wrong shape', '{"notificationKey":7,"at":1}', /line 3: not a journal entry \(notificationKey: /],
      ['a line without its trigger', '{"notificationKey":"c1:7","at":1}', /line 3: not a journal entry \(trigger: /],
      ['an unparsable middle line', '{"notificationKey":"c1:9",', /line 3: not valid JSON/],
    ])('%s: refused with file and line, started under repair with the line kept in .damaged', async (_what, bad, reason) => {
      // line 1 the header, line 2 AAAAA, line 3 the damage, line 4 BBBBB; then a newer segment with CCCCC.
      await journal(5, { 5: `${header(5)}${entry(1, 'AAAAA')}${bad}\n${entry(2, 'BBBBB')}`, 6: `${header(6)}${entry(3, 'CCCCC')}` });
      const message = await refusal();
      expect(message).toContain(`${segmentFile(5)} line 3`);
      expect(message).toMatch(reason);
      expect(message).toMatch(/--repair/);

      const { store, repaired } = await openLowdbStoreReporting(file, { repair: true });
      open.push(store);
      expect(repaired).toEqual([{ file: segmentFile(5), lines: [3], reason: expect.any(String) as string, keptIn: `${segmentFile(5)}.damaged` }]);
      expect(await readFile(`${segmentFile(5)}.damaged`, 'utf8')).toBe(`${bad}\n`);
      expect((await store.listJobs()).map((job) => job.code).sort()).toEqual(['AAAAA', 'BBBBB', 'CCCCC']);
      // The repair's checkpoint took the damaged segment away: the next start needs no repair.
      expect(await segmentFiles()).not.toContain('db.json.journal.5.jsonl');
      await store.close();
      open.pop();
      const again = await openLowdbStore(file);
      open.push(again);
      expect(await again.listJobs()).toHaveLength(3);
    });

    it('an emptied segment the state file expects: refused; under repair started without it', async () => {
      await journal(5, { 5: '', 6: `${header(6)}${entry(3, 'CCCCC')}` });
      const message = await refusal();
      expect(message).toContain(`${segmentFile(5)}: this journal segment was emptied`);
      const { store, repaired } = await openLowdbStoreReporting(file, { repair: true });
      open.push(store);
      expect(repaired).toMatchObject([{ file: segmentFile(5), lines: [], keptIn: null }]);
      expect((await store.listJobs()).map((job) => job.code)).toEqual(['CCCCC']);
    });

    it('the checkpoint segment emptied while it is the newest: refused (its header was on disk before the checkpoint)', async () => {
      await journal(5, { 5: '' });
      await expect(refusal()).resolves.toContain(`${segmentFile(5)}: this journal segment was emptied`);
    });

    it('a segment cut to a wrong first line: refused', async () => {
      await journal(5, { 5: `${entry(1, 'AAAAA')}`, 6: header(6) });
      await expect(refusal()).resolves.toContain(`${segmentFile(5)}: this journal segment lacks its header line`);
    });

    it('a deleted segment the state file expects: refused', async () => {
      await journal(5, { 6: `${header(6)}${entry(3, 'CCCCC')}` });
      await expect(refusal()).resolves.toContain(`${segmentFile(5)}: this journal segment is missing`);
    });

    it('the newest segment whose creation a crash cut short is not damage, and is removed', async () => {
      await journal(5, { 5: `${header(5)}${entry(1, 'AAAAA')}`, 6: '#journal {"version":1,"seg' });
      const store = await openLowdbStore(file);
      open.push(store);
      expect((await store.listJobs()).map((job) => job.code)).toEqual(['AAAAA']);
      expect(await segmentFiles()).not.toContain('db.json.journal.6.jsonl');
    });

    it('segments from before headers beside a state file never written (a crash before the first checkpoint) replay', async () => {
      await writeFile(segmentFile(1), '');
      await writeFile(segmentFile(2), entry(1, 'AAAAA'));
      const store = await openLowdbStore(file);
      open.push(store);
      expect((await store.listJobs()).map((job) => job.code)).toEqual(['AAAAA']);
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ journalHeaders: true }); // from its checkpoint on
    });

    it('a journal from before segment headers (no journalHeaders in the state file) replays as before', async () => {
      await writeFile(file, JSON.stringify({ schemaVersion: 1, journalSegment: 5 }));
      await writeFile(segmentFile(5), '');
      await writeFile(segmentFile(6), entry(1, 'AAAAA'));
      await writeFile(segmentFile(7), '');
      const store = await openLowdbStore(file);
      open.push(store);
      expect((await store.listJobs()).map((job) => job.code)).toEqual(['AAAAA']);
    });
  });

  describe('sync-record lines', () => {
    async function withRecords(extra: string): Promise<string> {
      const store = await openLowdbStore(file);
      await store.putSyncRecords([record('AAAAA'), record('BBBBB')]);
      await store.close();
      const records = recordsFileFor(file);
      await appendFile(records, extra);
      return records;
    }

    it.each([
      ['a line of the wrong shape', '{"key":"c1:democon:CCCCC","status":"synced"}\n', /line 3: not a sync record \(/],
      ['an unparsable middle line', '{"key":"c1:BROKEN\n', /line 3: not valid JSON/],
    ])('%s: refused with file and line, started under repair with the line kept in .damaged', async (_what, bad, reason) => {
      const records = await withRecords(bad);
      await appendFile(records, `${JSON.stringify(record('DDDDD'))}\n`);
      const message = await refusal();
      expect(message).toContain(`${records} line 3`);
      expect(message).toMatch(reason);

      const { store, repaired } = await openLowdbStoreReporting(file, { repair: true });
      open.push(store);
      expect(repaired).toMatchObject([{ file: records, lines: [3], keptIn: `${records}.damaged` }]);
      expect(await readFile(`${records}.damaged`, 'utf8')).toBe(bad);
      expect(await Promise.all(['AAAAA', 'BBBBB', 'DDDDD'].map(async (code) => (await store.getSyncRecord(`c1:democon:${code}`))?.code))).toEqual(['AAAAA', 'BBBBB', 'DDDDD']);
      expect(await readFile(records, 'utf8')).not.toContain(bad.trim());
    });

    it('many damaged lines make one short message', async () => {
      const records = await withRecords('garbage\n'.repeat(500));
      const message = await refusal();
      expect(message).toContain(`${records} lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22 and 480 more: not valid JSON`);
      expect(message.split('\n').length).toBeLessThan(5);
    });

    it('a torn last line is not an error, and is cut off so the next append starts on its own line', async () => {
      const records = await withRecords('{"key":"c1:democon:CC');
      const store = await openLowdbStore(file);
      await store.putSyncRecords([record('EEEEE')]);
      await store.close();
      const reopened = await openLowdbStore(file);
      open.push(reopened);
      expect((await reopened.getSyncRecord('c1:democon:EEEEE'))?.code).toBe('EEEEE');
      expect(await readFile(records, 'utf8')).not.toContain('CC');
    });
  });
});
