// When the disk is full, /healthz says 503 with the reason instead of 200. Here the next journal segment is
// /dev/full, which fails every write with ENOSPC as a full disk does, so the checkpoint that starts it fails; once
// a checkpoint succeeds again, /healthz is back to 200. A webhook whose journal line cannot be written is answered
// 503 storage_unavailable with Retry-After (pretix delivers it again): tested with a store whose append fails, and
// with the real journal whose file writes fail as on a full disk.
import { open, readdir, rm, symlink } from 'node:fs/promises';
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

describe('/healthz while the disk is full', () => {
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

  it('answers 503 with the reason while writes fail, and 200 again once one succeeds', async () => {
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });

    // The next checkpoint starts the journal segment after the current one: make that one a full disk.
    const current = Math.max(...(await journalSegments(stack.dataFile)));
    const full = join(dirname(stack.dataFile), `${basename(stack.dataFile)}.journal.${current + 1}.jsonl`);
    await symlink('/dev/full', full);
    await expect(stack.admin.put(mappingsPath, exampleMappingsBody())).rejects.toThrow(); // its checkpoint fails

    const failing = await health();
    expect(failing.status).toBe(503);
    expect(failing.body.status).toBe('failing');
    expect(failing.body.reason).toMatch(/state file cannot be written \(ENOSPC: no space left on device\)/);
    expect(failing.body.reason).not.toContain(dirname(stack.dataFile)); // /healthz is public: no paths

    // Space again: the next checkpoint succeeds, and /healthz says so.
    await rm(full);
    await stack.admin.put(mappingsPath, exampleMappingsBody());
    expect(await journalSegments(stack.dataFile)).toEqual([current + 1]);
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('answers a webhook it cannot journal with 503 storage_unavailable and Retry-After', async () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    const accept = stack.store.acceptWebhook;
    stack.store.acceptWebhook = () => Promise.reject(enospc);
    let notificationId: number;
    try {
      const placed = await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
      // pretix's first delivery and its immediate retries: all 5xx, so none counts as delivered.
      expect(placed.calls.map((call) => call.status)).toEqual([503, 503, 503, 503]);
      notificationId = placed.notificationId;
      const refused = await fetch(stack.pretix.webhooks(ORGANIZER)[0]!.target_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ notification_id: 9_999, organizer: ORGANIZER, event: EVENT, code: 'R2D9K', action: 'pretix.event.order.placed' }),
      });
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: string }).error).toBe('storage_unavailable');
      expect(stack.logs()).toMatch(/webhook not stored: the journal cannot be written/);
    } finally {
      stack.store.acceptWebhook = accept;
    }
    // The disk has room again: pretix's next delivery is taken.
    const redelivered = await stack.pretix.redeliver(notificationId);
    expect(redelivered.map((call) => call.status)).toEqual([200]);
  });

  it('reports the journal itself: a failing append makes /healthz 503 and the webhook 503, the next good one heals both', async () => {
    // Every FileHandle write in this process fails with ENOSPC while `full` is set, as on a full disk. With no worker
    // running, the only writes a webhook causes are its journal append (and its fdatasync).
    const probe = await open(stack.dataFile, 'r');
    const handleProto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const write = handleProto.write;
    let full = true;
    handleProto.write = function (this: unknown, ...args: unknown[]) {
      if (full) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }));
      return write.apply(this, args);
    };
    try {
      const placed = await stack.pretix.emit(ORGANIZER, EVENT, 'R2D9K', 'pretix.event.order.placed');
      expect(placed.calls.map((call) => call.status)).toEqual([503, 503, 503, 503]);
      const failing = await health();
      expect(failing.status).toBe(503);
      expect(failing.body.reason).toMatch(/journal cannot be written \(ENOSPC: no space left on device\)/);
      full = false;
      const redelivered = await stack.pretix.redeliver(placed.notificationId);
      expect(redelivered.map((call) => call.status)).toEqual([200]);
      expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      handleProto.write = write;
    }
  });
});
