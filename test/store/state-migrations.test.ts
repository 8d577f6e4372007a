// The migration seam of the state file: each older version is brought up one step at a time; there is only version
// 1 today, so the steps here are made up for the test.
import { describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, migrateMainData, type Migrations } from '../../receiver/store/state-schema';

describe('state file migrations', () => {
  const steps: Migrations = {
    1: ({ jobList, ...rest }) => ({ ...rest, jobs: Object.fromEntries(((jobList as { key: string }[] | undefined) ?? []).map((job) => [job.key, job])) }),
    2: (data) => ({ ...data, sweeps: data.sweeps ?? {} }),
  };

  it('runs every step from the file version to the current one, in order, setting each version', () => {
    const result = migrateMainData({ schemaVersion: 1, jobList: [{ key: 'a' }] }, steps, 3);
    expect(result).toEqual({ ok: true, data: { schemaVersion: 3, jobs: { a: { key: 'a' } }, sweeps: {} } });
  });

  it('leaves a current file as it is', () => {
    expect(migrateMainData({ schemaVersion: 3, jobs: {} }, steps, 3)).toEqual({ ok: true, data: { schemaVersion: 3, jobs: {} } });
  });

  it('refuses a newer version, a missing step and a missing version', () => {
    expect(migrateMainData({ schemaVersion: 4 }, steps, 3)).toMatchObject({ ok: false, reason: expect.stringMatching(/newer version/) as string });
    expect(migrateMainData({ schemaVersion: 1 }, { 2: steps[2]! }, 3)).toEqual({ ok: false, reason: 'no migration from schemaVersion 1' });
    expect(migrateMainData({}, steps, 3)).toMatchObject({ ok: false, reason: expect.stringMatching(/schemaVersion is missing/) as string });
  });

  it('today: version 1 is current and needs no step', () => {
    expect(CURRENT_SCHEMA_VERSION).toBe(1);
    expect(migrateMainData({ schemaVersion: 1 })).toEqual({ ok: true, data: { schemaVersion: 1 } });
  });
});

describe('a state file from before mapping sets', () => {
  it('loads unchanged, with no sets and its events on their own mappings', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { readMainData } = await import('../../receiver/store/state-schema');
    const dir = await mkdtemp(join(tmpdir(), 'state-before-sets-'));
    try {
      const event = { connectionId: 'c1', event: 'democon', enabled: true, mappings: [{ id: 1 }], webhookId: 7, updatedAt: '2026-01-01T00:00:00.000Z' };
      const file = join(dir, 'data.json');
      await writeFile(file, JSON.stringify({ schemaVersion: 1, events: { 'c1:democon': event } }));
      const data = await readMainData(file);
      expect(data.mappingSets).toEqual({});
      expect(data.events['c1:democon']).toEqual(event);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
