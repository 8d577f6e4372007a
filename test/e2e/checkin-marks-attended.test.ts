// End to end against a REAL pretix: a check-in through pretix's check-in API (`checkinrpc/redeem`) produces the
// `pretix.event.checkin` webhook, and the receiver marks the ticket's person attended at the check-in's own time in
// the (fake) HubSpot marketing event. Run: npx vitest run --project e2e test/e2e/checkin-marks-attended.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { SyncRecord } from '../../receiver/store/types';
import type { FakeHubSpot } from '../fakes/hubspot';
import { waitFor } from '../helpers/wait-for';
import type { RealPretix } from './pretix-server';
import { startRealPretixStack, type Json, type RealPretixStack } from './real-pretix-stack';
import type { WebhookTap } from './webhook-tap';

const PORTAL_ID = '7071';
const HUBSPOT_TOKEN = 'pat-eu1-e2e-static-token-0001';
const SECRET_KEY = 'e2e-secret-key-that-is-long-enough-0123456789';
const BUYER = 'checkin.buyer@example.org';

describe('real pretix: a check-in through the check-in API → attended in HubSpot', () => {
  let stack: RealPretixStack;
  let pretix: RealPretix;
  let hubspot: FakeHubSpot;
  let tap: WebhookTap;
  let admin: AdminClient;
  let connection: PublicConnection;

  const px = (...call: Parameters<RealPretixStack['px']>) => stack.px(...call);
  const orgPath = () => `/organizers/${pretix.organizer}`;
  const eventPath = () => `${orgPath()}/events/${pretix.event}`;
  const record = async (code: string) =>
    (await admin.get<{ record: SyncRecord }>(`/records/${connection.id}/${pretix.event}/${code}`).catch(() => null))?.record ?? null;

  /** The receiver reads pretix while it syncs, and pretix's SQLite allows one writer: each step waits for the sync. */
  const waitSynced = (code: string, since: number) =>
    waitFor(
      async () => {
        const { jobs } = await admin.get<{ jobs: { key: string }[] }>('/jobs');
        const rec = await record(code);
        return !jobs.some((j) => j.key.endsWith(`:${code}`)) && rec?.status === 'synced' && Date.parse(rec.syncedAt) >= since ? rec : null;
      },
      `${code} synced`,
      30_000,
      100,
    );

  beforeAll(async () => {
    stack = await startRealPretixStack({ portalId: PORTAL_ID, hubspotToken: HUBSPOT_TOKEN, secretKey: SECRET_KEY, tempPrefix: 'pretix-hubspot-e2e-checkin-', });
    ({ pretix, hubspot, tap, admin, connection } = stack);
    // Default mappings (buyer and attendees → contacts) and the webhook registered through pretix's API.
    await admin.post(`/connections/${connection.id}/events/${pretix.event}/enable`);
    await admin.put(`/connections/${connection.id}/events/${pretix.event}/marketing-event`, { enabled: true });
  }, 240_000);

  afterAll(() => stack?.stop());

  it('subscribed the check-in actions, registered the buyer, and marks them attended at the check-in time', async () => {
    const webhooks = (await px('GET', `${orgPath()}/webhooks/`)).results as { action_types: string[]; enabled: boolean }[];
    expect(webhooks.find((w) => w.enabled)?.action_types).toEqual(expect.arrayContaining(['pretix.event.checkin', 'pretix.event.checkin.reverted']));

    const order = await px('POST', `${eventPath()}/orders/`, {
      email: BUYER,
      locale: 'en',
      send_email: false,
      positions: [{ item: pretix.ids.items.workshop }],
    });
    const code = String(order.code);
    // Pending orders count as registered by default.
    const placed = await waitSynced(code, 0);
    expect(placed.participation).toMatchObject([{ email: BUYER, state: 'registered' }]);
    let since = Date.now();
    await px('POST', `${eventPath()}/orders/${code}/mark_paid/`, { send_email: false }, 200);
    await waitSynced(code, since);
    const marketingEvent = hubspot.marketingEvents(PORTAL_ID)[0]!;
    expect(marketingEvent.externalEventId).toBe(`${pretix.organizer}:${pretix.event}`);

    const secret = String(((order.positions as Json[])[0]!).secret);
    since = Date.now();
    const redeemed = await px('POST', `${orgPath()}/checkinrpc/redeem/`, { secret, lists: [pretix.ids.checkinList], type: 'entry' }, 201);
    expect(redeemed.status).toBe('ok');
    await waitFor(() => tap.webhooks({ code, since }).some((call) => (call.body as Json).action === 'pretix.event.checkin'), 'check-in webhook', 30_000, 100);
    const attended = await waitFor(
      () => hubspot.participations(PORTAL_ID, marketingEvent.objectId).find((p) => p.email === BUYER && p.state === 'ATTENDED'),
      'attended in HubSpot',
      30_000,
      100,
    );
    // The check-in's own time, as pretix stored it.
    const checkins = ((await px('GET', `${eventPath()}/orders/${code}/`)).positions as { checkins: { datetime: string }[] }[])[0]!.checkins;
    expect(attended.occurredAt).toBe(Date.parse(checkins[0]!.datetime));
  }, 120_000);
});
