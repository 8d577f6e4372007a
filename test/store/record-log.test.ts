import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordLog } from '../../receiver/store/record-log';
import type { SyncRecord } from '../../receiver/store/types';
import { tempDir } from '../helpers/temp-dir';

const record = (code: string, overrides: Partial<SyncRecord> = {}): SyncRecord => ({
  key: `c1:democon:${code}`,
  portalId: '1',
  connectionId: 'c1',
  event: 'democon',
  code,
  emails: [`${code.toLowerCase()}@example.com`],
  status: 'synced',
  syncedAt: '2026-01-01T00:00:00.000Z',
  objects: [],
  associations: [],
  skipped: [],
  ...overrides,
});

describe('record log', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let file: string;

  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir.path, 'records.jsonl');
  });
  afterEach(() => dir.remove());

  it('reads back what was put, after reopening, with the latest version winning', async () => {
    const log = await RecordLog.open(file);
    await log.put([record('AAA'), record('BBB')]);
    await log.put([record('AAA', { status: 'failed', lastError: 'boom', emails: ['new@example.com'] })]);
    await log.close();
    const reopened = await RecordLog.open(file);
    expect(reopened.count).toBe(2);
    expect(reopened.get('c1:democon:AAA')).toMatchObject({ status: 'failed', lastError: 'boom' });
    expect(reopened.findByEmails('1', ['aaa@example.com'])).toEqual([]);
    expect(reopened.findByEmails('1', ['NEW@example.com']).map((r) => r.code)).toEqual(['AAA']);
    expect(reopened.findByEmails('2', ['bbb@example.com'])).toEqual([]);
    await reopened.close();
  });

  it('is created with mode 0600 and survives a torn last line', async () => {
    const log = await RecordLog.open(file);
    await log.put([record('AAA')]);
    await log.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await appendFile(file, '{"key":"c1:democon:BBB","portalId":"1"');
    const reopened = await RecordLog.open(file);
    expect(reopened.count).toBe(1);
    expect(reopened.get('c1:democon:AAA')?.code).toBe('AAA');
    await reopened.close();
  });

  it('keeps records appended after a torn last line readable, now and after reopening', async () => {
    const log = await RecordLog.open(file);
    await log.put([record('AAA')]);
    await log.close();
    await appendFile(file, '{"key":"c1:democon:BBB","portalId":"1","emails":["caf\u00e9');
    const reopened = await RecordLog.open(file);
    await reopened.put([record('CCC')]);
    await reopened.put([record('DDD')]);
    expect(reopened.get('c1:democon:CCC')?.code).toBe('CCC');
    expect(reopened.get('c1:democon:DDD')?.code).toBe('DDD');
    await reopened.close();
    const again = await RecordLog.open(file);
    expect(again.count).toBe(3);
    expect(again.get('c1:democon:CCC')?.code).toBe('CCC');
    expect(again.get('c1:democon:DDD')?.code).toBe('DDD');
    await again.close();
  });

  it('deletes records (tombstones) and compacts dead lines away', async () => {
    const log = await RecordLog.open(file, { compactMinBytes: 2_000 });
    for (let round = 0; round < 20; round += 1) await log.put([record('AAA', { syncedAt: `round ${round}` }), record('BBB')]);
    await log.delete(['c1:democon:BBB']);
    await log.put([record('CCC')]);
    expect(log.count).toBe(2);
    expect(log.fileBytes).toBeLessThan(2_000);
    expect(log.get('c1:democon:AAA')?.syncedAt).toBe('round 19');
    expect(log.get('c1:democon:BBB')).toBeUndefined();
    await log.close();
    // 42 lines were written; compaction kept only what was live when it ran, plus what came after.
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThan(15);
    const reopened = await RecordLog.open(file);
    expect(reopened.get('c1:democon:CCC')?.code).toBe('CCC');
    await reopened.close();
  });

  it('purges: deleted and replaced records leave the file at once, far below the compaction threshold', async () => {
    const log = await RecordLog.open(file);
    await log.put([record('AAA'), record('BBB', { emails: ['bbb@example.com', 'shared@example.com'] }), record('CCC')]);
    await log.purge(['c1:democon:AAA'], [record('BBB', { emails: ['shared@example.com'] })]);
    expect(log.get('c1:democon:AAA')).toBeUndefined();
    expect(log.get('c1:democon:BBB')?.emails).toEqual(['shared@example.com']);
    expect(log.findByEmails('1', ['bbb@example.com'])).toEqual([]);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('aaa@example.com');
    expect(text).not.toContain('bbb@example.com');
    expect(text.trim().split('\n')).toHaveLength(2);
    // Still appendable and readable after the swap, now and after reopening.
    await log.put([record('DDD')]);
    await log.close();
    const reopened = await RecordLog.open(file);
    expect(['AAA', 'BBB', 'CCC', 'DDD'].map((code) => reopened.get(`c1:democon:${code}`)?.code)).toEqual([undefined, 'BBB', 'CCC', 'DDD']);
    expect(reopened.findInPortal('1', (r) => r.emails.includes('shared@example.com')).map((r) => r.code)).toEqual(['BBB']);
    await reopened.close();
  });
});
