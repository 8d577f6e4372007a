// What an operator sees when the receiver's files are damaged: the process exits at once with the file, the line and
// what to do, and leaves the files as they were; `--repair` (or REPAIR_DAMAGED_STATE=1) starts it without damaged
// journal lines and keeps them in <file>.damaged.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directorySnapshot } from '../helpers/data-snapshot';
import { freePort } from '../helpers/free-port';
import { runReceiverExpectingExit, startReceiverProcess } from '../helpers/receiver-process';
import { SECRET_KEY } from '../helpers/stack';
import { tempDir } from '../helpers/temp-dir';

describe('damaged state at start', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    dir = await tempDir();
    dataDir = join(dir.path, 'data');
    await mkdir(dataDir);
    const port = await freePort();
    env = { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_FILE: join(dataDir, 'state.json'), SECRET_KEY, LOG_LEVEL: 'warn' };
  });
  afterEach(() => dir.remove());

  async function refusedStart(extraEnv: Record<string, string> = {}): Promise<string> {
    const before = await directorySnapshot(dataDir);
    const { code, output } = await runReceiverExpectingExit({ ...env, ...extraEnv });
    expect(code).toBe(1);
    expect(output).toMatch(/^pretix-hubspot cannot start: /m);
    expect(output).not.toMatch(/\n\s+at /); // a message for a person, not a stack trace
    expect(await directorySnapshot(dataDir)).toEqual(before);
    return output;
  }

  it('a state file holding [] is refused and left as it was, and no development key is generated beside it', async () => {
    await writeFile(env.DATA_FILE!, '[]');
    const output = await refusedStart({ SECRET_KEY: '' }); // the directory snapshot must not gain a secret.key
    expect(output).toContain(`${env.DATA_FILE}: expected a JSON object, found an array`);
  });

  it('a truncated generated secret.key is refused, naming it', async () => {
    const keyFile = join(dataDir, 'secret.key');
    await writeFile(keyFile, 'dGhpcyBrZXkgd2FzIHRydW5jYXRlZA\n', { mode: 0o600 });
    const output = await refusedStart({ SECRET_KEY: '' });
    expect(output).toContain(`${keyFile}: too short`);
  });

  it('a damaged journal line stops the start; --repair and REPAIR_DAMAGED_STATE=1 start without it and keep it', async () => {
    const segment = join(dataDir, 'state.json.journal.1.jsonl');
    const good = JSON.stringify({ notificationKey: 'c1:1', trigger: { portalId: '1', connectionId: 'c1', event: 'democon', code: 'AAAAA', action: 'pretix.event.order.placed' }, at: 1 });
    await writeFile(segment, `#journal {"version":1,"segment":1}\n{"notificationKey":"c1:2"}\n${good}\n`);
    const output = await refusedStart();
    expect(output).toContain(`${segment} line 2: not a journal entry`);
    expect(output).toContain('--repair');

    const repaired = await startReceiverProcess({ ...env, REPAIR_DAMAGED_STATE: '1' });
    await repaired.kill('SIGTERM');
    expect(repaired.output()).toContain('skipped damaged state (--repair)');
    expect(await readFile(`${segment}.damaged`, 'utf8')).toBe('{"notificationKey":"c1:2"}\n');
  });

  it('--repair on the command line works as the environment switch does', async () => {
    const records = join(dataDir, 'state.records.jsonl');
    await writeFile(records, 'not json\n');
    const output = await refusedStart();
    expect(output).toContain(`${records} line 1: not valid JSON`);
    const repaired = await startReceiverProcess(env, { args: ['--repair'] });
    await repaired.kill('SIGTERM');
    expect(repaired.output()).toContain('skipped damaged state (--repair)');
    expect(await readFile(`${records}.damaged`, 'utf8')).toBe('not json\n');
    expect(await readFile(records, 'utf8')).toBe(''); // compacted without it: the next start needs no repair
  });
});
