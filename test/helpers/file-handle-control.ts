// Holds (or fails) every FileHandle sync or datasync in this process until released, as a disk under load would:
// "the write is not on disk yet" as a fact of the test rather than a guess at how long it takes.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { Connection } from '../../receiver/store/types';

export async function controlFileHandle(dir: string, method: 'sync' | 'datasync') {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as Record<'sync' | 'datasync', () => Promise<void>>;
  await probe.close();
  const real = proto[method];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started = 0;
  let failure: Error | null = null;
  const spy = vi.spyOn(proto, method).mockImplementation(async function (this: unknown) {
    started += 1;
    if (failure) throw failure;
    await released;
    await real.call(this);
  });
  return {
    release,
    fail: (error: Error) => (failure = error),
    started: () => started,
    restore: () => spy.mockRestore(),
  };
}

/** A connection as the store keeps it, for store-level tests. */
export const storedConnection: Connection = {
  id: 'c1',
  portalId: '42',
  baseUrl: 'https://pretix.example',
  organizer: 'demo',
  apiTokenSealed: 'sealed',
  webhookTokenFingerprint: 'fp',
  webhookTokenSealed: 'sealed',
  createdAt: '2026-01-01T00:00:00.000Z',
};
