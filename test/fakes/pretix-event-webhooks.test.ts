// The fake pretix's event and date notifications, as pretix 2026.8 sends them (src/pretix/api/webhooks.py):
// `pretix.event.changed` and `pretix.subevent.*` only to webhooks covering the event, with `subevent` = the date's id;
// `pretix.event.deleted` (logged on the organizer) to every webhook listening to it, `event` null through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePretix, startFakePretix, startWebhookListener, type WebhookListener } from './pretix';

const ORG = 'acmecorp';
const ACTIONS = ['pretix.event.changed', 'pretix.event.deleted', 'pretix.subevent.added', 'pretix.subevent.changed', 'pretix.subevent.deleted'];

describe('fake pretix: event and date notifications', () => {
  let fake: FakePretix;
  let limited: WebhookListener;
  let everything: WebhookListener;

  beforeAll(async () => {
    fake = await startFakePretix();
    fake.seedFromFixtures();
    fake.addEvent(ORG, { slug: 'series', has_subevents: true }, { subevents: [{ id: 11, name: { en: 'A' }, date_from: '2027-01-01T10:00:00Z', active: true }] });
    fake.addEvent(ORG, { slug: 'empty' });
    limited = await startWebhookListener('/limited');
    everything = await startWebhookListener('/all');
    fake.addWebhook(ORG, { target_url: limited.url, all_events: false, limit_events: ['series'], action_types: ACTIONS });
    fake.addWebhook(ORG, { target_url: everything.url, all_events: true, limit_events: [], action_types: ACTIONS });
  });
  afterAll(async () => {
    await Promise.all([limited.close(), everything.close(), fake.close()]);
  });

  const bodies = (listener: WebhookListener) => listener.received.map((r) => r.body);

  it('sends event and date changes only to the webhooks covering the event, with the date id', async () => {
    await fake.changeEvent(ORG, 'democon', { name: { en: 'Renamed' } });
    expect(fake.eventState(ORG, 'democon').event.name).toEqual({ en: 'Renamed' });
    expect(bodies(limited)).toEqual([]);
    expect(bodies(everything)).toEqual([expect.objectContaining({ organizer: ORG, event: 'democon', action: 'pretix.event.changed' })]);
    await fake.changeSubEvent(ORG, 'series', 11, { active: false });
    await fake.addSubEvent(ORG, 'series', { id: 12, name: { en: 'B' } });
    await fake.deleteSubEvent(ORG, 'series', 12);
    expect(bodies(limited).map((b) => [b.action, b.subevent])).toEqual([['pretix.subevent.changed', 11], ['pretix.subevent.added', 12], ['pretix.subevent.deleted', 12]]);
    expect(fake.eventState(ORG, 'series').subevents.map((s) => [s.id, s.active])).toEqual([[11, false]]);
  });

  it('refuses to delete an event with orders, and sends a deletion to every webhook listening, event null through the API', async () => {
    await expect(fake.deleteEvent(ORG, 'democon')).rejects.toThrow(/orders/);
    const before = limited.received.length;
    await fake.deleteEvent(ORG, 'empty', { via: 'api' });
    expect(limited.received.slice(before).map((r) => r.body)).toEqual([expect.objectContaining({ action: 'pretix.event.deleted', event: null })]);
    expect(fake.organizers.get(ORG)!.events.has('empty')).toBe(false);
  });
});
