// pretix's event and date notifications keep marketing events current without waiting for the sweep: turning the
// marketing event on makes the pretix webhook listen to `pretix.event.changed`, `.deleted` and `pretix.subevent.*`;
// each delivery is stored, answered 200, and costs at most one HubSpot batch update. Unknown events and dates
// without a marketing event are answered 200 and ignored, never 404 or 410. Over HTTP against both fakes (the fake
// pretix delivers these notifications filtered by event like real pretix; `pretix.event.deleted` to every webhook).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { EventConfig, SyncRecord } from '../../receiver/store/types';
import { MARKETING_EVENT_ACTIONS } from '../../receiver/pretix/webhook-actions';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';
import { addSeries, SERIES } from './marketing-event-series';

const found = (stack: Stack, externalEventId: string) => stack.hubspot.marketingEvents(PORTAL_ID).find((e) => e.externalEventId === externalEventId);

function marketingEvent(stack: Stack, externalEventId: string) {
  const event = found(stack, externalEventId);
  if (!event) throw new Error(`no marketing event ${externalEventId} in the fake HubSpot`);
  return event;
}

const batchUpdates = (stack: Stack) => stack.hubspot.requestCount({ route: '/batch/update' });

async function config(stack: Stack, connection: PublicConnection, event: string): Promise<EventConfig> {
  return (await stack.admin.get<{ event: EventConfig }>(`/connections/${connection.id}/events/${event}`)).event;
}

describe('pretix event and date webhooks update marketing events', () => {
  let stack: Stack;
  let connection: PublicConnection;
  const base = () => stack.pretix.eventState(ORGANIZER, EVENT);

  beforeAll(async () => {
    stack = await startStack();
    Object.assign(base().event, { date_from: '2027-05-20T07:00:00Z', date_to: '2027-05-21T16:00:00Z' });
    addSeries(stack);
    stack.pretix.addEvent(ORGANIZER, { slug: 'gonecon', name: { en: 'GoneCon' }, date_from: '2027-09-01T09:00:00Z', date_to: '2027-09-01T17:00:00Z' }, { items: base().items, questions: base().questions });
    stack.pretix.addEvent(ORGANIZER, { slug: 'othercon', name: { en: 'OtherCon' } });
    // The event service registers the webhook (limit_events = the enabled events).
    connection = await stack.connect({ webhook: 'none' });
    for (const event of [EVENT, SERIES, 'gonecon']) {
      await stack.admin.put(`/connections/${connection.id}/events/${event}/mappings?enable=true`, exampleMappingsBody());
    }
  });
  afterAll(() => stack.close());

  it('listens to event and date changes once an event has its marketing event, and not before', async () => {
    const [before] = stack.pretix.webhooks(ORGANIZER);
    expect(before!.action_types).not.toContain('pretix.event.changed');
    for (const event of [EVENT, SERIES, 'gonecon']) await stack.admin.put(`/connections/${connection.id}/events/${event}/marketing-event`, { enabled: true });
    const hooks = stack.pretix.webhooks(ORGANIZER);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.action_types).toEqual(expect.arrayContaining([...MARKETING_EVENT_ACTIONS]));
    expect(hooks[0]!.limit_events.sort()).toEqual([EVENT, 'gonecon', SERIES].sort());
  });

  it('renames the marketing event when pretix announces the event changed: one batch update, answered 200', async () => {
    expect(marketingEvent(stack, `${ORGANIZER}:${EVENT}`).eventName).not.toBe('DemoCon Live');
    const updates = batchUpdates(stack);
    const delivery = await stack.pretix.changeEvent(ORGANIZER, EVENT, { name: { en: 'DemoCon Live', de: 'DemoCon Live' } });
    expect(delivery.calls.map((c) => c.status)).toEqual([200]);
    await waitFor(() => found(stack, `${ORGANIZER}:${EVENT}`)?.eventName === 'DemoCon Live', 'marketing event renamed');
    await waitFor(async () => (await config(stack, connection, EVENT)).marketingRefreshDue == null, 'refresh no longer due');
    expect(batchUpdates(stack) - updates).toBe(1);
  });

  it('moves the marketing event of one date when pretix announces that date changed, leaving the other alone', async () => {
    await stack.pretix.emit(ORGANIZER, SERIES, 'SER01', 'pretix.event.order.placed');
    await waitFor(async () => {
      const record = (await stack.admin.get<{ record: SyncRecord }>(`/records/${connection.id}/${SERIES}/SER01`).catch(() => null))?.record;
      return record?.participation?.length === 2;
    }, 'one marketing event per date');
    const other = marketingEvent(stack, `${ORGANIZER}:${SERIES}:12`).updatedAt;
    const updates = batchUpdates(stack);
    stack.pretix.resetStats();
    const delivery = await stack.pretix.changeSubEvent(ORGANIZER, SERIES, 11, { date_from: '2027-03-08T09:00:00Z', date_to: '2027-03-08T17:00:00Z' });
    expect(delivery.calls.map((c) => [c.status, c.payload.subevent])).toEqual([[200, 11]]);
    await waitFor(() => found(stack, `${ORGANIZER}:${SERIES}:11`)?.startDateTime === '2027-03-08T09:00:00.000Z', 'date 11 moved');
    expect(marketingEvent(stack, `${ORGANIZER}:${SERIES}:11`)).toMatchObject({ eventName: 'Workshop (2027-03-08)', endDateTime: '2027-03-08T17:00:00.000Z' });
    expect(marketingEvent(stack, `${ORGANIZER}:${SERIES}:12`).updatedAt).toBe(other);
    expect(batchUpdates(stack) - updates).toBe(1);
    // Only the announced date was read again from pretix.
    expect(stack.pretix.requests.filter((r) => r.path.includes('/subevents/')).map((r) => r.path)).toEqual([expect.stringMatching(/\/subevents\/11\/$/)]);
  });

  it('cancels the marketing event of a date set inactive', async () => {
    await stack.pretix.changeSubEvent(ORGANIZER, SERIES, 12, { active: false });
    await waitFor(() => found(stack, `${ORGANIZER}:${SERIES}:12`)?.eventCancelled === true, 'date 12 cancelled');
    expect(marketingEvent(stack, `${ORGANIZER}:${SERIES}:11`).eventCancelled).toBe(false);
  });

  it('cancels the marketing event of a deleted date', async () => {
    const delivery = await stack.pretix.deleteSubEvent(ORGANIZER, SERIES, 11);
    expect(delivery.calls.map((c) => c.status)).toEqual([200]);
    await waitFor(() => found(stack, `${ORGANIZER}:${SERIES}:11`)?.eventCancelled === true, 'date 11 cancelled');
  });

  it('ignores a new date (its marketing event comes with its first order) with 200', async () => {
    const count = stack.hubspot.marketingEvents(PORTAL_ID).length;
    const delivery = await stack.pretix.addSubEvent(ORGANIZER, SERIES, { id: 13, name: { en: 'Workshop' }, date_from: '2027-05-01T09:00:00Z', date_to: '2027-05-01T17:00:00Z', active: true });
    expect(delivery.calls.map((c) => c.status)).toEqual([200]);
    expect(stack.hubspot.marketingEvents(PORTAL_ID)).toHaveLength(count);
  });

  it('cancels the marketing event of an event deleted through pretix\'s API (the payload names no event)', async () => {
    expect(marketingEvent(stack, `${ORGANIZER}:gonecon`).eventCancelled).toBe(false);
    stack.pretix.resetStats();
    const delivery = await stack.pretix.deleteEvent(ORGANIZER, 'gonecon', { via: 'api' });
    expect(delivery.calls.map((c) => [c.status, c.payload.event])).toEqual([[200, null]]);
    await waitFor(() => found(stack, `${ORGANIZER}:gonecon`)?.eventCancelled === true, 'gonecon cancelled');
    // The other events are still there in pretix: their marketing events stay as they were.
    expect(marketingEvent(stack, `${ORGANIZER}:${EVENT}`).eventCancelled).toBe(false);
    // The payload names no event, so every event with a marketing event is asked "are you gone?": wait for all of
    // them, so that no later step sees a refresh settle in the background.
    for (const event of [EVENT, SERIES]) {
      await waitFor(async () => (await config(stack, connection, event)).marketingRefreshDue == null, `refresh of ${event} done`);
    }
    // The events still there cost one request each (is it gone?), not a full refresh.
    const read = stack.pretix.requests.map((r) => r.path);
    expect(read.filter((path) => path.endsWith(`/events/${EVENT}/`))).toHaveLength(1);
    expect(read.some((path) => path.includes(`/events/${EVENT}/settings/`))).toBe(false);
  });

  it('sends no notification for an event outside the webhook (filtered like real pretix), and 200 for unknown events', async () => {
    expect((await stack.pretix.changeEvent(ORGANIZER, 'othercon', { name: { en: 'OtherCon 2' } })).calls).toEqual([]);
    for (const body of [
      { notification_id: 990_001, organizer: ORGANIZER, event: 'no-such-event', action: 'pretix.event.changed' },
      { notification_id: 990_002, organizer: ORGANIZER, event: 'no-such-event', action: 'pretix.event.deleted' },
      { notification_id: 990_003, organizer: ORGANIZER, event: 'othercon', subevent: 5, action: 'pretix.subevent.changed' },
    ]) {
      const response = await fetch(connection.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ignored' });
    }
    expect(stack.pretix.webhookCalls.filter((c) => c.status !== 200)).toEqual([]);
  });

  it('refuses a date notification without a date id with 400, storing nothing', async () => {
    const before = await config(stack, connection, SERIES);
    const response = await fetch(connection.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notification_id: 990_004, organizer: ORGANIZER, event: SERIES, subevent: 'eleven', action: 'pretix.subevent.changed' }),
    });
    expect(response.status).toBe(400);
    expect(await config(stack, connection, SERIES)).toEqual(before);
  });

  it('keeps the switch, the marketing event and the event notifications when the event is disabled and enabled again', async () => {
    const path = `/connections/${connection.id}/events/${EVENT}`;
    const objectId = (await config(stack, connection, EVENT)).marketingEvents?.[`${ORGANIZER}:${EVENT}`]?.objectId;
    expect(objectId).toBe(marketingEvent(stack, `${ORGANIZER}:${EVENT}`).objectId);
    await stack.admin.post(`${path}/disable`);
    await stack.admin.post(`${path}/enable`);
    const after = await config(stack, connection, EVENT);
    expect(after.marketingEvent?.enabled).toBe(true);
    expect(after.marketingEvents?.[`${ORGANIZER}:${EVENT}`]?.objectId).toBe(objectId);
    expect(stack.pretix.webhooks(ORGANIZER)[0]!.action_types).toContain('pretix.event.changed');
  });

  it('stops listening to event and date changes when the last marketing event is turned off', async () => {
    for (const event of [EVENT, SERIES]) await stack.admin.put(`/connections/${connection.id}/events/${event}/marketing-event`, { enabled: false });
    expect(stack.pretix.webhooks(ORGANIZER)[0]!.action_types).not.toContain('pretix.event.changed');
  });
});
