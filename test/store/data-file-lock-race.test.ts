// Several receivers starting at the same moment on a data file whose lock a killed receiver left: exactly one wins.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockFileFor } from '../../receiver/store/data-file-lock';
import { REPO_ROOT } from '../helpers/receiver-process';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';

// Each contender waits for the start signal (a line on stdin), tries once, reports, and (if it won) holds the lock
// until its stdin closes.
const CONTENDER = `
import { acquireDataFileLock } from './receiver/store/data-file-lock.ts';
const dataFile = process.argv[1];
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  try {
    await acquireDataFileLock(dataFile);
    process.stdout.write('won\\n');
    process.stdin.once('end', () => process.exit(0));
  } catch (error) {
    process.stdout.write('lost ' + error.name + '\\n');
    process.exit(0);
  }
});
`;

describe('data file lock under a race', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'data'));
  });
  afterEach(() => dir.remove());

  it('exactly one of several simultaneous starts takes over a stale lock', async () => {
    const dataFile = join(dir.path, 'data', 'state.json');
    // A lock whose holder is gone: a pid far above any pid_max in use, so no process has it.
    await writeFile(lockFileFor(dataFile), JSON.stringify({ pid: 2 ** 30, startTime: '1', host: hostname(), since: 'long ago' }));
    const contenders = Array.from({ length: 12 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CONTENDER, dataFile], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return { child, output: () => output };
    });
    try {
      await waitFor(() => contenders.every((c) => c.output().includes('ready')), 'every contender ready', 60_000, 20);
      for (const { child } of contenders) child.stdin.write('go\n');
      await waitFor(() => contenders.every((c) => /won|lost/.test(c.output())), 'every contender done', 30_000, 20);
      const results = contenders.map((c) => /won|lost \w+/.exec(c.output())![0]).sort();
      expect(results.filter((r) => r === 'won')).toHaveLength(1);
      expect(results.filter((r) => r === 'lost DataFileLockedError')).toHaveLength(contenders.length - 1);
    } finally {
      for (const { child } of contenders) child.stdin.end();
    }
  }, 90_000);
});
