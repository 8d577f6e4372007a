// The settings page's "Sync all existing orders": start, poll progress, refuse a second run, cancel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, BackfillProgress, CreateConnectionResponse } from '../../src/app/shared/api-types';
import { EVENT, ORGANIZER, PORTAL_ID, PRETIX_TOKEN } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';
import { startApiStack, type ApiStack } from './signed-client';

describe('settings: backfill', () => {
  let stack: ApiStack;
  let path: string;

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: true });
    const created = await stack.api.send<CreateConnectionResponse>('POST', '/api/v1/connections', { baseUrl: stack.pretix.url, organizer: ORGANIZER, apiToken: PRETIX_TOKEN });
    const connectionId = created.body.connection.id;
    path = `/api/v1/connections/${connectionId}/events/${EVENT}/backfill`;
    await stack.api.send('PUT', `/api/v1/connections/${connectionId}/events/${EVENT}`, { enabled: true });
    await stack.admin.put(`/connections/${connectionId}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    stack.pretix.generateOrders(ORGANIZER, EVENT, 300);
  });
  afterAll(() => stack.close());

  it('is idle before the first backfill', async () => {
    const { status, body } = await stack.api.get<BackfillProgress>(path);
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'idle', processed: 0, total: null });
  });

  it('starts, refuses a second start, and reports progress until done', async () => {
    // HubSpot holds the backfill's requests, so it is certainly still running when the second start comes.
    const release = stack.hubspot.hold();
    try {
      const started = await stack.api.send<BackfillProgress>('POST', path, {});
      expect(started.status).toBe(200);
      expect(started.body.state).toBe('running');
      const again = await stack.api.send<ApiError>('POST', path, {});
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/already running/);
    } finally {
      release();
    }
    const done = await waitFor(async () => {
      const { body } = await stack.api.get<BackfillProgress>(path);
      return body.state === 'done' ? body : null;
    }, 'backfill done', 30_000, 50);
    expect(done).toMatchObject({ total: 302, processed: 302, failed: 0 });
    expect(stack.hubspot.objects(PORTAL_ID, 'deals')).toHaveLength(302);
  });

  it('cancel without a running backfill is a 404 with a reason', async () => {
    const { status, body } = await stack.api.send<ApiError>('DELETE', path, {});
    expect(status).toBe(404);
    expect(body.message).toMatch(/No backfill/);
  });
});
