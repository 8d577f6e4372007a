// The contact card: a contact's pretix orders, live from pretix and from the sync records, each with its sync state,
// links to pretix's backend and the HubSpot records, and what could not be loaded as warnings instead of an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardOrder, ContactOrdersResponse, SyncOrderResponse } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { jobKey } from '../../receiver/store/types';
import { FAILURE_LABELS } from '../../receiver/sync/retry-policy';
import { loadFixture } from '../fixtures';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';
import { startApiStack, type ApiStack } from './signed-client';

const APP_URL = 'https://app-eu1.hubspot.com';
const ordersOf = (stack: ApiStack, contactId: string, emails: string[]) =>
  stack.api.get<ContactOrdersResponse>(`/api/v1/contacts/${contactId}/orders`, { email: emails });

describe('contact card: synced and unsynced orders', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  let janeId: string;

  beforeAll(async () => {
    stack = await startApiStack();
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    const queued = await stack.api.send<SyncOrderResponse>('POST', '/api/v1/orders/sync', { connectionId: connection.id, event: EVENT, code: 'Q7X3M' });
    expect(queued.status).toBe(202);
    await waitFor(async () => (await stack.store.getSyncRecord(jobKey(connection.id, EVENT, 'Q7X3M')))?.status === 'synced', 'Q7X3M synced');
    janeId = stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'jane.doe@example.com')!.id;
  });
  afterAll(() => stack.close());

  it('shows a synced order with its tickets, answers, links and HubSpot objects', async () => {
    const { status, body } = await ordersOf(stack, janeId, ['Jane.Doe@example.com']);
    expect(status).toBe(200);
    expect(body.connected).toBe(true);
    expect(body.warnings).toEqual([]);
    expect(body.orders.map((o) => o.code)).toEqual(['Q7X3M']);
    const order = body.orders[0]!;
    expect(order).toMatchObject({
      connectionId: connection.id,
      event: { slug: EVENT, name: 'DemoCon 2025' },
      status: 'p',
      statusLabel: 'Paid',
      total: '548.00',
      currency: 'EUR',
      datetime: '2025-03-14T09:21:07.512345Z',
      pretixUrl: `${stack.pretix.url}/control/event/${ORGANIZER}/${EVENT}/orders/Q7X3M/`,
    });
    expect(order.positions.map((p) => [p.product, p.attendeeName, p.attendeeEmail, p.canceled])).toEqual([
      ['Conference ticket – Regular', 'Jane Doe', 'jane.doe@example.com', false],
      ['Conference ticket – Early bird', 'John Smith', 'john.smith@example.org', false],
    ]);
    expect(order.positions[0]!.answers).toContainEqual({ question: 'What is your job title?', answer: 'Head of Data' });

    expect(order.sync.state).toBe('synced');
    expect(order.sync.error).toBeNull();
    expect(order.sync.syncedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const deal = stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', 'Q7X3M')!;
    const john = stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'john.smith@example.org')!;
    expect(order.sync.objects.map((o) => [o.mappingId, o.mappingLabel, o.objectType, o.hubspotId, o.url]).sort()).toEqual(
      [
        ['1', 'Order → Contacts by email', 'contacts', janeId, `${APP_URL}/contacts/${PORTAL_ID}/record/0-1/${janeId}`],
        ['2', 'Order position → Contacts by email', 'contacts', janeId, `${APP_URL}/contacts/${PORTAL_ID}/record/0-1/${janeId}`],
        ['2', 'Order position → Contacts by email', 'contacts', john.id, `${APP_URL}/contacts/${PORTAL_ID}/record/0-1/${john.id}`],
        ['3', 'Order → Deals by pretix_order_id', 'deals', deal.id, `${APP_URL}/contacts/${PORTAL_ID}/record/0-3/${deal.id}`],
      ].sort(),
    );
    expect(body.producedBy.sort()).toEqual(['Order position → Contacts by email', 'Order → Contacts by email'].sort());
  });

  it('finds orders in which the contact is only an attendee through the sync records', async () => {
    const john = stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'john.smith@example.org')!;
    const { body } = await ordersOf(stack, john.id, ['john.smith@example.org']);
    expect(body.orders.map((o) => o.code)).toEqual(['Q7X3M']);
    expect(body.producedBy).toEqual(['Order position → Contacts by email']);
  });

  it('shows an order that is only in pretix as not_synced', async () => {
    const { body } = await ordersOf(stack, '777', ['max.mustermann@example.net']);
    expect(body.orders).toHaveLength(1);
    expect(body.orders[0]).toMatchObject({ code: 'R2D9K', status: 'n', statusLabel: 'Pending', total: '299.00' });
    expect(body.orders[0]!.sync).toEqual({ state: 'not_synced', syncedAt: null, error: null, failureLabel: null, objects: [] });
    expect(body.producedBy).toEqual([]);
  });

  it('lists all emails of the contact, newest order first', async () => {
    const { body } = await ordersOf(stack, janeId, ['jane.doe@example.com', 'max.mustermann@example.net']);
    expect(body.orders.map((o) => o.code)).toEqual(['R2D9K', 'Q7X3M']);
  });

  it('answers an empty list for unknown emails and for none', async () => {
    expect((await ordersOf(stack, '1', ['nobody@example.com'])).body).toEqual({ connected: true, orders: [], producedBy: [], warnings: [] });
    expect((await ordersOf(stack, '1', [])).body.orders).toEqual([]);
  });

  it('says connected: false to a portal without a connection', async () => {
    const { body } = await stack.api.get<ContactOrdersResponse>('/api/v1/contacts/1/orders', { email: 'jane.doe@example.com' }, '5150');
    expect(body).toEqual({ connected: false, orders: [], producedBy: [], warnings: [] });
  });

  it('rejects a contact id that is not a record id', async () => {
    expect((await ordersOf(stack, 'abc', ['jane.doe@example.com'])).status).toBe(400);
  });
});

describe('contact card: queue states and pretix trouble', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const key = (code: string) => jobKey(connection.id, EVENT, code);
  const stateOf = async (email: string, code: string): Promise<CardOrder['sync']> => {
    const { body } = await ordersOf(stack, '1', [email]);
    const order = body.orders.find((o) => o.code === code);
    if (!order) throw new Error(`no ${code} in ${JSON.stringify(body)}`);
    return order.sync;
  };

  beforeAll(async () => {
    // No worker: queued jobs stay where the test puts them.
    stack = await startApiStack({ startWorker: false, apiUpstreamTimeoutMs: 1_500 });
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack.close());

  it('shows a queued order as pending', async () => {
    const first = await stack.api.send<SyncOrderResponse>('POST', '/api/v1/orders/sync', { connectionId: connection.id, event: EVENT, code: 'R2D9K' });
    expect(first.body.status).toBe('queued');
    expect(await stateOf('max.mustermann@example.net', 'R2D9K')).toEqual({ state: 'pending', syncedAt: null, error: null, failureLabel: null, objects: [] });
  });

  it('shows a pending retry with the error and "Temporary error, will retry"', async () => {
    const now = Date.now();
    await stack.store.claimDueJobs(now, 10);
    await stack.store.failJob(key('R2D9K'), { failureClass: 'transient', message: 'pretix answered HTTP 503', nextAttemptAt: now + 60_000 }, now);
    expect(await stateOf('max.mustermann@example.net', 'R2D9K')).toMatchObject({
      state: 'pending',
      error: 'pretix answered HTTP 503',
      failureLabel: FAILURE_LABELS.transient,
    });
  });

  it('shows a stopped config failure with its label', async () => {
    const later = Date.now() + 61_000;
    await stack.store.claimDueJobs(later, 10);
    await stack.store.failJob(key('R2D9K'), { failureClass: 'config', message: 'HubSpot has no property tshirt_size', nextAttemptAt: null }, later);
    expect(await stateOf('max.mustermann@example.net', 'R2D9K')).toMatchObject({
      state: 'failed',
      error: 'HubSpot has no property tshirt_size',
      failureLabel: 'Misconfiguration, please check the mapping and connection settings',
    });
  });

  it('shows exhausted automatic retries as "auto-retry limit exceeded"', async () => {
    await stack.api.send('POST', '/api/v1/orders/sync', { connectionId: connection.id, event: EVENT, code: 'Q7X3M' });
    const now = Date.now();
    await stack.store.claimDueJobs(now, 10);
    await stack.store.failJob(key('Q7X3M'), { failureClass: 'transient', message: 'HubSpot answered 502', nextAttemptAt: null }, now);
    expect(await stateOf('jane.doe@example.com', 'Q7X3M')).toMatchObject({
      state: 'failed',
      error: 'HubSpot answered 502',
      failureLabel: 'Temporary error, auto-retry limit exceeded',
    });
  });

  it('answers 200 with a warning when pretix does not answer in time, still showing recorded orders', async () => {
    await stack.store.putSyncRecords([
      {
        key: key('Q7X3M'),
        portalId: PORTAL_ID,
        connectionId: connection.id,
        event: EVENT,
        code: 'Q7X3M',
        emails: ['jane.doe@example.com'],
        status: 'synced',
        syncedAt: new Date().toISOString(),
        objects: [{ mappingId: '1', positionId: null, objectType: 'contacts', idProperty: 'email', idValue: 'jane.doe@example.com', hubspotId: '901', created: true }],
        associations: [],
        skipped: [],
      },
    ]);
    stack.pretix.failNext({ status: 'hang', match: 'orderList', count: 20 });
    // pretix never answers these: an answer at all proves the deadline, the warning names it (no wall-clock bound,
    // which would only measure how busy the machine is).
    const { status, body } = await ordersOf(stack, '901', ['jane.doe@example.com']);
    expect(status).toBe(200);
    expect(body.warnings.join('\n')).toMatch(/Orders of acmecorp on .* could not be loaded from pretix: .*did not answer within 1\.5 s/);
    expect(body.orders.map((o) => o.code)).toEqual(['Q7X3M']);
    expect(body.producedBy).toEqual(['Order → Contacts by email']);
  });

  it('answers 200 with warnings when pretix is down altogether', async () => {
    await stack.pretix.close();
    const { status, body } = await ordersOf(stack, '901', ['jane.doe@example.com']);
    expect(status).toBe(200);
    expect(body.connected).toBe(true);
    expect(body.orders).toEqual([]);
    expect(body.warnings.length).toBeGreaterThanOrEqual(2);
    expect(body.warnings.some((w) => w.includes('Order Q7X3M'))).toBe(true);
  });
});

describe('contact card: answer size', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    const connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    // 80 orders of one buyer, each with 40 tickets carrying long answers: megabytes in pretix.
    const template = loadFixture<Record<string, unknown> & { positions: Record<string, unknown>[] }>('order-paid.json');
    const longText = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(40);
    for (let n = 0; n < 80; n++) {
      const code = `BIG${String(n).padStart(2, '0')}`;
      const positions = Array.from({ length: 40 }, (_, i) => {
        const position = structuredClone(template.positions[i % template.positions.length]!);
        const answers = (position.answers as Record<string, unknown>[]).map((answer) => ({ ...answer, answer: longText }));
        return { ...position, id: 700_000 + n * 100 + i, positionid: i + 1, order: code, answers };
      });
      stack.pretix.addOrder(ORGANIZER, EVENT, {
        ...structuredClone(template),
        code,
        email: 'big.buyer@example.com',
        datetime: new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString(),
        positions,
      });
    }
  });
  afterAll(() => stack.close());

  it('stays under 1 MB and says what it left out', async () => {
    const answer = await ordersOf(stack, '1', ['big.buyer@example.com']);
    expect(answer.status).toBe(200);
    expect(answer.bytes).toBeLessThan(1024 * 1024);
    const { orders, warnings } = answer.body;
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.length).toBeLessThanOrEqual(50);
    // Newest first, and what was dropped is the oldest.
    expect(orders[0]!.code).toBe('BIG79');
    expect(warnings.join('\n')).toMatch(/newest/);
    expect(orders[0]!.positions[0]!.answers[0]!.answer.length).toBeLessThanOrEqual(300);
  });
});

describe('contact card: one organizer-wide search, only synced events', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const EMAIL = 'pat.regular@example.com';
  const template = loadFixture<Record<string, unknown> & { positions: Record<string, unknown>[] }>('order-paid.json');
  const addOrder = (event: string, code: string, minute: number) =>
    stack.pretix.addOrder(ORGANIZER, event, {
      ...structuredClone(template),
      event,
      code,
      email: EMAIL,
      datetime: new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString(),
      positions: [],
    });
  const searches = () => stack.pretix.requests.filter((r) => r.path === `/api/v1/organizers/${ORGANIZER}/orders/`);

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    // An event nobody enabled, with 60 orders of the contact, all newer than the 3 in the synced event.
    stack.pretix.addEvent(ORGANIZER, { slug: 'archive' });
    for (let n = 0; n < 3; n++) addOrder(EVENT, `KEEP${n}`, n);
    for (let n = 0; n < 60; n++) addOrder('archive', `ARC${String(n).padStart(3, '0')}`, 100 + n);
  });
  afterAll(() => stack.close());

  it('pages past orders of events that are not synced until it has the synced ones', async () => {
    stack.pretix.resetStats();
    const { body } = await ordersOf(stack, '1', [EMAIL]);
    expect(body.orders.map((o) => o.code)).toEqual(['KEEP2', 'KEEP1', 'KEEP0']);
    expect(body.warnings).toEqual([]);
    expect(searches().map((r) => new URLSearchParams(r.query).get('page') ?? '1')).toEqual(['1', '2']);
  });

  it('says so when the synced orders are further back than it searches', async () => {
    for (let n = 60; n < 250; n++) addOrder('archive', `ARC${String(n).padStart(3, '0')}`, 100 + n);
    stack.pretix.resetStats();
    const { body } = await ordersOf(stack, '1', [EMAIL]);
    expect(body.orders).toEqual([]);
    expect(body.warnings).toEqual([`Only the 200 newest orders of ${ORGANIZER} on ${stack.pretix.url} for this contact were searched.`]);
    expect(searches()).toHaveLength(4);
  });

  it('shows orders of an event that is no longer synced when we synced this contact there', async () => {
    await stack.store.putSyncRecords([
      {
        key: jobKey(connection.id, 'archive', 'ARC000'),
        portalId: PORTAL_ID,
        connectionId: connection.id,
        event: 'archive',
        code: 'ARC000',
        emails: [EMAIL],
        status: 'synced',
        syncedAt: new Date().toISOString(),
        objects: [],
        associations: [],
        skipped: [],
      },
    ]);
    const { body } = await ordersOf(stack, '1', [EMAIL]);
    // The archive's orders are the newest: they fill the card.
    expect(body.orders).toHaveLength(50);
    expect(body.orders[0]!.code).toBe('ARC249');
    expect(body.orders.every((o) => o.event.slug === 'archive')).toBe(true);
    expect(body.warnings).toEqual(['Showing the 50 newest orders; pretix has older ones for this contact.']);
  });
});
