// A bug in the receiver (here: a TypeError out of the HubSpot call that is no network failure) is not an outage:
// the job fails at once as permanent with a message that says "internal error", is not retried, and the log
// holds the error with its stack for whoever fixes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncJob } from '../../receiver/store/types';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

describe('an internal error during a sync', () => {
  let stack: Stack;
  let upserts = 0;
  let broken = true;
  let connectionId: string;

  beforeAll(async () => {
    const injected = (async (input: URL | string | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes('/batch/upsert')) {
        upserts += 1;
        // What a programming error in request building looks like from fetch: a TypeError that is not "fetch failed".
        if (broken) throw new TypeError("Cannot read properties of undefined (reading 'inputs')");
      }
      return fetch(input, init);
    }) as typeof fetch;
    stack = await startStack({ fetch: injected, env: { SYNC_MAX_ATTEMPTS: '5' } });
    connectionId = (await stack.connect()).id;
  });
  afterAll(() => stack.close());

  it('fails the job permanently after one attempt, says "internal error", and logs the stack', async () => {
    await stack.admin.post(`/connections/${connectionId}/events/${EVENT}/enable`);
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    const { jobs } = await waitFor(async () => {
      const result = await stack.admin.get<{ jobs: (SyncJob & { failureLabel?: string })[] }>('/jobs?state=failed');
      return result.jobs.length > 0 ? result : null;
    }, 'a failed job');
    expect(jobs[0]).toMatchObject({ code: 'Q7X3M', failureClass: 'permanent', attempts: 1 });
    expect(jobs[0]?.lastError).toMatch(/^Internal error in pretix-hubspot \(logged\): Cannot read properties of undefined/);
    expect(upserts).toBe(1); // neither the transport nor the queue retried it as if the network were down

    const lines = stack.logs().trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string; err?: { stack?: string; type?: string } });
    const logged = lines.find((line) => line.err?.stack?.includes("Cannot read properties of undefined (reading 'inputs')"));
    expect(logged?.level).toBe(50);
    expect(logged?.msg).toMatch(/internal error/);
    expect(logged?.err?.stack).toMatch(/\n\s+at /);
    expect(stack.hubspot.objects(PORTAL_ID, 'contacts')).toHaveLength(0);
  });

  it('syncs once the bug is gone and the job retried by a person', async () => {
    broken = false;
    const { jobs } = await stack.admin.get<{ jobs: SyncJob[] }>('/jobs?state=failed');
    await stack.admin.post('/jobs/retry', { key: jobs[0]!.key });
    await waitFor(() => stack.hubspot.objects(PORTAL_ID, 'contacts').length > 0, 'synced after retry');
  });
});
