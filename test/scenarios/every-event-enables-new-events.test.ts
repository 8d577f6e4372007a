// Issue 13, point 2: "sync every event of this organizer". Turned on for an organizer with 200 events, it registers
// the one pretix webhook with `all_events: true` (and `pretix.event.added`), enables every event with the default
// mapping set, and from then on a new event is enabled as soon as pretix announces it, so its orders reach HubSpot
// without anyone touching the settings. An order of a new event whose announcement was lost enables it too, and the
// reconcile sweep finds a new event no webhook told us about. Turning the option off stops the automatic enabling;
// the events it enabled keep syncing. Driven over the admin API and the webhook route against the loopback fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventSummary } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { EVENT_ADDED_ACTION, ORDER_ACTIONS } from '../../receiver/pretix/webhook-actions';
import { adminTokenFor } from '../../receiver/app';
import { createSecretBox } from '../../receiver/store/secrets';
import type { Json } from '../fakes/pretix';
import { loadFixture } from '../fixtures';
import { buyerAndDealMappings, defineOrderIdProperty } from '../helpers/mappings';
import { ORGANIZER, PORTAL_ID, PRETIX_TOKEN, SECRET_KEY, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

const EXISTING = Array.from({ length: 200 }, (_, n) => `edition-${String(n).padStart(3, '0')}`);
const items = loadFixture<{ results: Json[] }>('items.json').results;
const questions = loadFixture<{ results: Json[] }>('questions.json').results;

interface AllEventsAnswer {
  connection: PublicConnection;
  adopted: string[];
  stillEnabled: string[];
  leftDisabled: string[];
  message: string;
}

async function adminCall(stack: Stack, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.receiverUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminTokenFor(createSecretBox(SECRET_KEY))}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

describe('sync every event of the organizer', () => {
  let stack: Stack;
  let connection: PublicConnection;
  let base: string;

  const contactOf = (event: string, code: string) => {
    const email = String(stack.pretix.getOrder(ORGANIZER, event, code)!.email);
    return stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', email);
  };
  const ourWebhooks = () => stack.pretix.webhooks(ORGANIZER).filter((w) => w.target_url === connection.webhookUrl && w.enabled);

  beforeAll(async () => {
    // Each sweep lists every enabled event (200 requests): above pretix Hosted's 360 a minute after two sweeps, so
    // the receiver's limit is raised for this test, which sweeps three times in a row.
    stack = await startStack({ env: { PRETIX_RATE_LIMIT: '3000/1m' } });
    defineOrderIdProperty(stack.hubspot, PORTAL_ID);
    stack.pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: true, eventsCreate: true } });
    stack.pretix.organizers.get(ORGANIZER)?.events.clear();
    for (const slug of EXISTING) stack.pretix.addEvent(ORGANIZER, { slug }, { items, questions });
    connection = await stack.connect({ webhook: 'none' });
    base = `/connections/${connection.id}`;
    await stack.admin.put(`${base}/mapping-sets/season`, { name: 'Season', mappings: { object_mappings: buyerAndDealMappings() } });
  }, 60_000);
  afterAll(() => stack?.close());

  it('refuses a bad request or an unknown set and changes nothing', async () => {
    const bad = await adminCall(stack, 'PUT', `${base}/all-events`, { enabled: 'yes' });
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('enabled');
    const unknown = await adminCall(stack, 'PUT', `${base}/all-events`, { enabled: true, defaultMappingSet: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown_mapping_set');
    expect((await stack.store.getConnection(connection.id))?.syncAllEvents).toBeUndefined();
    expect((await stack.store.listEventConfigs(connection.id))).toEqual([]);
    expect(ourWebhooks()).toEqual([]);
  });

  it('turned on: one all-events webhook, and all 200 events enabled with the default set', async () => {
    const started = Date.now();
    const answer = await stack.admin.put<AllEventsAnswer>(`${base}/all-events`, { enabled: true, defaultMappingSet: 'season' });
    const tookMs = Date.now() - started;
    expect(answer.adopted).toEqual(EXISTING);
    expect(answer.connection.syncAllEvents).toBe(true);
    expect(answer.connection.defaultMappingSetId).toBe('season');
    expect(answer.message).toContain('200 event(s) were enabled');
    const hooks = ourWebhooks();
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ all_events: true, limit_events: [] });
    expect(new Set(hooks[0]!.action_types)).toEqual(new Set([...ORDER_ACTIONS, EVENT_ADDED_ACTION]));
    const { events } = await stack.admin.get<{ events: EventSummary[] }>(`${base}/events`);
    expect(events.filter((e) => e.enabled && e.autoEnabled && e.mappingSetId === 'season').map((e) => e.slug).sort()).toEqual(EXISTING);
    expect(events.every((e) => e.webhook.state === 'registered' && e.webhook.id === hooks[0]!.id)).toBe(true);
    // Reported, not asserted tightly: 200 event settings saved side by side.
    console.warn(`turning "every event" on for 200 events answered in ${tookMs} ms`);
    expect(tookMs).toBeGreaterThan(0);
  }, 30_000);

  it('a new event is enabled when pretix announces it, and its first order reaches HubSpot', async () => {
    const added = await stack.pretix.createEvent(ORGANIZER, { slug: 'newcon-2027', name: { en: 'NewCon 2027' } }, { items, questions });
    expect(added.calls.map((c) => c.status)).toEqual([200]);
    const config = (await stack.store.getEventConfig(connection.id, 'newcon-2027'));
    expect(config).toMatchObject({ enabled: true, autoEnabled: true, mappingSetId: 'season' });
    const [placed] = await stack.pretix.placeOrders(ORGANIZER, 'newcon-2027', 1);
    expect(placed!.calls.map((c) => c.status)).toEqual([200]);
    await waitFor(
      () => contactOf('newcon-2027', placed!.code) !== undefined && stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', placed!.code) !== undefined,
      'the new event\'s buyer and deal in HubSpot',
    );
    // The settings page's table lists it like any other event.
    const { events } = await stack.admin.get<{ events: EventSummary[] }>(`${base}/events`);
    expect(events.find((e) => e.slug === 'newcon-2027')).toMatchObject({ enabled: true, autoEnabled: true, mappingSetId: 'season' });
  });

  it('an order of a new event whose announcement never arrived enables that event too', async () => {
    stack.pretix.addEvent(ORGANIZER, { slug: 'silent-fest' }, { items, questions });
    const [placed] = await stack.pretix.placeOrders(ORGANIZER, 'silent-fest', 1);
    expect(placed!.calls.map((c) => c.status)).toEqual([200]);
    expect((await stack.store.getEventConfig(connection.id, 'silent-fest'))).toMatchObject({ enabled: true, autoEnabled: true });
    await waitFor(() => contactOf('silent-fest', placed!.code) !== undefined, 'the silent event\'s buyer in HubSpot');
  });

  it('a repeated announcement and one for an event that exists change nothing, and none is answered 404 or 410', async () => {
    const before = (await stack.store.getEventConfig(connection.id, 'newcon-2027'));
    const again = await fetch(connection.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notification_id: 999_001, organizer: ORGANIZER, event: 'newcon-2027', action: EVENT_ADDED_ACTION }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'ignored' });
    expect((await stack.store.getEventConfig(connection.id, 'newcon-2027'))).toEqual(before);
    expect(stack.pretix.webhookCalls.filter((c) => c.status !== 200)).toEqual([]);
  });

  it('the reconcile sweep finds a new event that no webhook announced, and syncs its orders', async () => {
    stack.pretix.addEvent(ORGANIZER, { slug: 'quiet-camp' }, { items, questions });
    const codes = stack.pretix.generateOrders(ORGANIZER, 'quiet-camp', 2, { status: 'p' });
    await stack.app.services.sweeper.sweepAll();
    expect((await stack.store.getEventConfig(connection.id, 'quiet-camp'))).toMatchObject({ enabled: true, autoEnabled: true, mappingSetId: 'season' });
    await waitFor(() => codes.every((code) => contactOf('quiet-camp', code) !== undefined), 'the quiet event\'s buyers in HubSpot');
  });

  it('an event a person disabled stays disabled; the sweep does not enable it again', async () => {
    await stack.admin.post(`${base}/events/edition-007/disable`);
    await stack.app.services.sweeper.sweepAll();
    expect((await stack.store.getEventConfig(connection.id, 'edition-007'))).toMatchObject({ enabled: false, autoEnabled: false });
    // Still one webhook for all events: disabling an event does not narrow it.
    expect(ourWebhooks()).toHaveLength(1);
    expect(ourWebhooks()[0]!.all_events).toBe(true);
  });

  it('turned off: the webhook covers the enabled events again, new events are not enabled, enabled ones keep syncing', async () => {
    const answer = await stack.admin.put<AllEventsAnswer>(`${base}/all-events`, { enabled: false });
    expect(answer.connection.syncAllEvents).toBe(false);
    expect(answer.stillEnabled).toContain('newcon-2027');
    expect(answer.stillEnabled).not.toContain('edition-007');
    expect(answer.message).toContain('keep syncing');
    const hooks = ourWebhooks();
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.all_events).toBe(false);
    expect(hooks[0]!.action_types).not.toContain(EVENT_ADDED_ACTION);
    expect(new Set(hooks[0]!.limit_events)).toEqual(new Set([...EXISTING.filter((e) => e !== 'edition-007'), 'newcon-2027', 'silent-fest', 'quiet-camp']));

    const added = await stack.pretix.createEvent(ORGANIZER, { slug: 'after-off' }, { items, questions });
    expect(added.calls).toEqual([]);
    stack.pretix.generateOrders(ORGANIZER, 'after-off', 1);
    await stack.app.services.sweeper.sweepAll();
    expect((await stack.store.getEventConfig(connection.id, 'after-off'))).toBeUndefined();

    // An automatically enabled event still syncs.
    const [placed] = await stack.pretix.placeOrders(ORGANIZER, 'newcon-2027', 1);
    await waitFor(() => contactOf('newcon-2027', placed!.code) !== undefined, 'a later order of the new event in HubSpot');
  });

  it('removing a connection that syncs every event takes its webhook out of pretix', async () => {
    await stack.admin.put(`${base}/all-events`, { enabled: true });
    expect(ourWebhooks()[0]?.all_events).toBe(true);
    await stack.admin.delete(`/connections/${connection.id}`);
    expect(ourWebhooks()).toEqual([]);
    expect((await stack.store.getConnection(connection.id))).toBeUndefined();
  }, 30_000);
});
