// "Sync now" on the card queues the order as a manual job and wakes the worker; the settings page lists the syncs
// that stopped, with the reason and its class, and puts them back in line on Retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, SyncOrderResponse, SyncProblemsResponse } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { jobKey } from '../../receiver/store/types';
import { EVENT, ORGANIZER, PRETIX_TOKEN } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';
import { startApiStack, type ApiStack } from './signed-client';

describe('sync now', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const syncNow = (body: Record<string, unknown>) => stack.api.send<SyncOrderResponse & ApiError>('POST', '/api/v1/orders/sync', body);

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  it('queues the order as a manual job', async () => {
    const { status, body } = await syncNow({ connectionId: connection.id, event: EVENT, code: 'Q7X3M' });
    expect(status).toBe(202);
    expect(body.status).toBe('queued');
    expect(body.message).toContain('Q7X3M');
    expect(await stack.store.getJob(jobKey(connection.id, EVENT, 'Q7X3M'))).toMatchObject({ state: 'pending', triggers: ['manual'] });
  });

  it('merges into a job that is already waiting', async () => {
    const { body } = await syncNow({ connectionId: connection.id, event: EVENT, code: 'Q7X3M' });
    expect(body.status).toBe('merged');
    expect(await stack.store.listJobs({ connectionId: connection.id })).toHaveLength(1);
  });

  it('refuses events that do not sync', async () => {
    const { status, body } = await syncNow({ connectionId: connection.id, event: 'othercon', code: 'Q7X3M' });
    expect(status).toBe(409);
    expect(body.error).toBe('event_not_enabled');
  });

  it('checks the body field by field', async () => {
    const { status, body } = await syncNow({ connectionId: connection.id, event: EVENT, code: 'Q7X3M; DROP' });
    expect(status).toBe(400);
    expect(Object.keys(body.fieldErrors!)).toEqual(['code']);
  });

  it('answers 404 for a connection it does not know', async () => {
    expect((await syncNow({ connectionId: 'nope', event: EVENT, code: 'Q7X3M' })).status).toBe(404);
  });
});

describe('sync problems and retry', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const key = () => jobKey(connection.id, EVENT, 'Q7X3M');
  const problems = async () => (await stack.api.get<SyncProblemsResponse>('/api/v1/sync-problems')).body.problems;

  beforeAll(async () => {
    stack = await startApiStack();
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  it('lists none while everything syncs', async () => {
    expect(await problems()).toEqual([]);
  });

  it('lists a sync that stopped on a configuration problem, with its label', async () => {
    stack.pretix.revokeToken(PRETIX_TOKEN);
    await stack.api.send('POST', '/api/v1/orders/sync', { connectionId: connection.id, event: EVENT, code: 'Q7X3M' });
    await waitFor(async () => (await stack.store.getJob(key()))?.state === 'failed', 'the sync to stop');
    const list = await problems();
    expect(list).toEqual([
      {
        key: key(),
        connectionId: connection.id,
        event: EVENT,
        code: 'Q7X3M',
        failureClass: 'config',
        failureLabel: 'Misconfiguration, please check the mapping and connection settings',
        error: expect.stringContaining('401'),
        attempts: 1,
        failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect(JSON.stringify(list)).not.toContain(PRETIX_TOKEN);
  });

  it('puts it back in line on retry, and it syncs once the cause is fixed', async () => {
    stack.pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
    const { status, body } = await stack.api.send<SyncOrderResponse>('POST', '/api/v1/sync-problems/retry', { key: key() });
    expect(status).toBe(202);
    expect(body.status).toBe('queued');
    await waitFor(async () => (await stack.store.getSyncRecord(key()))?.status === 'synced', 'the retried sync');
    await waitFor(async () => await stack.store.getJob(key()) === undefined, 'the job to complete');
    expect(await problems()).toEqual([]);
  });

  it('answers 404 for an unknown key', async () => {
    const { status, body } = await stack.api.send<ApiError>('POST', '/api/v1/sync-problems/retry', { key: 'no:such:job' });
    expect(status).toBe(404);
    expect(body.error).toBe('not_found');
  });
});
