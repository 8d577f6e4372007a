// Two HubSpot portals on one receiver: each sees only its own orders, settings, connections, mappings, sync problems
// and jobs. Reaching for the other's by id answers exactly like an id that does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ApiError,
  ContactOrdersResponse,
  CreateConnectionResponse,
  SettingsResponse,
  SyncProblemsResponse,
} from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { jobKey } from '../../receiver/store/types';
import { loadFixture } from '../fixtures';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { exampleMappingsBody } from '../helpers/mappings';
import { startApiStack, type ApiStack } from './signed-client';

const PORTAL_B = '5150';
const TOKEN_B = 'betatoken0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefgh';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('portal isolation', () => {
  let stack: ApiStack;
  let a: PublicConnection;
  let bId: string;

  const asB = {
    get: <T>(path: string, query?: Record<string, string | string[]>) => stack.api.get<T>(path, query, PORTAL_B),
    send: <T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => stack.api.send<T>(method, path, body, PORTAL_B),
  };

  const failJob = async (portalId: string, connectionId: string, event: string, code: string) => {
    const now = Date.now();
    await stack.store.enqueue([{ portalId, connectionId, event, code, action: 'manual' }], now);
    await stack.store.claimDueJobs(now, 100);
    await stack.store.failJob(jobKey(connectionId, event, code), { failureClass: 'config', message: `broken ${code}`, nextAttemptAt: null }, now);
  };

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    // Portal A: the usual organizer, mappings, a synced order and a stopped job.
    a = await stack.connect();
    await stack.admin.put(`/connections/${a.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    await failJob(PORTAL_ID, a.id, EVENT, 'R2D9K');

    // Portal B: its own organizer with an order by the same buyer.
    const event = loadFixture<Record<string, unknown>>('event.json');
    stack.pretix.addEvent('betacorp', { ...event, slug: 'betacon', name: { en: 'BetaCon' } });
    stack.pretix.addOrder('betacorp', 'betacon', { ...loadFixture<Record<string, unknown>>('order-paid.json'), code: 'B3T4X', event: 'betacon' });
    stack.pretix.addToken(TOKEN_B, { organizer: 'betacorp', permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true } });
    const created = await asB.send<CreateConnectionResponse>('POST', '/api/v1/connections', { baseUrl: stack.pretix.url, organizer: 'betacorp', apiToken: TOKEN_B });
    expect(created.status).toBe(201);
    bId = created.body.connection.id;
    await stack.store.saveEventConfig({ connectionId: bId, event: 'betacon', enabled: true, mappings: [], updatedAt: new Date().toISOString() });
    await failJob(PORTAL_B, bId, 'betacon', 'B3T4X');
  });
  afterAll(() => stack.close());

  it("shows each portal only its own orders of the same buyer", async () => {
    const ofA = await stack.api.get<ContactOrdersResponse>('/api/v1/contacts/1/orders', { email: 'jane.doe@example.com' });
    const ofB = await asB.get<ContactOrdersResponse>('/api/v1/contacts/1/orders', { email: 'jane.doe@example.com' });
    expect(ofA.body.orders.map((o) => o.code)).toEqual(['Q7X3M']);
    expect(ofB.body.orders.map((o) => o.code)).toEqual(['B3T4X']);
    expect(ofB.text).not.toContain(a.id);
    expect(ofB.text).not.toContain(ORGANIZER);
  });

  it("shows each portal only its own connections", async () => {
    const settingsA = await stack.api.get<SettingsResponse>('/api/v1/settings');
    const settingsB = await asB.get<SettingsResponse>('/api/v1/settings');
    expect(settingsA.body.connections.map((c) => c.id)).toEqual([a.id]);
    expect(settingsB.body.connections.map((c) => c.id)).toEqual([bId]);
    expect(settingsB.text).not.toContain(a.webhookUrl);
  });

  it("shows each portal only its own sync problems", async () => {
    const problemsA = (await stack.api.get<SyncProblemsResponse>('/api/v1/sync-problems')).body.problems;
    const problemsB = (await asB.get<SyncProblemsResponse>('/api/v1/sync-problems')).body.problems;
    expect(problemsA.map((p) => p.code)).toEqual(['R2D9K']);
    expect(problemsB.map((p) => p.code)).toEqual(['B3T4X']);
  });

  /** B's answer for A's id must look exactly like its answer for an id that does not exist. */
  const expectLikeNotFound = async (call: (id: string) => Promise<{ status: number; body: unknown }>) => {
    const other = await call(a.id);
    const missing = await call(UNKNOWN_ID);
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    const normalize = (body: unknown, id: string) => JSON.parse(JSON.stringify(body).split(id).join('<id>')) as ApiError;
    expect(normalize(other.body, a.id)).toEqual(normalize(missing.body, UNKNOWN_ID));
    expect(JSON.stringify(other.body)).not.toContain(ORGANIZER);
  };

  it("cannot read or change the other portal's connection, events or mappings", async () => {
    const base = (id: string) => `/api/v1/connections/${id}`;
    await expectLikeNotFound((id) => asB.get(`${base(id)}/events`));
    await expectLikeNotFound((id) => asB.send('PUT', `${base(id)}/events/${EVENT}`, { enabled: false }));
    await expectLikeNotFound((id) => asB.get(`${base(id)}/events/${EVENT}/mappings`));
    await expectLikeNotFound((id) => asB.send('PUT', `${base(id)}/events/${EVENT}/mappings`, { mappings: [] }));
    await expectLikeNotFound((id) => asB.send('POST', `${base(id)}/events/${EVENT}/mappings/create-missing-properties`, {}));
    await expectLikeNotFound((id) => asB.get(`${base(id)}/events/${EVENT}/source-fields`, { model: 'Order' }));
    await expectLikeNotFound((id) => asB.get(`${base(id)}/events/${EVENT}/backfill`));
    await expectLikeNotFound((id) => asB.send('POST', `${base(id)}/events/${EVENT}/backfill`, {}));
    await expectLikeNotFound((id) => asB.send('DELETE', `${base(id)}/events/${EVENT}/backfill`, {}));
    await expectLikeNotFound((id) => asB.send('DELETE', base(id), {}));
    // Nothing of A's changed.
    expect(await stack.store.getConnection(a.id)).toBeDefined();
    expect((await stack.store.getEventConfig(a.id, EVENT))?.mappings).toHaveLength(3);
    expect((await stack.store.getEventConfig(a.id, EVENT))?.enabled).toBe(true);
  });

  it("cannot queue or retry the other portal's orders", async () => {
    await expectLikeNotFound((id) => asB.send('POST', '/api/v1/orders/sync', { connectionId: id, event: EVENT, code: 'Q7X3M' }));
    const retryA = await asB.send<ApiError>('POST', '/api/v1/sync-problems/retry', { key: jobKey(a.id, EVENT, 'R2D9K') });
    const retryMissing = await asB.send<ApiError>('POST', '/api/v1/sync-problems/retry', { key: jobKey(UNKNOWN_ID, EVENT, 'R2D9K') });
    expect(retryA.status).toBe(404);
    expect(retryA.body.error).toBe(retryMissing.body.error);
    expect((await stack.store.getJob(jobKey(a.id, EVENT, 'R2D9K')))?.state).toBe('failed');
    expect((await stack.store.listJobs({ portalId: PORTAL_B })).every((job) => job.connectionId === bId)).toBe(true);
  });

  it("cannot sign itself into the other portal with a second portalId", async () => {
    const answer = await stack.api.request<ApiError>({ path: '/api/v1/settings', portalId: [PORTAL_B, PORTAL_ID] });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('portal_conflict');
  });
});
