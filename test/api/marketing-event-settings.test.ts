// The settings page's "Marketing event in HubSpot" switch over the signed API: saved per event, and, in a portal
// that installed the app without the optional marketing-event scopes, shown as unavailable with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, EventsResponse, SetMarketingEventResponse, SettingsResponse } from '../../src/app/shared/api-types';
import { REQUIRED_SCOPES } from '../../receiver/hubspot/scopes';
import { EVENT, PORTAL_ID } from '../helpers/stack';
import { exampleMappingsBody } from '../helpers/mappings';
import { startApiStack, type ApiStack } from './signed-client';

describe('settings: marketing event switch', () => {
  let stack: ApiStack;
  let connectionId: string;
  const path = () => `/api/v1/connections/${connectionId}/events/${EVENT}/marketing-event`;

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    const connection = await stack.connect();
    connectionId = connection.id;
    await stack.admin.put(`/connections/${connectionId}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  it('is available with the scopes, and turning it on creates the marketing event', async () => {
    const settings = await stack.api.get<SettingsResponse>('/api/v1/settings');
    expect(settings.body.marketingEvents).toEqual({ available: true, reason: null });
    const { status, body } = await stack.api.send<SetMarketingEventResponse>('PUT', path(), { enabled: true, countPending: false });
    expect(status).toBe(200);
    expect(body).toEqual({
      marketingEvent: { enabled: true, countPending: false, countApprovalPending: false, marketingEvents: 1, problem: null },
      availability: { available: true, reason: null },
    });
    expect(stack.hubspot.marketingEvents(PORTAL_ID)).toHaveLength(1);
  });

  it('refuses a body without `enabled`, changing nothing', async () => {
    const { status, body } = await stack.api.send<ApiError>('PUT', path(), { countPending: true });
    expect(status).toBe(400);
    expect(body.message).toMatch(/enabled/);
    const events = await stack.api.get<EventsResponse>(`/api/v1/connections/${connectionId}/events`);
    expect(events.body.events.find((e) => e.slug === EVENT)?.marketingEvent?.countPending).toBe(false);
  });

  it('says why it is unavailable when the installation lacks the marketing-event scopes', async () => {
    const at = new Date().toISOString();
    await stack.store.saveInstallation({
      portalId: PORTAL_ID,
      status: 'active',
      accessTokenSealed: null,
      refreshTokenSealed: null,
      accessTokenExpiresAt: 0,
      scopes: [...REQUIRED_SCOPES],
      installedAt: at,
      updatedAt: at,
    });
    const settings = await stack.api.get<SettingsResponse>('/api/v1/settings');
    expect(settings.body.marketingEvents?.available).toBe(false);
    expect(settings.body.marketingEvents?.reason).toMatch(/crm\.objects\.marketing_events\.write/);
    const { body } = await stack.api.send<SetMarketingEventResponse>('PUT', path(), { enabled: true });
    expect(body.availability.available).toBe(false);
    expect(body.marketingEvent.problem).toMatch(/reinstall/);
    const events = await stack.api.get<EventsResponse>(`/api/v1/connections/${connectionId}/events`);
    expect(events.body.events.find((e) => e.slug === EVENT)?.marketingEvent?.problem).toMatch(/scopes/);
  });
});
