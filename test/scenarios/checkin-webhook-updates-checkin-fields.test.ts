// A check-in changes a mapped check-in source field (`checkin_date_<list>`) in HubSpot at once, through the normal
// batch sync that the `pretix.event.checkin` webhook triggers, not with the next sweep; and a storm of check-ins costs
// batches, not a request per check-in. Over HTTP against both fakes; the marketing event is off here, so what is
// measured is the CRM sync alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { ObjectMappingDto } from '../../src/app/shared/api-types';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

const LIST = 44;
const UPSERT = 'POST /crm/v3/objects/contacts/batch/upsert';

/** Every ticket's attendee → a contact by email, with the first entry check-in on list 44. */
const attendeeCheckinMapping = (): ObjectMappingDto[] => [
  {
    id: 1,
    pretix_model: 'OrderPosition',
    external_object_type: 'contacts',
    pretix_id_field: 'attendee_email',
    external_id_field: 'email',
    property_mappings: [{ pretix_field: `checkin_date_${LIST}`, external_field: 'pretix_checkin_date', value_map: '', overwrite: 'overwrite' }],
    association_mappings: [],
  },
];

describe('check-in webhooks update check-in source fields through the batch sync', () => {
  let stack: Stack;
  let connection: PublicConnection;
  const contact = (email: string) => stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', email);

  beforeAll(async () => {
    stack = await startStack();
    stack.hubspot.defineProperty(PORTAL_ID, 'contacts', { name: 'pretix_checkin_date', label: 'pretix check-in', type: 'string', fieldType: 'text', groupName: 'pretix' });
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, { object_mappings: attendeeCheckinMapping() });
  });
  afterAll(() => stack.close());

  it('writes the check-in time of the checked-in attendee, and nothing for the one not checked in', async () => {
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    await waitFor(() => contact('john.smith@example.org'), 'John in HubSpot');
    expect(contact('john.smith@example.org')!.properties.pretix_checkin_date ?? '').toBe('');
    const checkedInAt = '2026-06-01T09:15:00.000Z';
    await stack.pretix.checkIn(ORGANIZER, EVENT, 'Q7X3M', 48214, LIST, checkedInAt);
    const value = await waitFor(() => contact('john.smith@example.org')!.properties.pretix_checkin_date || null, 'the check-in date in HubSpot');
    expect(Date.parse(value)).toBe(Date.parse(checkedInAt));
    expect(contact('jane.doe@example.com')!.properties.pretix_checkin_date ?? '').toBe('');
  });

  it('syncs 60 check-ins arriving back to back in a few batches', async () => {
    const codes = stack.pretix.generateOrders(ORGANIZER, EVENT, 60, { startDate: new Date(Date.now() - 3_600_000), spacingMs: 1000, status: 'p', secondPositionRate: 0 });
    const tickets = codes.map((code) => {
      const position = (stack.pretix.getOrder(ORGANIZER, EVENT, code)!.positions as { id: number; attendee_email: string | null }[])[0]!;
      return { code, id: position.id, email: position.attendee_email! };
    });
    for (const { code } of tickets) await stack.pretix.emit(ORGANIZER, EVENT, code, 'pretix.event.order.placed');
    await waitFor(() => tickets.every((t) => contact(t.email)), 'the 60 attendees in HubSpot', 30_000);
    const upsertsBefore = stack.hubspot.routeCounts(PORTAL_ID)[UPSERT] ?? 0;
    const at = (i: number) => new Date(Date.parse('2026-06-01T10:00:00.000Z') + i * 1000).toISOString();
    for (const [i, t] of tickets.entries()) await stack.pretix.checkIn(ORGANIZER, EVENT, t.code, t.id, LIST, at(i));
    await waitFor(() => tickets.every((t, i) => Date.parse(contact(t.email)!.properties.pretix_checkin_date ?? '') === Date.parse(at(i))), 'every check-in date in HubSpot', 30_000);
    const upserts = (stack.hubspot.routeCounts(PORTAL_ID)[UPSERT] ?? 0) - upsertsBefore;
    console.warn(`60 check-ins: ${upserts} contact upsert requests`);
    // One request per check-in would be 60; the batch sync merges what arrives while a batch is under way.
    expect(upserts).toBeGreaterThan(0);
    expect(upserts).toBeLessThanOrEqual(15);
  });
});
