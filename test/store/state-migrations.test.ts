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
