// Issue 12, point 5: a check-in storm at an event with "Marketing event in HubSpot" on costs the attendance calls and
// nothing else — the checked-in orders' contacts and deals are planned exactly as last written, so they are not read
// or upserted again — and the check-ins go in batches at least the check-in latency target apart. A real change is
// still written, and "Sync now" still rewrites an order that did not change. Over HTTP against both fakes, with the
// usual two mappings (buyer → contact with an if_empty field, order → deal associated with it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncOrderResponse } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { DEFAULT_FLUSH_POLICY } from '../../receiver/sync/flush-policy';
import { jobKey } from '../../receiver/store/types';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { buyerAndDealMappings } from '../helpers/mappings';
import { waitFor } from '../helpers/wait-for';
import { startApiStack, type ApiStack } from '../api/signed-client';

const LIST = 44;
const CHECKINS = 40;
/** Between two check-ins: the storm spans about 3 s, so the policy's 2 s target allows two batches at most. */
const GAP_MS = 75;

interface Ticket {
  code: string;
  positionId: number;
  /** Whose participation the check-in changes: the attendee's email, else the buyer's. */
  attendee: string;
  buyer: string;
  hasInvoiceAddress: boolean;
}

describe('a check-in storm writes the attendance, not the unchanged contacts and deals', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  let tickets: Ticket[];
  let objectId: string;
  const path = () => `/connections/${connection.id}/events/${EVENT}`;
  const attended = () => new Set(stack.hubspot.participations(PORTAL_ID, objectId).filter((p) => p.state === 'ATTENDED').map((p) => p.email));
  const idle = async () => (await stack.store.listJobs({ connectionId: connection.id })).length === 0;

  beforeAll(async () => {
    stack = await startApiStack();
    connection = await stack.connect();
    await stack.admin.put(`${path()}/mappings?enable=true`, buyerAndDealMappings());
    await stack.admin.put(`${path()}/marketing-event`, { enabled: true });
    const codes = stack.pretix.generateOrders(ORGANIZER, EVENT, CHECKINS, { startDate: new Date(Date.now() - 3_600_000), spacingMs: 1000, status: 'p', secondPositionRate: 0 });
    tickets = codes.map((code) => {
      const order = stack.pretix.getOrder(ORGANIZER, EVENT, code)!;
      const position = (order.positions as { id: number; attendee_email: string | null }[])[0]!;
      const buyer = (order.email as string).toLowerCase();
      return { code, positionId: position.id, attendee: (position.attendee_email ?? buyer).toLowerCase(), buyer, hasInvoiceAddress: order.invoice_address !== null };
    });
    // Registered by a backfill first, as an event's existing orders would be.
    await stack.admin.post(`${path()}/backfill`);
    await waitFor(async () => (await stack.admin.get<{ backfill: { state: string } }>(`${path()}/backfill`)).backfill.state === 'done', 'the backfill', 30_000);
    await waitFor(idle, 'an empty queue');
    objectId = stack.hubspot.marketingEvents(PORTAL_ID)[0]!.objectId;
  });
  afterAll(() => stack.close());

  it('costs one attendance call per batch and no CRM request, in batches the check-in target apart', async () => {
    stack.hubspot.resetTraffic();
    const startedAt = Date.now();
    for (const [i, ticket] of tickets.entries()) {
      await stack.pretix.checkIn(ORGANIZER, EVENT, ticket.code, ticket.positionId, LIST, new Date(Date.parse('2026-06-01T09:00:00Z') + i * 1000).toISOString());
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    }
    const spanMs = Date.now() - startedAt;
    await waitFor(() => tickets.every((t) => attended().has(t.attendee)), 'every check-in attended in HubSpot', 30_000);
    await waitFor(idle, 'an empty queue');

    const requests = stack.hubspot.requests({ portalId: PORTAL_ID });
    const attendanceCalls = requests.filter((r) => r.method === 'POST' && r.path.includes('/attendance/'));
    // A batch flushes once its oldest check-in waited the target, and takes everything that arrived until then: the
    // next batch's oldest came later, so batches are more than the target apart.
    const mostBatches = Math.floor(spanMs / DEFAULT_FLUSH_POLICY.checkinLatencyTargetMs) + 1;
    console.warn(`${CHECKINS} check-ins in ${spanMs} ms: ${requests.length} HubSpot requests (${attendanceCalls.length} attendance calls, at most ${mostBatches} batches)`);
    // Nothing mapped changed: every request is a batch's attendance call (one date, one state: one call a batch).
    expect(requests.map((r) => r.route)).toEqual(attendanceCalls.map((r) => r.route));
    expect(attendanceCalls.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThanOrEqual(mostBatches);
    // Fewer than order changes arriving at the same pace could get (their target is shorter).
    expect(requests.length).toBeLessThan(Math.floor(spanMs / DEFAULT_FLUSH_POLICY.latencyTargetMs) + 1);
  });

  it('still writes a real change: a new invoice city goes to the contact, the unchanged deal is left alone', async () => {
    const ticket = tickets.find((t) => t.hasInvoiceAddress)!;
    stack.hubspot.resetTraffic();
    stack.pretix.updateOrder(ORGANIZER, EVENT, ticket.code, (order) => {
      (order.invoice_address as { city: string }).city = 'Neustadt an der Weinstraße';
    });
    await stack.pretix.emit(ORGANIZER, EVENT, ticket.code, 'pretix.event.order.contact.changed');
    await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', ticket.buyer)?.properties.city === 'Neustadt an der Weinstraße', 'the new city in HubSpot');
    await waitFor(idle, 'an empty queue');
    expect(stack.hubspot.upsertInputs(PORTAL_ID, 'contacts').map((i) => i.id)).toEqual([ticket.buyer]);
    expect(stack.hubspot.upsertInputs(PORTAL_ID, 'deals')).toEqual([]);
  });

  it('"Sync now" rewrites an order that did not change', async () => {
    const ticket = tickets.filter((t) => t.hasInvoiceAddress)[1]!;
    stack.hubspot.resetTraffic();
    const { status } = await stack.api.send<SyncOrderResponse>('POST', '/api/v1/orders/sync', { connectionId: connection.id, event: EVENT, code: ticket.code });
    expect(status).toBe(202);
    await waitFor(() => stack.hubspot.upsertInputs(PORTAL_ID, 'deals').length > 0, 'the deal written again');
    await waitFor(async () => !(await stack.store.getJob(jobKey(connection.id, EVENT, ticket.code))), 'the sync to finish');
    expect(stack.hubspot.upsertInputs(PORTAL_ID, 'contacts').map((i) => i.id)).toEqual([ticket.buyer]);
    expect(stack.hubspot.upsertInputs(PORTAL_ID, 'deals').map((i) => i.id)).toEqual([ticket.code]);
  });
});
