// pretix events as HubSpot marketing events, over HTTP against both fakes: the switch creates the event's marketing
// event; an order registers its attendees; a check-in webhook marks the ticket's person attended at the check-in's
// own time; a reverted check-in stays attended in HubSpot and is marked reverted here; a cancellation cancels;
// a series gets one marketing event per date; a backfill registers existing attendees and marks check-ins attended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { EventConfig, SyncRecord } from '../../receiver/store/types';
import { REQUIRED_SCOPES } from '../../receiver/hubspot/scopes';
import { EVENT, HUBSPOT_TOKEN, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';
import { addSeries, SERIES } from './marketing-event-series';

const JANE = 'jane.doe@example.com';
const JOHN = 'john.smith@example.org';
const JOHN_POSITION = 48214;
const LIST = 44;

async function record(stack: Stack, connection: PublicConnection, event: string, code: string): Promise<SyncRecord | null> {
  return (await stack.admin.get<{ record: SyncRecord }>(`/records/${connection.id}/${event}/${code}`).catch(() => null))?.record ?? null;
}

function participation(stack: Stack, externalEventId: string) {
  const event = stack.hubspot.marketingEvents(PORTAL_ID).find((e) => e.externalEventId === externalEventId);
  if (!event) return {};
  return Object.fromEntries(stack.hubspot.participations(PORTAL_ID, event.objectId).map((p) => [p.email, p]));
}

describe('marketing event of a single event: order → registered, check-in → attended, cancel → cancelled', () => {
  let stack: Stack;
  let connection: PublicConnection;
  const path = () => `/connections/${connection.id}/events/${EVENT}`;

  beforeAll(async () => {
    stack = await startStack();
    connection = await stack.connect();
    await stack.admin.put(`${path()}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  it('creates the marketing event when the switch is turned on, and keeps its objectId', async () => {
    const answer = await stack.admin.put<{ event: EventConfig; availability: { available: boolean } }>(`${path()}/marketing-event`, { enabled: true });
    expect(answer.availability.available).toBe(true);
    const [created] = stack.hubspot.marketingEvents(PORTAL_ID);
    expect(created).toMatchObject({
      externalAccountId: connection.id,
      externalEventId: `${ORGANIZER}:${EVENT}`,
      // The organizer's display name from pretix, not its slug.
      eventOrganizer: 'ACME Corp',
      eventCancelled: false,
    });
    expect(created!.eventName).not.toBe('');
    expect(answer.event.marketingEvents?.[`${ORGANIZER}:${EVENT}`]?.objectId).toBe(created!.objectId);
  });

  it('refuses settings that are not booleans, changing nothing', async () => {
    await expect(stack.admin.put(`${path()}/marketing-event`, { enabled: 'yes' })).rejects.toThrow(/enabled/);
    expect((await stack.admin.get<{ event: EventConfig }>(path())).event.marketingEvent).toEqual({ enabled: true });
  });

  it('registers every ticket holder of a placed order, in one attendance call', async () => {
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    await waitFor(async () => (await record(stack, connection, EVENT, 'Q7X3M'))?.participation?.length === 2, 'participation recorded');
    const byEmail = participation(stack, `${ORGANIZER}:${EVENT}`);
    expect(byEmail[JANE]?.state).toBe('REGISTERED');
    expect(byEmail[JOHN]?.state).toBe('REGISTERED');
    expect(stack.hubspot.requestCount({ route: '/register/email-create' })).toBe(1);
  });

  it('marks the checked-in person attended at the check-in time from the webhook', async () => {
    const checkedInAt = '2026-06-01T09:15:00.000Z';
    await stack.pretix.checkIn(ORGANIZER, EVENT, 'Q7X3M', JOHN_POSITION, LIST, checkedInAt);
    await waitFor(() => participation(stack, `${ORGANIZER}:${EVENT}`)[JOHN]?.state === 'ATTENDED', 'John attended');
    const byEmail = participation(stack, `${ORGANIZER}:${EVENT}`);
    expect(byEmail[JOHN]?.occurredAt).toBe(Date.parse(checkedInAt));
    expect(byEmail[JANE]?.state).toBe('REGISTERED');
    const rec = await waitFor(async () => (await record(stack, connection, EVENT, 'Q7X3M'))?.participation?.find((p) => p.email === JOHN && p.state === 'attended'), 'record says attended');
    expect(rec.at).toBe(Date.parse(checkedInAt));
  });

  it('keeps a reverted check-in attended in HubSpot and marks it reverted in the record', async () => {
    await stack.pretix.revertCheckIn(ORGANIZER, EVENT, 'Q7X3M', JOHN_POSITION, LIST);
    await waitFor(async () => (await record(stack, connection, EVENT, 'Q7X3M'))?.participation?.find((p) => p.email === JOHN)?.reverted === true, 'reverted recorded');
    expect(participation(stack, `${ORGANIZER}:${EVENT}`)[JOHN]?.state).toBe('ATTENDED');
  });

  it('cancels everyone of a canceled order', async () => {
    stack.pretix.updateOrder(ORGANIZER, EVENT, 'Q7X3M', (order) => {
      order.status = 'c';
    });
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.canceled');
    await waitFor(() => {
      const byEmail = participation(stack, `${ORGANIZER}:${EVENT}`);
      return byEmail[JANE]?.state === 'CANCELLED' && byEmail[JOHN]?.state === 'CANCELLED';
    }, 'both cancelled');
  });
});

describe('marketing events of an event series: one per date', () => {
  let stack: Stack;
  let connection: PublicConnection;

  beforeAll(async () => {
    stack = await startStack();
    addSeries(stack);
    connection = await stack.connect();
    const path = `/connections/${connection.id}/events/${SERIES}`;
    await stack.admin.put(`${path}/mappings?enable=true`, exampleMappingsBody());
    await stack.admin.put(`${path}/marketing-event`, { enabled: true });
  });
  afterAll(() => stack.close());

  it('creates nothing up front, then one marketing event per date on its first order', async () => {
    expect(stack.hubspot.marketingEvents(PORTAL_ID)).toEqual([]);
    await stack.pretix.emit(ORGANIZER, SERIES, 'SER01', 'pretix.event.order.placed');
    await waitFor(async () => (await record(stack, connection, SERIES, 'SER01'))?.participation?.length === 2, 'participation recorded');
    const events = stack.hubspot.marketingEvents(PORTAL_ID).sort((a, b) => a.externalEventId.localeCompare(b.externalEventId));
    expect(events.map((e) => [e.externalEventId, e.eventName, e.startDateTime])).toEqual([
      [`${ORGANIZER}:${SERIES}:11`, 'Workshop (2027-03-01)', '2027-03-01T09:00:00.000Z'],
      [`${ORGANIZER}:${SERIES}:12`, 'Workshop (2027-04-01)', '2027-04-01T09:00:00.000Z'],
    ]);
    expect(events[0]!.eventUrl).toMatch(/\/series\/11\/$/);
    expect(Object.keys(participation(stack, `${ORGANIZER}:${SERIES}:11`))).toEqual([JANE]);
    expect(Object.keys(participation(stack, `${ORGANIZER}:${SERIES}:12`))).toEqual([JOHN]);
  });
});

describe('backfill of an event with existing check-ins', () => {
  let stack: Stack;
  let connection: PublicConnection;

  beforeAll(async () => {
    stack = await startStack();
    stack.pretix.updateOrder(ORGANIZER, EVENT, 'Q7X3M', (order) => {
      const john = (order.positions as { id: number; checkins: unknown[] }[]).find((p) => p.id === JOHN_POSITION)!;
      john.checkins = [{ id: 1, list: LIST, datetime: '2026-05-20T08:00:00Z', type: 'entry' }];
    });
    connection = await stack.connect({ webhook: 'none' });
    const path = `/connections/${connection.id}/events/${EVENT}`;
    await stack.admin.put(`${path}/mappings?enable=true`, exampleMappingsBody());
    await stack.admin.put(`${path}/marketing-event`, { enabled: true });
    await stack.admin.post(`${path}/backfill`);
    await waitFor(async () => (await stack.admin.get<{ backfill: { state: string } }>(`${path}/backfill`)).backfill.state === 'done', 'backfill done');
  });
  afterAll(() => stack.close());

  it('registers the attendees and marks the one already checked in attended at the check-in time', () => {
    const byEmail = participation(stack, `${ORGANIZER}:${EVENT}`);
    expect(byEmail[JANE]?.state).toBe('REGISTERED');
    expect(byEmail[JOHN]).toMatchObject({ state: 'ATTENDED', occurredAt: Date.parse('2026-05-20T08:00:00Z') });
  });
});

describe('a portal without the marketing-event scopes', () => {
  let stack: Stack;
  let connection: PublicConnection;
  const path = () => `/connections/${connection.id}/events/${EVENT}`;

  beforeAll(async () => {
    stack = await startStack();
    // The same token, granted only what contacts and deals need (HubSpot answers 403 MISSING_SCOPES to the rest).
    stack.hubspot.addStaticToken(HUBSPOT_TOKEN, PORTAL_ID, { scopes: [...REQUIRED_SCOPES] });
    connection = await stack.connect();
    await stack.admin.put(`${path()}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  it('keeps the switch, says why the marketing event is missing, and still syncs contacts and deals', async () => {
    const answer = await stack.admin.put<{ event: EventConfig }>(`${path()}/marketing-event`, { enabled: true });
    expect(answer.event.marketingEvent?.enabled).toBe(true);
    expect(answer.event.marketingEventProblem).toMatch(/scope/i);
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    const synced = await waitFor(async () => {
      const r = await record(stack, connection, EVENT, 'Q7X3M');
      return r?.status === 'synced' ? r : null;
    }, 'Q7X3M synced');
    expect(synced.participation).toBeUndefined();
    expect(stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', JANE)).toBeDefined();
    expect(stack.hubspot.objects(PORTAL_ID, 'deals')).toHaveLength(1);
    expect(stack.hubspot.marketingEvents(PORTAL_ID)).toEqual([]);
    const config = (await stack.admin.get<{ event: EventConfig }>(path())).event;
    expect(config.marketingEventProblem).toMatch(/missing scopes/i);
  });
});
