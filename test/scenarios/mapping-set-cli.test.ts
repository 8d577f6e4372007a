// The CLI's mapping-set commands against a running receiver (admin API) and the fakes: copy an event's mappings into
// a set, assign it to several events, list it, go back to own mappings, and bulk disable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../receiver/cli/commands';
import type { Json } from '../fakes/pretix';
import { loadFixture } from '../fixtures';
import { EVENT, ORGANIZER, startStack, type Stack } from '../helpers/stack';
import { exampleMappingsBody } from '../helpers/mappings';

const OTHER = 'democon-2027';

describe('mapping sets from the CLI', () => {
  let stack: Stack;
  let connection: string;
  const run = async (name: string, values: Record<string, string | boolean>) => {
    const lines: string[] = [];
    await COMMANDS.find((c) => c.name === name)!.run(stack.admin, { connection, ...values }, [], (l) => lines.push(l));
    return lines.join('\n');
  };

  beforeAll(async () => {
    stack = await startStack({ startWorker: false });
    stack.pretix.addEvent(ORGANIZER, { slug: OTHER }, {
      items: loadFixture<{ results: Json[] }>('items.json').results,
      questions: loadFixture<{ results: Json[] }>('questions.json').results,
    });
    connection = (await stack.connect()).id;
    await stack.admin.put(`/connections/${connection}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    await stack.admin.post(`/connections/${connection}/events/${OTHER}/enable`);
  });
  afterAll(() => stack?.close());

  it("copies an event's mappings into a set and assigns it to two events at once", async () => {
    expect(await run('set copy', { event: EVENT, set: 'standard', name: 'Standard' })).toMatch(/Saved mapping set standard \("Standard", 3 mapping\(s\)\), used by 0 event/);
    const assigned = await run('set assign', { event: `${EVENT},${OTHER}`, set: 'standard' });
    expect(assigned).toContain(`Event ${EVENT} now syncs with mapping set standard.`);
    expect(assigned).toContain(`Event ${OTHER} now syncs with mapping set standard.`);
    expect((await stack.store.getEventConfig(connection, OTHER))?.mappingSetId).toBe('standard');
    expect(await run('set list', {})).toMatch(new RegExp(`^standard  "Standard"  3 mapping\\(s\\), used by ${EVENT}, ${OTHER}$`));
  });

  it('puts an event back on its own mappings, and refuses a set id that is not a slug before calling the receiver', async () => {
    expect(await run('set assign', { event: OTHER, own: true })).toContain(`Event ${OTHER} now syncs with its own mappings.`);
    expect((await stack.store.getEventConfig(connection, OTHER))?.mappingSetId).toBeNull();
    await expect(run('set assign', { event: OTHER, set: '../x' })).rejects.toThrow(/--set must be/);
    await expect(run('set assign', { event: OTHER })).rejects.toThrow(/either --set/);
  });

  it('deletes a set only once no event uses it, saying which do', async () => {
    await expect(run('set delete', { set: 'standard' })).rejects.toThrow(new RegExp(`1 event\\(s\\) sync with it \\(${EVENT}\\)`));
    expect((await stack.store.getMappingSet(connection, 'standard'))).toBeDefined();
    await run('set assign', { event: EVENT, own: true });
    expect(await run('set delete', { set: 'standard' })).toContain('Deleted mapping set standard.');
    expect((await stack.store.getMappingSet(connection, 'standard'))).toBeUndefined();
  });

  it('turns "sync every event" on with a default set and off again', async () => {
    await run('set copy', { event: EVENT, set: 'season' });
    const on = await run('connection all-events', { on: true, set: 'season' });
    expect(on).toContain('with mapping set season');
    expect((await stack.store.getConnection(connection))).toMatchObject({ syncAllEvents: true, defaultMappingSetId: 'season' });
    await expect(run('connection all-events', { on: true, off: true })).rejects.toThrow(/either --on or --off/);
    expect(await run('connection all-events', { off: true })).toContain('New events are no longer enabled automatically.');
    expect((await stack.store.getConnection(connection))?.syncAllEvents).toBe(false);
  });

  it('disables several events in one command', async () => {
    const out = await run('event disable', { event: `${EVENT},${OTHER}` });
    expect(out).toContain(`Event ${EVENT} is disabled.`);
    expect(out).toContain(`Event ${OTHER} is disabled.`);
    expect((await stack.store.listEventConfigs(connection)).filter((e) => e.enabled)).toEqual([]);
  });
});
