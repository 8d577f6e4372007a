// Issue 13's goal against a REAL pretix: "sync every event" turned on for the organizer, then an event created through
// pretix's REST API (with a product and a quota), an order placed in it, and the buyer appears in the fake HubSpot
// without anyone touching the settings: pretix's own `pretix.event.added` reaches the receiver through the
// all-events webhook it registered, and the order's webhook follows.
//
// Run: npx vitest run --project e2e test/e2e/every-event-real-pretix.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { EVENT_ADDED_ACTION, ORDER_ACTIONS } from '../../receiver/pretix/webhook-actions';
import type { EventConfig } from '../../receiver/store/types';
import type { FakeHubSpot } from '../fakes/hubspot';
import { waitFor } from '../helpers/wait-for';
import type { RealPretix } from './pretix-server';
import { startRealPretixStack, type Json, type RealPretixStack } from './real-pretix-stack';
import type { WebhookTap } from './webhook-tap';

const PORTAL_ID = '7171';
const HUBSPOT_TOKEN = 'pat-eu1-e2e-every-event-token-0000';
const SECRET_KEY = 'e2e-every-event-secret-key-long-enough-0123456789';
const NEW_EVENT = 'newcon-2027';
const BUYER = 'new.buyer@example.org';


describe('sync every event, against a real pretix', () => {
  let stack: RealPretixStack;
  let pretix: RealPretix;
  let hubspot: FakeHubSpot;
  let tap: WebhookTap;
  let admin: AdminClient;
  let connection: PublicConnection;

  const px = (...call: Parameters<RealPretixStack['px']>) => stack.px(...call);
  const org = () => `/organizers/${pretix.organizer}`;

  beforeAll(async () => {
    stack = await startRealPretixStack({ portalId: PORTAL_ID, hubspotToken: HUBSPOT_TOKEN, secretKey: SECRET_KEY, tempPrefix: 'pretix-hubspot-e2e-every-',
      prepareHubSpot: (fake) =>
        fake.defineProperty(PORTAL_ID, 'contacts', { name: 'pretix_order_codes', label: 'pretix order codes', type: 'string', fieldType: 'text', groupName: 'pretix' }), });
    ({ pretix, hubspot, tap, admin, connection } = stack);
  }, 300_000);

  afterAll(() => stack?.stop());

  it('turning it on registers one all-events webhook in pretix and enables the existing event', async () => {
    await admin.put(`/connections/${connection.id}/mapping-sets/every`, {
      name: 'Every event',
      mappings: {
        object_mappings: [
          {
            id: 1,
            pretix_model: 'Order',
            external_object_type: 'contacts',
            pretix_id_field: 'email',
            external_id_field: 'email',
            property_mappings: [{ pretix_field: 'order_code', external_field: 'pretix_order_codes', value_map: '', overwrite: 'append' }],
          },
        ],
      },
    });
    const answer = await admin.put<{ adopted: string[] }>(`/connections/${connection.id}/all-events`, { enabled: true, defaultMappingSet: 'every' });
    expect(answer.adopted).toContain(pretix.event);
    const hooks = ((await px('GET', `${org()}/webhooks/`)).results as Json[]).filter((w) => w.enabled && w.target_url === connection.webhookUrl);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ all_events: true, limit_events: [] });
    expect(new Set(hooks[0]!.action_types as string[])).toEqual(new Set([...ORDER_ACTIONS, EVENT_ADDED_ACTION]));
  }, 60_000);

  it('an event created in pretix, with an order placed in it, reaches HubSpot without touching the settings', async () => {
    await px('POST', `${org()}/events/`, {
      name: { en: 'NewCon 2027' },
      slug: NEW_EVENT,
      currency: 'EUR',
      date_from: '2027-06-01T09:00:00Z',
      live: false,
    });
    // pretix without a task broker delivers pretix.event.added before its answer: the event is enabled already.
    const { event } = await admin.get<{ event: EventConfig }>(`/connections/${connection.id}/events/${NEW_EVENT}`);
    expect(event).toMatchObject({ enabled: true, autoEnabled: true, mappingSetId: 'every' });
    const announced = tap.webhooks().filter((call) => call.body?.action === EVENT_ADDED_ACTION);
    expect(announced.map((call) => [call.body?.event, call.answer])).toEqual([[NEW_EVENT, { status: 'enabled' }]]);

    const item = await px('POST', `${org()}/events/${NEW_EVENT}/items/`, { name: { en: 'Ticket' }, default_price: '10.00', admission: true, active: true });
    await px('POST', `${org()}/events/${NEW_EVENT}/quotas/`, { name: 'Tickets', size: 10, items: [item.id], variations: [] });
    const order = await px('POST', `${org()}/events/${NEW_EVENT}/orders/`, {
      email: BUYER,
      locale: 'en',
      sales_channel: 'web',
      payment_provider: 'manual',
      send_email: false,
      positions: [{ item: item.id }],
    });
    await waitFor(() => hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', BUYER) !== undefined, 'the buyer of the new event in HubSpot', 30_000);
    expect(hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', BUYER)!.properties.pretix_order_codes).toBe(String(order.code));
  }, 120_000);
});
