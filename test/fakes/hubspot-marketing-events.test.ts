// The fake's Marketing Events API (reference/hubspot.md §7) over real HTTP: the rules the receiver's calls must meet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHubSpot, type FakeHubSpot } from './hubspot';

const PORTAL = 4243;
const TOKEN = 'pat-na1-fake-marketing-token-01';
const NO_SCOPE_TOKEN = 'pat-na1-fake-marketing-token-02';
const BASE = '/marketing/marketing-events/2026-03';

async function call(fake: FakeHubSpot, method: string, path: string, body?: unknown, token = TOKEN) {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions probe arbitrary JSON
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as any };
}

const event = (externalEventId: string, extra: Record<string, unknown> = {}) => ({
  externalAccountId: 'conn-1',
  externalEventId,
  eventName: `Event ${externalEventId}`,
  eventOrganizer: 'Acme',
  customProperties: [],
  startDateTime: '2027-05-20T07:00:00Z',
  endDateTime: '2027-05-20T17:00:00Z',
  ...extra,
});

const attendee = (email: string, at: number) => ({ email, interactionDateTime: at, contactProperties: {}, properties: {} });

describe('fake HubSpot marketing events', () => {
  let fake: FakeHubSpot;

  beforeAll(async () => {
    fake = await startFakeHubSpot({ rateLimit: { limit: Infinity, intervalMs: 10_000 } });
    fake.addStaticToken(TOKEN, PORTAL);
    fake.addStaticToken(NO_SCOPE_TOKEN, PORTAL, { scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
  });
  afterAll(() => fake.close());

  it('refuses a create without the required fields and names the missing one', async () => {
    const { eventOrganizer: _organizer, ...withoutOrganizer } = event('acme:a');
    const answer = await call(fake, 'PUT', `${BASE}/events/acme:a`, withoutOrganizer);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain('eventOrganizer');
    const { customProperties: _custom, ...withoutCustom } = event('acme:a');
    expect((await call(fake, 'PUT', `${BASE}/events/acme:a`, withoutCustom)).status).toBe(400);
    expect(fake.marketingEvents(PORTAL)).toEqual([]);
  });

  it('upserts by externalEventId: the same objectId on a repeat, fields updated', async () => {
    const first = await call(fake, 'PUT', `${BASE}/events/acme:b`, event('acme:b'));
    expect(first.status).toBe(200);
    expect(first.body.objectId).toMatch(/^\d+$/);
    const again = await call(fake, 'PUT', `${BASE}/events/acme:b`, event('acme:b', { eventName: 'Renamed' }));
    expect(again.body.objectId).toBe(first.body.objectId);
    expect(fake.marketingEvents(PORTAL).filter((e) => e.externalEventId === 'acme:b')).toMatchObject([{ eventName: 'Renamed' }]);

    const batch = await call(fake, 'POST', `${BASE}/events/upsert`, { inputs: [event('acme:c'), event('acme:b')] });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { objectId: string }) => r.objectId)).toContain(first.body.objectId);
  });

  it('answers 404 for an unknown externalEventId on update, cancel, complete and attendance', async () => {
    expect((await call(fake, 'PATCH', `${BASE}/events/nope?externalAccountId=conn-1`, { customProperties: [] })).status).toBe(404);
    expect((await call(fake, 'POST', `${BASE}/events/nope/cancel?externalAccountId=conn-1`)).status).toBe(404);
    expect((await call(fake, 'POST', `${BASE}/events/nope/complete?externalAccountId=conn-1`, { startDateTime: '2027-01-01T00:00:00Z', endDateTime: '2027-01-01T01:00:00Z' })).status).toBe(404);
    expect((await call(fake, 'POST', `${BASE}/attendance/nope/register/email-create?externalAccountId=conn-1`, { inputs: [attendee('a@example.com', 1)] })).status).toBe(404);
  });

  it('keeps one participation per contact and event: register → attend → cancel, repeats change nothing', async () => {
    await call(fake, 'PUT', `${BASE}/events/acme:d`, event('acme:d'));
    const objectId = fake.marketingEvents(PORTAL).find((e) => e.externalEventId === 'acme:d')!.objectId;
    const path = (state: string) => `${BASE}/attendance/acme:d/${state}/email-create?externalAccountId=conn-1`;

    const registered = await call(fake, 'POST', path('register'), { inputs: [attendee('Ada@Example.com', 1000), attendee('bob@example.com', 1000)] });
    expect(registered.status).toBe(200);
    expect(registered.body.results).toHaveLength(2);
    // The contact was created by the call.
    expect(fake.findByProperty(PORTAL, 'contacts', 'email', 'ada@example.com')).toBeDefined();

    await call(fake, 'POST', path('attend'), { inputs: [attendee('ada@example.com', 5000)] });
    await call(fake, 'POST', path('attend'), { inputs: [attendee('ada@example.com', 5000)] });
    await call(fake, 'POST', path('cancel'), { inputs: [attendee('bob@example.com', 6000)] });
    const byEmail = Object.fromEntries(fake.participations(PORTAL, objectId).map((p) => [p.email, p]));
    expect(byEmail['ada@example.com']).toMatchObject({ state: 'ATTENDED', occurredAt: 5000, history: [{ state: 'REGISTERED' }, { state: 'ATTENDED' }] });
    expect(byEmail['bob@example.com']).toMatchObject({ state: 'CANCELLED', occurredAt: 6000 });

    const breakdown = await call(fake, 'GET', `${BASE}/participations/contacts/ada@example.com/breakdown`);
    expect(breakdown.body.results).toMatchObject([{ properties: { attendanceState: 'ATTENDED' }, associations: { marketingEvent: { marketingEventId: objectId } } }]);
  });

  it('refuses an unknown state and inputs missing a required field, writing nothing', async () => {
    await call(fake, 'PUT', `${BASE}/events/acme:e`, event('acme:e'));
    expect((await call(fake, 'POST', `${BASE}/attendance/acme:e/noshow/email-create?externalAccountId=conn-1`, { inputs: [attendee('c@example.com', 1)] })).status).toBe(400);
    const { properties: _p, ...partial } = attendee('c@example.com', 1);
    const refused = await call(fake, 'POST', `${BASE}/attendance/acme:e/register/email-create?externalAccountId=conn-1`, { inputs: [attendee('d@example.com', 1), partial] });
    expect(refused.status).toBe(400);
    expect(fake.findByProperty(PORTAL, 'contacts', 'email', 'd@example.com')).toBeUndefined();
  });

  it('answers 403 MISSING_SCOPES to a token without the marketing-event scope', async () => {
    const answer = await call(fake, 'PUT', `${BASE}/events/acme:f`, event('acme:f'), NO_SCOPE_TOKEN);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ category: 'MISSING_SCOPES', errors: [{ context: { requiredGranularScopes: ['crm.objects.marketing_events.write'] } }] });
  });

  it('cancels and completes by external id and batch-updates by objectId (207 for unknown ones)', async () => {
    await call(fake, 'PUT', `${BASE}/events/acme:g`, event('acme:g'));
    const objectId = fake.marketingEvents(PORTAL).find((e) => e.externalEventId === 'acme:g')!.objectId;
    const updated = await call(fake, 'POST', `${BASE}/batch/update`, { inputs: [{ objectId, eventName: 'New name', customProperties: [] }, { objectId: '1', customProperties: [] }] });
    expect(updated.status).toBe(207);
    expect(updated.body.errors[0].context.ids).toEqual(['1']);
    await call(fake, 'POST', `${BASE}/events/acme:g/complete?externalAccountId=conn-1`, { startDateTime: '2027-05-20T07:00:00Z', endDateTime: '2027-05-20T17:00:00Z' });
    expect(fake.marketingEvents(PORTAL).find((e) => e.objectId === objectId)).toMatchObject({ eventName: 'New name', eventCompleted: true, eventCancelled: false });
    await call(fake, 'POST', `${BASE}/events/acme:g/cancel?externalAccountId=conn-1`);
    expect(fake.marketingEvents(PORTAL).find((e) => e.objectId === objectId)).toMatchObject({ eventCancelled: true });
  });
});
