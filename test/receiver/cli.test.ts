// The command-line tool as a person runs it (a real process, talking to a running receiver): every command has
// --help, and the everyday ones work end to end against the fakes.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, commandHelp, findCommand, parseCommandArgs } from '../../receiver/cli/commands';
import { REPO_ROOT } from '../helpers/receiver-process';
import { EVENT, ORGANIZER, PORTAL_ID, PRETIX_TOKEN, startStack, type Stack } from '../helpers/stack';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../scenarios/mappings';

const run = promisify(execFile);

describe('pretix-hubspot CLI', () => {
  let stack: Stack;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const cli = async (args: string[], input?: string) => {
    const child = run(process.execPath, [join(REPO_ROOT, 'bin', 'pretix-hubspot.js'), '--receiver', stack.receiverUrl, ...args], {
      cwd: dir.path,
      env: { ...process.env, ...stack.env },
      timeout: 60_000,
    });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    return child.then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  };

  beforeAll(async () => {
    stack = await startStack();
    dir = await tempDir();
  });
  afterAll(async () => {
    await stack.close();
    await dir.remove();
  });

  it('lists every command and has --help on each', async () => {
    const general = await cli(['--help']);
    expect(general.code).toBe(0);
    for (const command of COMMANDS) expect(general.stdout).toContain(command.name);
    // Each command's --help is found and parsed in this process (one node + tsx start per command, all at once,
    // took up to a minute on a loaded 2-core machine); two of them also go through a real process.
    for (const command of COMMANDS) {
      const found = findCommand([...command.name.split(' '), '--help']);
      expect(found?.command.name).toBe(command.name);
      expect(parseCommandArgs(found!.command, found!.rest).values.help).toBe(true);
      expect(commandHelp(command)).toContain(`Usage: pretix-hubspot ${command.usage}`);
    }
    const sampled = [COMMANDS[0]!, COMMANDS.at(-1)!];
    const helps = await Promise.all(sampled.map((command) => cli([...command.name.split(' '), '--help'])));
    helps.forEach((help, i) => {
      expect(help.code).toBe(0);
      expect(help.stdout).toBe(`${commandHelp(sampled[i]!)}\n`);
    });
  }, 60_000);

  it('explains bad usage with exit code 2', async () => {
    expect((await cli(['connection', 'add', '--portal', PORTAL_ID])).code).toBe(2);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command');
  });

  it('refuses "." and ".." as an event or order before asking the receiver (they would be path steps)', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const event = await cli(['sync', '--connection', id, '--event', '..', '--order', 'Q7X3M']);
    expect(event.code).toBe(2);
    expect(event.stderr).toContain('--event is not a pretix event short form');
    const order = await cli(['sync', '--connection', id, '--event', 'democon', '--order', '..']);
    expect(order.code).toBe(2);
    expect(order.stderr).toContain('--order is not a pretix order code');
    expect((await cli(['mappings', 'show', '--connection', '..', '--event', 'democon'])).code).toBe(2);
    expect((await cli(['connection', 'remove', '..'])).code).toBe(2);
  });

  it('adds a connection (token from stdin), sets mappings, syncs, backfills and shows the queue', async () => {
    const wrong = await cli(['connection', 'add', '--portal', PORTAL_ID, '--url', stack.pretix.url, '--organizer', ORGANIZER, '--token', 'x'.repeat(40)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/pretix rejected the API token/);

    const added = await cli(['connection', 'add', '--portal', PORTAL_ID, '--url', stack.pretix.url, '--organizer', ORGANIZER, '--token-stdin'], PRETIX_TOKEN);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('pretix accepted the token');
    const id = /^([0-9a-f-]{36})\s/m.exec(added.stdout)?.[1];
    expect(id).toBeDefined();
    expect(added.stdout).not.toContain(PRETIX_TOKEN);

    // A typo in the file is refused with the field named; nothing is saved.
    const typo = exampleMappingsBody() as { object_mappings: { property_mappings: { pretix_field: string }[] }[] };
    typo.object_mappings[0]!.property_mappings[1]!.pretix_field = 'invoice_address_nmae';
    const typoFile = join(dir.path, 'typo.json');
    await writeFile(typoFile, JSON.stringify(typo));
    const refused = await cli(['mappings', 'set', '--connection', id!, '--event', EVENT, '--file', typoFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The mappings were not saved: 1 field needs attention.');
    expect(refused.stderr).toContain('  - mapping 1, property row 2, pretix_field (mappings.0.property_mappings.1.pretix_field): pretix has no field "invoice_address_nmae"');
    expect(await stack.store.getEventConfig(id!, EVENT)).toBeUndefined();

    // Saving does not switch sync on; --enable does, through the event service, which registers the pretix webhook.
    const file = join(dir.path, 'mappings.json');
    await writeFile(file, JSON.stringify(exampleMappingsBody()));
    const saved = await cli(['mappings', 'set', '--connection', id!, '--event', EVENT, '--file', file]);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('Saved 3 mapping(s) for event democon (disabled).');
    expect(saved.stdout).toContain('Start it with --enable');
    expect(stack.pretix.webhooks(ORGANIZER).filter((w) => w.enabled)).toEqual([]);
    const set = await cli(['mappings', 'set', '--connection', id!, '--event', EVENT, '--file', file, '--enable']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Saved 3 mapping(s) for event democon (enabled).');
    const [hook] = stack.pretix.webhooks(ORGANIZER).filter((w) => w.enabled);
    expect(hook).toMatchObject({ limit_events: [EVENT] });
    expect(set.stdout).toContain(`webhook registered #${hook!.id}`);
    expect(set.stdout).not.toContain('by hand');
    const shown = await cli(['mappings', 'show', '--connection', id!, '--event', EVENT]);
    expect(JSON.parse(shown.stdout).object_mappings).toHaveLength(3);

    const listed = await cli(['connection', 'list']);
    expect(listed.stdout).toContain(`organizer ${ORGANIZER}`);
    expect(listed.stdout).toContain('/webhooks/pretix/');

    expect((await cli(['sync', '--connection', id!, '--event', EVENT, '--order', 'Q7X3M'])).stdout).toContain('queued');
    await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', 'Q7X3M'), 'sync from the CLI');

    stack.pretix.generateOrders(ORGANIZER, EVENT, 120);
    const backfill = await cli(['backfill', '--connection', id!, '--event', EVENT]);
    expect(backfill.code).toBe(0);
    expect(backfill.stdout).toMatch(/Backfill of democon done: 122 orders processed, \d+ synced, \d+ skipped \(no identifier\), 0 failed/);

    const queue = await cli(['queue', 'status']);
    expect(queue.stdout).toMatch(/^pending 0, in flight 0, failed 0/m);
    // Only a CLI sync and a backfill ran, no webhook: the lag line says so, and the backlog is empty.
    expect(queue.stdout).toMatch(new RegExp(`^portal ${PORTAL_ID}: webhook → HubSpot no webhook synced in the last hour; backlog 0 pending, 0 in flight, 0 failed$`, 'm'));
    expect((await cli(['jobs', 'failed'])).stdout).toContain('No failed jobs.');
    expect((await cli(['sweep', 'status'])).stdout).toContain(`${EVENT} (${id})`);
    expect((await cli(['jobs', 'retry', 'nope'])).stderr).toMatch(/No waiting job/);
  }, 120_000);
});
