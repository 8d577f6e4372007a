// End to end against a REAL pretix: renaming the event through pretix's REST API (PATCH …/events/{event}/) logs
// `pretix.event.changed`, pretix delivers it to the webhook the receiver registered (it listens to event changes
// once the event has its marketing event), and the receiver renames the marketing event in the (fake) HubSpot
// without waiting for the sweep. Run: npx vitest run --project e2e test/e2e/event-rename-renames-marketing-event.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { MARKETING_EVENT_ACTIONS } from '../../receiver/pretix/webhook-actions';
import type { FakeHubSpot } from '../fakes/hubspot';
import { waitFor } from '../helpers/wait-for';
import type { RealPretix } from './pretix-server';
import { startRealPretixStack, type Json, type RealPretixStack } from './real-pretix-stack';
import type { WebhookTap } from './webhook-tap';

const PORTAL_ID = '7072';
const HUBSPOT_TOKEN = 'pat-eu1-e2e-static-token-0002';
const SECRET_KEY = 'e2e-secret-key-that-is-long-enough-9876543210';
const NEW_NAME = 'Renamed through the pretix API';

describe('real pretix: the event renamed through pretix\'s API → the marketing event renamed in HubSpot', () => {
  let stack: RealPretixStack;
  let pretix: RealPretix;
  let hubspot: FakeHubSpot;
  let tap: WebhookTap;
  let admin: AdminClient;
  let connection: PublicConnection;

  const px = (...call: Parameters<RealPretixStack['px']>) => stack.px(...call);
  const orgPath = () => `/organizers/${pretix.organizer}`;

  beforeAll(async () => {
    stack = await startRealPretixStack({ portalId: PORTAL_ID, hubspotToken: HUBSPOT_TOKEN, secretKey: SECRET_KEY, tempPrefix: 'pretix-hubspot-e2e-rename-' });
    ({ pretix, hubspot, tap, admin, connection } = stack);
    await admin.post(`/connections/${connection.id}/events/${pretix.event}/enable`);
    await admin.put(`/connections/${connection.id}/events/${pretix.event}/marketing-event`, { enabled: true });
  }, 240_000);

  afterAll(() => stack?.stop());

  it('subscribes the event actions and renames the marketing event on pretix.event.changed', async () => {
    const webhooks = (await px('GET', `${orgPath()}/webhooks/`)).results as { action_types: string[]; enabled: boolean }[];
    // pretix accepted every action type the receiver asked for (it refuses unregistered ones with 400).
    expect(webhooks.find((w) => w.enabled)?.action_types).toEqual(expect.arrayContaining([...MARKETING_EVENT_ACTIONS]));
    const [created] = hubspot.marketingEvents(PORTAL_ID);
    expect(created?.externalEventId).toBe(`${pretix.organizer}:${pretix.event}`);
    expect(created?.eventName).not.toBe(NEW_NAME);

    const since = Date.now();
    await px('PATCH', `${orgPath()}/events/${pretix.event}/`, { name: { en: NEW_NAME } }, 200);
    const delivered = await waitFor(
      () => tap.webhooks({ since }).find((call) => (call.body as Json | undefined)?.action === 'pretix.event.changed'),
      'pretix.event.changed delivered',
      30_000,
      100,
    );
    expect(delivered.body).toMatchObject({ organizer: pretix.organizer, event: pretix.event });
    expect(delivered.status).toBe(200);
    await waitFor(() => hubspot.marketingEvents(PORTAL_ID).find((e) => e.eventName === NEW_NAME), 'marketing event renamed', 30_000, 100);
    // The rename went out as an update of the one marketing event, not as a second one.
    expect(hubspot.marketingEvents(PORTAL_ID)).toHaveLength(1);
    expect(tap.webhooks().every((call) => call.status !== 404 && call.status !== 410)).toBe(true);
  }, 120_000);
});
