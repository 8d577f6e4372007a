// A pretix connection that cannot work is refused before anything is stored, with pretix's reason in a 4xx answer:
// a plain-http base URL, a token pretix rejects, an organizer the token cannot see, an address that is not pretix,
// a pretix that cannot be reached.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminApiError } from '../../receiver/cli/admin-client';
import { dataSnapshot } from '../helpers/data-snapshot';
import { ORGANIZER, PORTAL_ID, PRETIX_TOKEN, startStack, type Stack } from '../helpers/stack';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function refusal(promise: Promise<unknown>): Promise<AdminApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AdminApiError) return error;
    throw error;
  }
  throw new Error('expected the admin API to refuse');
}

describe('adding a connection', () => {
  it('refuses every bad input with a 4xx message and stores nothing', async () => {
    stack = await startStack();
    stack.pretix.addOrganizer('othercorp');
    const before = await dataSnapshot(stack);
    const add = (body: Record<string, string>) =>
      stack!.admin.post('/connections', { portalId: PORTAL_ID, baseUrl: stack!.pretix.url, organizer: ORGANIZER, apiToken: PRETIX_TOKEN, ...body });

    const cases: { body: Record<string, string>; message: RegExp }[] = [
      { body: { baseUrl: 'http://pretix.example.com' }, message: /baseUrl: must use https:\/\// },
      { body: { baseUrl: 'https://user:pw@pretix.example.com' }, message: /must not contain credentials/ },
      { body: { apiToken: 'wrongtoken0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefgh' }, message: /pretix rejected the API token \(401\)/ },
      { body: { organizer: 'othercorp' }, message: /the token cannot see organizer "othercorp".*\(403\)/ },
      { body: { organizer: 'nosuchorg' }, message: /the token cannot see organizer "nosuchorg"/ },
      { body: { organizer: '../admin' }, message: /organizer: is not a pretix organizer short form/ },
      { body: { baseUrl: stack.hubspot.url }, message: /does not look like a pretix API \(404/ },
      { body: { baseUrl: `http://127.0.0.1:${await closedPort()}` }, message: /could not reach pretix at .*connection refused/ },
      { body: { portalId: 'portal-1' }, message: /portalId: must be the numeric HubSpot account id/ },
    ];
    for (const { body, message } of cases) {
      const error = await refusal(add(body));
      expect(error.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(error.status, JSON.stringify(body)).toBeLessThan(500);
      expect(error.message, JSON.stringify(body)).toMatch(message);
      // The token never comes back in a message.
      expect(error.message).not.toContain(PRETIX_TOKEN);
    }
    expect(await stack.store.listConnections()).toEqual([]);
    expect(await dataSnapshot(stack)).toEqual(before);
  });

  it('connects an organizer once, even when two adds race while pretix checks the token', async () => {
    stack = await startStack();
    // Both checks are in flight together, as with a double click or two admins at once.
    stack.pretix.latencyMs = 300;
    const body = { portalId: PORTAL_ID, baseUrl: stack.pretix.url, organizer: ORGANIZER, apiToken: PRETIX_TOKEN };
    const outcomes = await Promise.allSettled([stack.admin.post('/connections', body), stack.admin.post('/connections', body)]);
    stack.pretix.latencyMs = 0;
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!.reason as AdminApiError;
    expect(refused.status).toBe(409);
    expect(refused.message).toMatch(/is already connected/);
    expect(await stack.store.listConnections(PORTAL_ID)).toHaveLength(1);

    // Once connected, a further add is refused before pretix is asked at all.
    const requests = stack.pretix.requests.length;
    expect((await refusal(stack.admin.post('/connections', body))).status).toBe(409);
    expect(stack.pretix.requests.length).toBe(requests);
  });
});
