// "Sync every event" over the signed settings API: bad input and another portal change nothing; turning it on answers
// the connection as the settings page shows it, with what was enabled, and the settings list shows the option.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, SetAllEventsResponse, SettingsResponse } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { EVENT_ADDED_ACTION } from '../../receiver/pretix/webhook-actions';
import { EVENT, ORGANIZER } from '../helpers/stack';
import { startApiStack, type ApiStack } from './signed-client';

describe('sync every event in the settings API', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const path = () => `/api/v1/connections/${connection.id}/all-events`;

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    stack.pretix.addEvent(ORGANIZER, { slug: 'second' });
    connection = await stack.connect({ webhook: 'none' });
  });
  afterAll(() => stack.close());

  it('refuses a body without a boolean, a set id that is not a slug and another portal, changing nothing', async () => {
    const noFlag = await stack.api.send<ApiError>('PUT', path(), { defaultMappingSetId: null });
    expect(noFlag.status).toBe(400);
    expect(Object.keys(noFlag.body.fieldErrors ?? {})).toEqual(['enabled']);
    const badSet = await stack.api.send<ApiError>('PUT', path(), { enabled: true, defaultMappingSetId: '../x' });
    expect(badSet.status).toBe(400);
    const foreign = await stack.api.send<ApiError>('PUT', path(), { enabled: true }, '999999');
    expect(foreign.status).toBe(404);
    expect((await stack.store.getConnection(connection.id))?.syncAllEvents).toBeUndefined();
    expect((await stack.store.listEventConfigs(connection.id))).toEqual([]);
    expect(stack.pretix.webhooks(ORGANIZER)).toEqual([]);
  });

  it('turns it on: the answer and the settings list show it, every event is enabled, the webhook covers new events', async () => {
    const on = await stack.api.send<SetAllEventsResponse>('PUT', path(), { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body.connection).toMatchObject({ id: connection.id, syncAllEvents: true, defaultMappingSetId: null });
    expect(on.body.adopted).toEqual([EVENT, 'second'].sort());
    const { body: settings } = await stack.api.get<SettingsResponse>('/api/v1/settings');
    expect(settings.connections[0]).toMatchObject({ syncAllEvents: true, defaultMappingSetId: null });
    const [hook] = stack.pretix.webhooks(ORGANIZER);
    expect(hook).toMatchObject({ all_events: true, enabled: true });
    expect(hook!.action_types).toContain(EVENT_ADDED_ACTION);
    // Without a default set the events it enabled got the default mappings.
    expect((await stack.store.getEventConfig(connection.id, 'second'))?.mappings.length).toBeGreaterThan(0);
  });

  it('answers 502 and changes nothing when pretix refuses the webhook change', async () => {
    const before = (await stack.store.getConnection(connection.id));
    stack.pretix.failNext({ status: 500, match: /webhooks/, count: 10 });
    const failed = await stack.api.send<ApiError>('PUT', path(), { enabled: false });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toBe('webhook_not_registered');
    expect((await stack.store.getConnection(connection.id))).toEqual(before);
    stack.pretix.failures.length = 0;
  });
});
