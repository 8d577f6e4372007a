// The four modes (Overwrite, Fill if new, Fill if empty, Add to list) against a contact that already exists in
// HubSpot with values of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncRecord } from '../../receiver/store/types';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

const mapping = (overrides: Record<string, string>) => ({
  id: 1,
  pretix_model: 'Order',
  external_object_type: 'contacts',
  pretix_id_field: 'email',
  external_id_field: 'email',
  property_mappings: [
    { pretix_field: 'invoice_address_city', external_field: 'city', value_map: '', overwrite: overrides.city ?? 'overwrite' },
    { pretix_field: 'invoice_address_name_given_name', external_field: 'firstname', value_map: '', overwrite: overrides.firstname ?? 'if_new' },
    { pretix_field: 'invoice_address_company', external_field: 'company', value_map: '', overwrite: overrides.company ?? 'if_empty' },
    { pretix_field: 'invoice_address_name_family_name', external_field: 'lastname', value_map: '', overwrite: overrides.lastname ?? 'if_empty' },
    { pretix_field: 'event_slug', external_field: 'pretix_events', value_map: '', overwrite: overrides.pretix_events ?? 'append' },
  ],
});

describe('mapping modes against existing HubSpot values', () => {
  let stack: Stack;
  let connectionId: string;

  beforeAll(async () => {
    stack = await startStack();
    connectionId = (await stack.connect()).id;
    await stack.admin.put(`/connections/${connectionId}/events/${EVENT}/mappings?enable=true`, [mapping({})]);
  });
  afterAll(() => stack.close());

  it('applies overwrite, if_new, if_empty and append to an existing contact', async () => {
    stack.hubspot.createObject(PORTAL_ID, 'contacts', {
      email: 'jane.doe@example.com',
      city: 'Hamburg',
      firstname: 'Janet',
      company: '',
      lastname: 'Doe-Existing',
      pretix_events: 'othercon;democon2024',
    });
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    await waitFor(async () => (await stack.admin.get<{ record: SyncRecord }>(`/records/${connectionId}/${EVENT}/Q7X3M`).catch(() => null))?.record.status === 'synced', 'synced');
    const contact = stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'jane.doe@example.com');
    expect(contact?.properties).toMatchObject({
      city: 'Berlin', // overwrite
      firstname: 'Janet', // if_new: the contact existed
      company: 'Example Analytics GmbH', // if_empty: it was empty
      lastname: 'Doe-Existing', // if_empty: it was not
      pretix_events: 'othercon;democon2024;democon', // append
    });
  });

  it('append adds nothing twice and if_new fills a contact it creates', async () => {
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.modified');
    stack.pretix.updateOrder(ORGANIZER, EVENT, 'R2D9K', (order) => {
      order.email = 'new.person@example.net';
      order.invoice_address = { name_parts: { _scheme: 'given_family', given_name: 'Nora', family_name: 'New' }, company: '', city: 'Wien', country: 'AT' };
    });
    await stack.pretix.emit(ORGANIZER, EVENT, 'R2D9K', 'pretix.event.order.placed');
    await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'new.person@example.net'), 'new contact');
    await waitFor(async () => (await stack.store.queueCounts()).pending === 0 && (await stack.store.queueCounts()).inFlight === 0, 'queue drained');
    expect(stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'jane.doe@example.com')?.properties.pretix_events).toBe(
      'othercon;democon2024;democon',
    );
    expect(stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'new.person@example.net')?.properties).toMatchObject({
      firstname: 'Nora',
      lastname: 'New',
      city: 'Wien',
      pretix_events: 'democon',
    });
  });
});
