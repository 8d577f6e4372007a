// The settings page's connection form: input checked field by field, the token tested against pretix, pretix's
// refusal put on the field the person has to change, and nothing secret in any answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, CreateConnectionResponse, SettingsResponse } from '../../src/app/shared/api-types';
import { ORDER_ACTIONS } from '../../receiver/pretix/webhook-actions';
import { freePort } from '../helpers/free-port';
import { ORGANIZER, PORTAL_ID, PRETIX_TOKEN } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { startApiStack, type ApiStack } from './signed-client';

describe('settings: connections', () => {
  let stack: ApiStack;
  const create = (body: Record<string, unknown>) => stack.api.send<CreateConnectionResponse & ApiError>('POST', '/api/v1/connections', body);

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    stack.pretix.addOrganizer('othercorp');
  });
  afterAll(() => stack.close());

  it('reads empty settings with the webhook action types', async () => {
    const { status, body } = await stack.api.get<SettingsResponse>('/api/v1/settings');
    expect(status).toBe(200);
    expect(body).toEqual({ portalId: PORTAL_ID, connections: [], webhookActionTypes: [...ORDER_ACTIONS] });
  });

  it('answers field errors for every invalid field at once', async () => {
    const { status, body } = await create({ baseUrl: 'ftp://pretix.example', organizer: 'acme corp', apiToken: 'short' });
    expect(status).toBe(400);
    expect(Object.keys(body.fieldErrors ?? {}).sort()).toEqual(['apiToken', 'baseUrl', 'organizer']);
    expect(body.fieldErrors!.baseUrl).toMatch(/https/);
    expect(body.fieldErrors!.apiToken).toMatch(/too short/);
  });

  it('answers a field error for missing fields', async () => {
    const { status, body } = await create({ baseUrl: stack.pretix.url, organizer: ORGANIZER });
    expect(status).toBe(400);
    expect(Object.keys(body.fieldErrors ?? {})).toEqual(['apiToken']);
  });

  it('puts a rejected token on apiToken', async () => {
    const { status, body } = await create({ baseUrl: stack.pretix.url, organizer: ORGANIZER, apiToken: 'x'.repeat(64) });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_connection');
    expect(Object.keys(body.fieldErrors!)).toEqual(['apiToken']);
    expect(body.fieldErrors!.apiToken).toMatch(/401/);
  });

  it("puts an organizer the token cannot see on organizer", async () => {
    const { status, body } = await create({ baseUrl: stack.pretix.url, organizer: 'othercorp', apiToken: PRETIX_TOKEN });
    expect(status).toBe(400);
    expect(Object.keys(body.fieldErrors!)).toEqual(['organizer']);
    expect(body.fieldErrors!.organizer).toMatch(/403/);
  });

  it('puts an address that is not pretix, or unreachable, on baseUrl', async () => {
    const notPretix = await create({ baseUrl: stack.hubspot.url, organizer: ORGANIZER, apiToken: PRETIX_TOKEN });
    expect(notPretix.status).toBe(400);
    expect(Object.keys(notPretix.body.fieldErrors!)).toEqual(['baseUrl']);
    const closed = await create({ baseUrl: `http://127.0.0.1:${await freePort()}`, organizer: ORGANIZER, apiToken: PRETIX_TOKEN });
    expect(closed.status).toBe(400);
    expect(closed.body.fieldErrors!.baseUrl).toMatch(/could not reach pretix/i);
  });

  it('creates a connection after pretix accepted the token, and never echoes secrets', async () => {
    const answer = await create({ baseUrl: `${stack.pretix.url}/api/v1/`, organizer: ORGANIZER, apiToken: PRETIX_TOKEN });
    expect(answer.status).toBe(201);
    const { connection } = answer.body;
    expect(connection).toEqual({
      id: expect.any(String),
      baseUrl: stack.pretix.url,
      organizer: ORGANIZER,
      createdAt: expect.stringMatching(/^\d{4}-/),
      webhookUrl: expect.stringMatching(new RegExp(`^${stack.api.publicUrl}/webhooks/pretix/[\\w-]+$`)),
      syncAllEvents: false,
      defaultMappingSetId: null,
    });
    expect(answer.text).not.toContain(PRETIX_TOKEN);
    expect((await stack.store.getConnection(connection.id))?.portalId).toBe(PORTAL_ID);

    const settings = await stack.api.get<SettingsResponse>('/api/v1/settings');
    expect(settings.body.connections).toEqual([connection]);
    expect(settings.text).not.toContain(PRETIX_TOKEN);
    expect(settings.text).not.toContain('Sealed');
  });

  it('refuses the same organizer twice', async () => {
    const { status, body } = await create({ baseUrl: stack.pretix.url, organizer: ORGANIZER, apiToken: PRETIX_TOKEN });
    expect(status).toBe(400);
    expect(Object.keys(body.fieldErrors!)).toEqual(['organizer']);
  });

  it('deletes a connection', async () => {
    const [connection] = (await stack.api.get<SettingsResponse>('/api/v1/settings')).body.connections;
    const answer = await stack.api.send<{ deleted: boolean; message: string }>('DELETE', `/api/v1/connections/${connection!.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body.deleted).toBe(true);
    expect((await stack.api.get<SettingsResponse>('/api/v1/settings')).body.connections).toEqual([]);
    expect((await stack.api.send('DELETE', `/api/v1/connections/${connection!.id}`)).status).toBe(404);
  });
});

describe('settings: connection check that outlives the deadline', () => {
  let stack: ApiStack;
  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false, apiUpstreamTimeoutMs: 800 });
  });
  afterAll(() => stack.close());

  it('answers 504 on baseUrl in time and does not keep a connection saved afterwards', async () => {
    const pretixAnswered = () => stack.pretix.requests.some((r) => r.path.endsWith(`/organizers/${ORGANIZER}/events/`) && r.status === 200);
    // pretix holds the check until the test lets it go, so an answer at all proves the deadline: "in time" is an
    // order of events here, not a wall-clock figure.
    const release = stack.pretix.hold();
    const answer = await stack.api
      .send<ApiError>('POST', '/api/v1/connections', { baseUrl: stack.pretix.url, organizer: ORGANIZER, apiToken: PRETIX_TOKEN })
      .finally(release);
    expect(answer.status).toBe(504);
    expect(Object.keys(answer.body.fieldErrors!)).toEqual(['baseUrl']);
    // pretix answers "OK" later; the connection the person was told failed must not appear. The receiver saves it
    // and takes it out again (asking pretix for its webhooks on the way), so wait for that removal to have run, not
    // merely for a moment in which there is no connection yet.
    await waitFor(pretixAnswered, 'pretix answered late');
    await waitFor(() => stack.pretix.requests.some((r) => r.path.endsWith(`/organizers/${ORGANIZER}/webhooks/`) && r.status === 200), 'late connection taken out');
    await waitFor(async () => (await stack.store.flush(), (await stack.store.listConnections(PORTAL_ID)).length === 0), 'no late connection');
  });
});
