// The reconcile sweep keeps marketing events in step with pretix when no webhook said so (the changes below are made
// in the fake pretix silently): a renamed event renames its marketing event, moved dates move it, an end in the
// past completes it, a deactivated or deleted date cancels that date's marketing event, and a deleted event
// (pretix answers 403 for it and no longer lists it) cancels its own. Over HTTP against both fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { EventConfig, SweepState, SyncRecord } from '../../receiver/store/types';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';
import { addSeries, SERIES } from './marketing-event-series';

function marketingEvent(stack: Stack, externalEventId: string) {
  const found = stack.hubspot.marketingEvents(PORTAL_ID).find((e) => e.externalEventId === externalEventId);
  if (!found) throw new Error(`no marketing event ${externalEventId} in the fake HubSpot`);
  return found;
}

const sweep = (stack: Stack, connection: PublicConnection, event: string) =>
  stack.admin.post<{ sweep: SweepState }>(`/connections/${connection.id}/events/${event}/sweep`);

describe('reconcile sweep: the marketing event of a single event follows pretix', () => {
  let stack: Stack;
  let connection: PublicConnection;
  const id = `${ORGANIZER}:${EVENT}`;

  beforeAll(async () => {
    stack = await startStack();
    // The fixture event lies in the past: moved ahead first, so that it starts out active.
    Object.assign(stack.pretix.eventState(ORGANIZER, EVENT).event, { date_from: '2027-05-20T07:00:00Z', date_to: '2027-05-21T16:00:00Z' });
    connection = await stack.connect({ webhook: 'none' });
    const path = `/connections/${connection.id}/events/${EVENT}`;
    await stack.admin.put(`${path}/mappings?enable=true`, exampleMappingsBody());
    await stack.admin.put(`${path}/marketing-event`, { enabled: true });
    expect(marketingEvent(stack, id)).toMatchObject({ startDateTime: '2027-05-20T07:00:00.000Z', eventCompleted: false });
  });
  afterAll(() => stack.close());

  it('renames the marketing event when the event is renamed in pretix', async () => {
    stack.pretix.eventState(ORGANIZER, EVENT).event.name = { en: 'DemoCon 2027 (renamed)', de: 'DemoCon 2027 (umbenannt)' };
    await sweep(stack, connection, EVENT);
    expect(marketingEvent(stack, id).eventName).toBe('DemoCon 2027 (renamed)');
    expect(marketingEvent(stack, id).eventCompleted).toBe(false);
  });

  it('moves its start and end when the dates move, and an unchanged event costs no HubSpot update', async () => {
    Object.assign(stack.pretix.eventState(ORGANIZER, EVENT).event, { date_from: '2027-06-01T08:00:00Z', date_to: '2027-06-02T18:00:00Z' });
    await sweep(stack, connection, EVENT);
    expect(marketingEvent(stack, id)).toMatchObject({ startDateTime: '2027-06-01T08:00:00.000Z', endDateTime: '2027-06-02T18:00:00.000Z' });
    const updates = stack.hubspot.requestCount({ route: '/batch/update' });
    await sweep(stack, connection, EVENT);
    expect(stack.hubspot.requestCount({ route: '/batch/update' })).toBe(updates);
  });

  it('completes the marketing event once the event has ended', async () => {
    Object.assign(stack.pretix.eventState(ORGANIZER, EVENT).event, { date_from: '2026-01-10T08:00:00Z', date_to: '2026-01-11T18:00:00Z' });
    await sweep(stack, connection, EVENT);
    expect(marketingEvent(stack, id)).toMatchObject({ eventCompleted: true, eventCancelled: false, endDateTime: '2026-01-11T18:00:00.000Z' });
    const config = (await stack.admin.get<{ event: EventConfig }>(`/connections/${connection.id}/events/${EVENT}`)).event;
    expect(config.marketingEvents?.[id]?.state).toBe('completed');
  });

  it('cancels nothing when pretix answers 403 for an event it still lists (a permission problem, not a deletion)', async () => {
    stack.pretix.failNext({ status: 403, count: 1, match: new RegExp(`^GET /api/v1/organizers/${ORGANIZER}/events/${EVENT}/$`) });
    await sweep(stack, connection, EVENT);
    expect(stack.pretix.requests.some((r) => r.status === 403 && r.path.endsWith(`/events/${EVENT}/`))).toBe(true);
    expect(marketingEvent(stack, id).eventCancelled).toBe(false);
  });
});

describe('reconcile sweep: the dates of a series and a deleted event', () => {
  let stack: Stack;
  let connection: PublicConnection;

  beforeAll(async () => {
    stack = await startStack();
    addSeries(stack);
    // An event without orders (pretix deletes only those) with its marketing event.
    const base = stack.pretix.eventState(ORGANIZER, EVENT);
    stack.pretix.addEvent(ORGANIZER, { slug: 'gonecon', name: { en: 'GoneCon' }, date_from: '2027-09-01T09:00:00Z', date_to: '2027-09-01T17:00:00Z' }, { items: base.items, questions: base.questions });
    connection = await stack.connect({ webhook: 'none' });
    for (const event of [SERIES, 'gonecon']) {
      await stack.admin.put(`/connections/${connection.id}/events/${event}/mappings?enable=true`, exampleMappingsBody());
      await stack.admin.put(`/connections/${connection.id}/events/${event}/marketing-event`, { enabled: true });
    }
    await stack.pretix.emit(ORGANIZER, SERIES, 'SER01', 'pretix.event.order.placed');
    await waitFor(async () => {
      const record = (await stack.admin.get<{ record: SyncRecord }>(`/records/${connection.id}/${SERIES}/SER01`).catch(() => null))?.record;
      return record?.participation?.length === 2;
    }, 'one marketing event per date');
  });
  afterAll(() => stack.close());

  it('cancels the marketing event of a date set inactive, and only that one', async () => {
    stack.pretix.eventState(ORGANIZER, SERIES).subevents.find((s) => s.id === 11)!.active = false;
    await sweep(stack, connection, SERIES);
    expect(marketingEvent(stack, `${ORGANIZER}:${SERIES}:11`).eventCancelled).toBe(true);
    expect(marketingEvent(stack, `${ORGANIZER}:${SERIES}:12`).eventCancelled).toBe(false);
  });

  it('cancels the marketing event of a deleted date', async () => {
    const state = stack.pretix.eventState(ORGANIZER, SERIES);
    state.subevents = state.subevents.filter((s) => s.id !== 12);
    await sweep(stack, connection, SERIES);
    expect(marketingEvent(stack, `${ORGANIZER}:${SERIES}:12`).eventCancelled).toBe(true);
  });

  it('cancels the marketing event of a deleted event (pretix answers 403 for it and lists it no more)', async () => {
    expect(marketingEvent(stack, `${ORGANIZER}:gonecon`).eventCancelled).toBe(false);
    stack.pretix.organizers.get(ORGANIZER)!.events.delete('gonecon');
    const { sweep: state } = await sweep(stack, connection, 'gonecon');
    expect(state.lastError).toMatch(/403/);
    expect(marketingEvent(stack, `${ORGANIZER}:gonecon`).eventCancelled).toBe(true);
    const config = (await stack.admin.get<{ event: EventConfig }>(`/connections/${connection.id}/events/gonecon`)).event;
    expect(config.marketingEvents?.[`${ORGANIZER}:gonecon`]?.state).toBe('cancelled');
  });
});
