// An order placed in pretix reaches HubSpot as the buyer contact, one contact per attendee and a deal
// associated with the buyer, each with exactly the mapped properties.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { SyncRecord } from '../../receiver/store/types';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';

describe('order placed → mapped HubSpot objects', () => {
  let stack: Stack;
  let connection: PublicConnection;

  beforeAll(async () => {
    stack = await startStack();
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    await waitFor(async () => (await stack.admin.get<{ record: SyncRecord }>(`/records/${connection.id}/${EVENT}/Q7X3M`).catch(() => null))?.record.status === 'synced', 'Q7X3M synced');
  });
  afterAll(() => stack.close());

  it('acknowledged the webhook with 200', () => {
    expect(stack.pretix.webhookCalls.map((call) => call.status)).toEqual([200]);
  });

  it('upserts the buyer contact with the invoice address fields', () => {
    const buyer = stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'jane.doe@example.com');
    expect(buyer?.properties).toMatchObject({
      firstname: 'Jane',
      lastname: 'Doe',
      address: 'Friedrichstraße 123',
      zip: '10117',
      city: 'Berlin',
      hs_country_region_code: 'DE',
      company: 'Example Analytics GmbH',
      pretix_events: 'democon',
    });
  });

  it('creates one contact per attendee with answers and mapped T-shirt size', () => {
    const attendee = stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'john.smith@example.org');
    expect(attendee?.properties.firstname).toBe('John');
    expect(attendee?.properties.lastname).toBe('Smith');
    const contacts = stack.hubspot.objects(PORTAL_ID, 'contacts');
    expect(contacts).toHaveLength(2);
    const jane = stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'jane.doe@example.com');
    expect(jane?.properties.jobtitle).toBe('Head of Data');
    expect(jane?.properties.tshirt_size).toBe('medium');
  });

  it('upserts the deal by pretix_order_id and associates it with the buyer', () => {
    const deal = stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', 'Q7X3M');
    expect(deal?.properties).toMatchObject({ amount: '548.00', dealstage: 'closedwon' });
    expect(deal?.properties.closedate).toMatch(/^2025-03-14T09:21:07/);
    const buyer = stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'jane.doe@example.com');
    expect(stack.hubspot.associations(PORTAL_ID, 'deals', deal!.id, 'contacts')).toEqual([buyer!.id]);
  });

  it('keeps a sync record with the HubSpot ids per mapping', async () => {
    const { record } = await stack.admin.get<{ record: SyncRecord }>(`/records/${connection.id}/${EVENT}/Q7X3M`);
    expect(record.emails.sort()).toEqual(['jane.doe@example.com', 'john.smith@example.org']);
    expect(record.objects.map((o) => `${o.mappingId}:${o.objectType}:${o.positionId ?? '-'}`).sort()).toEqual(
      ['1:contacts:-', '2:contacts:48213', '2:contacts:48214', '3:deals:-'].sort(),
    );
  });

  it('a second change of the same order updates instead of duplicating, without re-associating', async () => {
    const upsertsBefore = stack.hubspot.requestCount({ portalId: PORTAL_ID, route: 'associations' });
    stack.pretix.updateOrder(ORGANIZER, EVENT, 'Q7X3M', (order) => {
      (order.invoice_address as Record<string, unknown>).city = 'Potsdam';
    });
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.modified');
    await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'jane.doe@example.com')?.properties.city === 'Potsdam', 'city updated');
    expect(stack.hubspot.objects(PORTAL_ID, 'contacts')).toHaveLength(2);
    expect(stack.hubspot.objects(PORTAL_ID, 'deals')).toHaveLength(1);
    expect(stack.hubspot.requestCount({ portalId: PORTAL_ID, route: 'associations' })).toBe(upsertsBefore);
  });
});
