// The settings page's event list and sync toggle go through the event service, which registers the pretix webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, CreateConnectionResponse, EventsResponse, SetEventEnabledResponse } from '../../src/app/shared/api-types';
import { EVENT, ORGANIZER, PRETIX_TOKEN } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { startApiStack, type ApiStack } from './signed-client';

describe('settings: events', () => {
  let stack: ApiStack;
  let connectionId: string;

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    const created = await stack.api.send<CreateConnectionResponse>('POST', '/api/v1/connections', {
      baseUrl: stack.pretix.url,
      organizer: ORGANIZER,
      apiToken: PRETIX_TOKEN,
    });
    connectionId = created.body.connection.id;
  });
  afterAll(() => stack.close());

  it("lists the organizer's events, none enabled yet", async () => {
    const { status, body } = await stack.api.get<EventsResponse>(`/api/v1/connections/${connectionId}/events`);
    expect(status).toBe(200);
    expect(body.events.map((e) => [e.slug, e.name, e.enabled])).toEqual([[EVENT, 'DemoCon 2025', false]]);
  });

  it('enables an event, registering the pretix webhook', async () => {
    const { status, body } = await stack.api.send<SetEventEnabledResponse>('PUT', `/api/v1/connections/${connectionId}/events/${EVENT}`, { enabled: true });
    expect(status).toBe(200);
    expect(body.event).toMatchObject({ slug: EVENT, enabled: true, webhook: { state: 'registered' } });
    const hooks = stack.pretix.webhooks(ORGANIZER).filter((w) => w.enabled);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.limit_events).toEqual([EVENT]);
    const listed = await stack.api.get<EventsResponse>(`/api/v1/connections/${connectionId}/events`);
    expect(listed.body.events.find((e) => e.slug === EVENT)?.enabled).toBe(true);
  });

  it('disables it again', async () => {
    const { body } = await stack.api.send<SetEventEnabledResponse>('PUT', `/api/v1/connections/${connectionId}/events/${EVENT}`, { enabled: false });
    expect(body.event.enabled).toBe(false);
  });

  it('validates the toggle body', async () => {
    const { status, body } = await stack.api.send<ApiError>('PUT', `/api/v1/connections/${connectionId}/events/${EVENT}`, { enabled: 'yes' });
    expect(status).toBe(400);
    expect(Object.keys(body.fieldErrors!)).toEqual(['enabled']);
  });

  it('answers pretix trouble as an error with a message, not a crash', async () => {
    stack.pretix.failNext({ status: 403, match: /events\/$/ });
    const { status, body } = await stack.api.get<ApiError>(`/api/v1/connections/${connectionId}/events`);
    expect(status).toBe(409);
    expect(body.error).toBe('config_error');
    expect(body.message).toMatch(/403/);
  });
});

describe('settings: events while the connection is being removed', () => {
  let stack: ApiStack;
  afterAll(() => stack.close());

  it('does not enable an event (nor register a pretix webhook) for a connection removed while the toggle waited', async () => {
    stack = await startApiStack({ startWorker: false });
    const connection = await stack.connect({ webhook: 'none' });
    // pretix slow enough that the toggle below arrives while the removal still waits for it.
    stack.pretix.latencyMs = 500;
    const pretixRequestsBefore = stack.pretix.stats(ORGANIZER).total;
    const removing = stack.api.send('DELETE', `/api/v1/connections/${connection.id}`, {});
    // The removal is under way once it asked pretix for the webhooks (counted on arrival, before the latency).
    await waitFor(() => stack.pretix.stats(ORGANIZER).total > pretixRequestsBefore, 'removal asked pretix', 15_000, 5);
    const enabling = stack.api.send<ApiError>('PUT', `/api/v1/connections/${connection.id}/events/${EVENT}`, { enabled: true });
    const [removed, enabled] = await Promise.all([removing, enabling]);
    stack.pretix.latencyMs = 0;
    expect(removed.status).toBe(200);
    expect(enabled.status).toBe(404);
    expect(await stack.store.getConnection(connection.id)).toBeUndefined();
    expect(await stack.store.listEventConfigs(connection.id)).toEqual([]);
    expect(stack.pretix.webhooks(ORGANIZER).filter((w) => w.enabled && w.target_url === connection.webhookUrl)).toEqual([]);
  });
});

describe('settings: an organizer with 240 events', () => {
  let stack: ApiStack;
  let connectionId: string;
  const COUNT = 240;

  beforeAll(async () => {
    // One settings request per multilingual event, 25 ms each, would take more than the API's deadline of 6 s if
    // they ran one after another.
    stack = await startApiStack({ startWorker: false, apiUpstreamTimeoutMs: 6_000 });
    for (let n = 0; n < COUNT; n++) {
      stack.pretix.addEvent(
        ORGANIZER,
        { slug: `season-${String(n).padStart(3, '0')}`, name: { en: `Season ${n}`, de: `Saison ${n}` } },
        { settings: { locale: 'de', locales: ['de', 'en'] } },
      );
    }
    const created = await stack.api.send<CreateConnectionResponse>('POST', '/api/v1/connections', {
      baseUrl: stack.pretix.url,
      organizer: ORGANIZER,
      apiToken: PRETIX_TOKEN,
    });
    connectionId = created.body.connection.id;
  });
  afterAll(() => stack.close());

  it('lists every event in one call, named in its own language, within the deadline', async () => {
    stack.pretix.latencyMs = 25;
    stack.pretix.resetStats();
    const { status, body } = await stack.api.get<EventsResponse>(`/api/v1/connections/${connectionId}/events`);
    expect(status).toBe(200);
    expect(body.events).toHaveLength(COUNT + 1);
    expect(body.events.find((e) => e.slug === 'season-123')?.name).toBe('Saison 123');
    // pretix's event list read page by page (5 pages of 50), then each event's settings once.
    const pages = stack.pretix.requests.filter((r) => r.path === `/api/v1/organizers/${ORGANIZER}/events/`);
    expect(pages).toHaveLength(Math.ceil((COUNT + 1) / 50));

    // The locales are remembered: listing again reads only the event list.
    stack.pretix.resetStats();
    expect((await stack.api.get<EventsResponse>(`/api/v1/connections/${connectionId}/events`)).body.events).toHaveLength(COUNT + 1);
    expect(stack.pretix.requests.every((r) => r.path === `/api/v1/organizers/${ORGANIZER}/events/`)).toBe(true);
  });
});
