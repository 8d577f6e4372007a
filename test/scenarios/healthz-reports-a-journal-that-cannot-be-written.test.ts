// When the webhook journal cannot be written (here: its segment is /dev/full, which fails every write with ENOSPC,
// as a full disk does), webhooks are answered 503 so that pretix delivers them again, and /healthz says 503 with the
// reason instead of 200. Once an append succeeds again, /healthz is back to 200.
import { readdir, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT, ORGANIZER, startStack, type Stack } from '../helpers/stack';
import { exampleMappingsBody } from '../helpers/mappings';

async function journalSegments(dataFile: string): Promise<number[]> {
  const pattern = new RegExp(`^${basename(dataFile).replace(/\./g, '\\.')}\\.journal\\.(\\d+)\\.jsonl$`);
  return (await readdir(dirname(dataFile)))
    .map((name) => Number(pattern.exec(name)?.[1] ?? NaN))
    .filter(Number.isInteger)
    .sort((a, b) => a - b);
}

describe('/healthz while the webhook journal cannot be written', () => {
  let stack: Stack;
  let mappingsPath: string;

  beforeAll(async () => {
    // No worker: nothing but the requests of this test writes to the store.
    stack = await startStack({ startWorker: false });
    const connection = await stack.connect();
    mappingsPath = `/connections/${connection.id}/events/${EVENT}/mappings`;
    await stack.admin.put(`${mappingsPath}?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  const health = async () => {
    const response = await fetch(`${stack.receiverUrl}/healthz`);
    return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
  };

  it('answers 503 with the reason while appends fail, and 200 again once one succeeds', async () => {
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });

    // The next checkpoint starts the journal segment after the current one: make that one a full disk.
    const current = Math.max(...(await journalSegments(stack.dataFile)));
    await symlink('/dev/full', join(dirname(stack.dataFile), `${basename(stack.dataFile)}.journal.${current + 1}.jsonl`));
    await stack.admin.put(mappingsPath, exampleMappingsBody()); // a checkpoint: the journal moves to that segment
    expect(await journalSegments(stack.dataFile)).toEqual([current + 1]);

    const placed = await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    // pretix's first delivery and its immediate retries: all 5xx, so none counts as delivered.
    expect(placed.calls.map((call) => call.status)).toEqual([503, 503, 503, 503]);
    const refused = await fetch(stack.pretix.webhooks(ORGANIZER)[0]!.target_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notification_id: 9_999, organizer: ORGANIZER, event: EVENT, code: 'R2D9K', action: 'pretix.event.order.placed' }),
    });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toBe('storage_unavailable');

    const failing = await health();
    expect(failing.status).toBe(503);
    expect(failing.body.status).toBe('failing');
    expect(failing.body.reason).toMatch(/journal cannot be written \(ENOSPC: no space left on device\)/);
    expect(failing.body.reason).not.toContain(dirname(stack.dataFile)); // /healthz is public: no paths
    expect(stack.logs()).toMatch(/webhook not stored: the journal cannot be written/);

    // Space again: the next checkpoint moves the journal to a fresh segment, and pretix's next delivery succeeds.
    await stack.admin.put(mappingsPath, exampleMappingsBody());
    expect(await journalSegments(stack.dataFile)).toEqual([current + 2]);
    expect((await health()).status).toBe(503); // nothing has been appended yet
    const redelivered = await stack.pretix.redeliver(placed.notificationId);
    expect(redelivered.map((call) => call.status)).toEqual([200]);
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(stack.store.listJobs().map((job) => job.code)).toContain('Q7X3M');
  });
});
