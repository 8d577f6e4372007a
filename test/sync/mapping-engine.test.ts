import { describe, expect, it } from 'vitest';
import { assignProperties } from '../../receiver/sync/assign-properties';
import { SyncConfigError } from '../../receiver/domain/errors';
import { planOrderSync, type PlannedObject } from '../../receiver/sync/mapping-engine';
import { mappingFileSchema, objectMappingSchema, type ObjectMapping } from '../../receiver/domain/mapping-schema';
import { loadFixture } from '../fixtures';
import { fixtureContext, paidOrder, pendingOrder, position } from './event-context';

const exampleMappings = (): ObjectMapping[] => mappingFileSchema.parse(loadFixture('datasync-object-mappings-example'));

function mapping(overrides: Record<string, unknown>): ObjectMapping {
  return objectMappingSchema.parse({
    id: 9,
    pretix_model: 'OrderPosition',
    external_object_type: 'contacts',
    pretix_id_field: 'attendee_email',
    external_id_field: 'email',
    property_mappings: [],
    ...overrides,
  });
}

const prop = (pretix_field: string, external_field: string, overwrite = 'overwrite', value_map = '') => ({
  pretix_field,
  external_field,
  value_map,
  overwrite,
});

/** Property values of one planned object as a plain record (fails on duplicates, which a plan must not have here). */
function propertiesOf(object: PlannedObject | undefined): Record<string, string | null> {
  expect(object).toBeDefined();
  const out: Record<string, string | null> = {};
  for (const p of object!.properties) {
    expect(out).not.toHaveProperty(p.field);
    out[p.field] = p.value;
  }
  return out;
}

describe('planOrderSync with the example mappings', () => {
  it('plans the buyer contact, one attendee contact per position and the deal for Q7X3M', () => {
    const { objects, skipped } = planOrderSync(paidOrder(), exampleMappings(), fixtureContext());
    expect(skipped).toEqual([]);
    expect(objects).toEqual([
      {
        mappingId: '1',
        mappingIndex: 0,
        objectType: 'contacts',
        positionId: null,
        idProperty: 'email',
        idValue: 'jane.doe@example.com',
        properties: [
          { field: 'firstname', value: 'Jane', mode: 'overwrite' },
          { field: 'lastname', value: 'Doe', mode: 'overwrite' },
          { field: 'address', value: 'Friedrichstraße 123', mode: 'overwrite' },
          { field: 'zip', value: '10117', mode: 'overwrite' },
          { field: 'city', value: 'Berlin', mode: 'overwrite' },
          { field: 'hs_country_region_code', value: 'DE', mode: 'overwrite' },
          { field: 'company', value: 'Example Analytics GmbH', mode: 'if_empty' },
          { field: 'pretix_events', value: 'democon', mode: 'append' },
        ],
        associateWithMappings: [],
      },
      {
        mappingId: '2',
        mappingIndex: 1,
        objectType: 'contacts',
        positionId: 48213,
        positionIds: [48213],
        idProperty: 'email',
        idValue: 'jane.doe@example.com',
        properties: [
          { field: 'firstname', value: 'Jane', mode: 'if_new' },
          { field: 'lastname', value: 'Doe', mode: 'if_new' },
          { field: 'jobtitle', value: 'Head of Data', mode: 'overwrite' },
          { field: 'tshirt_size', value: 'medium', mode: 'overwrite' },
        ],
        associateWithMappings: [],
      },
      {
        mappingId: '2',
        mappingIndex: 1,
        objectType: 'contacts',
        positionId: 48214,
        positionIds: [48214],
        idProperty: 'email',
        idValue: 'john.smith@example.org',
        properties: [
          { field: 'firstname', value: 'John', mode: 'if_new' },
          { field: 'lastname', value: 'Smith', mode: 'if_new' },
          { field: 'jobtitle', value: 'Backend Developer', mode: 'overwrite' },
          { field: 'tshirt_size', value: 'large', mode: 'overwrite' },
        ],
        associateWithMappings: [],
      },
      {
        mappingId: '3',
        mappingIndex: 2,
        objectType: 'deals',
        positionId: null,
        idProperty: 'pretix_order_id',
        idValue: 'Q7X3M',
        properties: [
          { field: 'amount', value: '548.00', mode: 'overwrite' },
          { field: 'closedate', value: '2025-03-14T09:21:07.512345+00:00', mode: 'overwrite' },
          { field: 'dealstage', value: 'closedwon', mode: 'overwrite' },
        ],
        associateWithMappings: [],
      },
    ]);
  });

  it('skips the attendee contact of R2D9K (no attendee email); its missing invoice address gives empty values', () => {
    const { objects, skipped } = planOrderSync(pendingOrder(), exampleMappings(), fixtureContext());
    expect(skipped).toEqual([{ mappingId: '2', positionId: 48390, reason: 'identifier attendee_email is empty' }]);
    expect(objects.map((o) => [o.mappingId, o.idValue])).toEqual([
      ['1', 'max.mustermann@example.net'],
      ['3', 'R2D9K'],
    ]);
    expect(propertiesOf(objects[0])).toMatchObject({ firstname: '', lastname: '', company: '', pretix_events: 'democon' });
    expect(propertiesOf(objects[1]).dealstage).toBe('appointmentscheduled');
  });

  it('plans canceled positions too, with ticket status "c"', () => {
    const order = paidOrder();
    position(order, 2).canceled = true;
    const m = mapping({ property_mappings: [prop('ticket_status', 'ticket_status')] });
    const { objects } = planOrderSync(order, [m], fixtureContext());
    expect(objects.map((o) => propertiesOf(o).ticket_status)).toEqual(['p', 'c']);
  });

  it('passes associations on', () => {
    const mappings = exampleMappings();
    const deal = objectMappingSchema.parse({ ...mappings[2], association_mappings: [{ via_mapping_id: 1 }, { via_mapping_id: '2' }] });
    const { objects } = planOrderSync(paidOrder(), [mappings[0]!, mappings[1]!, deal], fixtureContext());
    expect(objects.at(-1)?.associateWithMappings).toEqual(['1', '2']);
  });
});

describe('values as HubSpot takes them', () => {
  const plan = (properties: ReturnType<typeof prop>[], options = {}) => {
    const m = mapping({ property_mappings: properties });
    return planOrderSync(paidOrder(), [m], fixtureContext(), options).objects.map(propertiesOf);
  };

  it('booleans become "true"/"false", empty values stay null, numbers stay decimal strings', () => {
    const [first, second] = plan([
      prop('question_NEWSLETTER', 'newsletter'),
      prop('product_is_admission', 'admission'),
      prop('attendee_street', 'address'),
      prop('ticket_price', 'price'),
      prop('question_YEARS_EXP', 'years'),
      prop('checkin_date_44', 'checked_in_at'),
    ]);
    expect(first).toEqual({ newsletter: 'true', admission: 'true', address: null, price: '299.00', years: '', checked_in_at: null });
    expect(second).toMatchObject({ newsletter: 'false', years: '7' });
  });

  it('joins lists with "," (or the configured joiner) when there is no value map', () => {
    expect(plan([prop('question_INTERESTS', 'interests')])[0]).toEqual({ interests: 'INT_AI,INT_SEC' });
    expect(plan([prop('question_INTERESTS', 'interests')], { listJoiner: ';' })[0]).toEqual({ interests: 'INT_AI;INT_SEC' });
  });

  it('maps every list element through a value map', () => {
    const map = JSON.stringify({ INT_AI: 'ai', INT_DEVOPS: 'devops', INT_SEC: 'security' });
    expect(plan([prop('question_INTERESTS', 'interests', 'overwrite', map)])[0]).toEqual({ interests: 'ai,security' });
    // An unanswered choice question is '' rather than a list, so the value map has nothing to complain about.
    expect(plan([prop('question_INTERESTS', 'interests', 'overwrite', map)])[1]).toEqual({ interests: '' });
  });

  it('ignores a value map on a field without options', () => {
    expect(plan([prop('ticket_id', 'ticket', 'overwrite', '{"Q7X3M-1": "x"}')])[0]).toEqual({ ticket: 'Q7X3M-1' });
  });

  it('throws when a value map lacks an option that occurs', () => {
    const map = JSON.stringify({ TS_S: 'small', TS_L: 'large' });
    expect(() => plan([prop('question_TSHIRT', 'tshirt_size', 'overwrite', map)])).toThrow(SyncConfigError);
    expect(() => plan([prop('question_TSHIRT', 'tshirt_size', 'overwrite', map)])).toThrow(
      new SyncConfigError('Please update value mapping for field "question_TSHIRT" - option "TS_M" not assigned'),
    );
  });

  it('lower-cases only an email identifier', () => {
    const order = paidOrder();
    position(order, 1).attendee_email = 'Jane.Doe@Example.COM';
    const byCode = mapping({ pretix_id_field: 'ticket_id', external_id_field: 'pretix_ticket_id' });
    const byEmail = mapping({ id: 10 });
    const { objects } = planOrderSync(order, [byEmail, byCode], fixtureContext());
    expect(objects.map((o) => o.idValue)).toEqual(['jane.doe@example.com', 'john.smith@example.org', 'Q7X3M-1', 'Q7X3M-2']);
  });
});

describe('configuration errors', () => {
  it('rejects an unknown property field', () => {
    const m = mapping({ property_mappings: [prop('question_SHOE_SIZE', 'shoe_size')] });
    expect(() => planOrderSync(paidOrder(), [m], fixtureContext())).toThrow(SyncConfigError);
    expect(() => planOrderSync(paidOrder(), [m], fixtureContext())).toThrow(
      new SyncConfigError('Field "question_SHOE_SIZE" does not exist. Please check your HubSpot settings.'),
    );
  });

  it('rejects an unknown identifier field, e.g. a check-in list that no longer exists', () => {
    const m = mapping({ pretix_id_field: 'checkin_date_45' });
    expect(() => planOrderSync(paidOrder(), [m], fixtureContext())).toThrow(/Field "checkin_date_45" does not exist/);
  });

  it('rejects position fields in an Order mapping, naming mapping and field', () => {
    const withProperty = mapping({ id: 'buyer', pretix_model: 'Order', pretix_id_field: 'email', property_mappings: [prop('question_ROLE', 'jobtitle')] });
    expect(() => planOrderSync(paidOrder(), [withProperty], fixtureContext())).toThrow(SyncConfigError);
    expect(() => planOrderSync(paidOrder(), [withProperty], fixtureContext())).toThrow(/Mapping buyer .*"question_ROLE"/);
    const withIdentifier = mapping({ id: 4, pretix_model: 'Order', pretix_id_field: 'attendee_email' });
    expect(() => planOrderSync(paidOrder(), [withIdentifier], fixtureContext())).toThrow(/Mapping 4 .*"attendee_email"/);
    const withSubeventDate = mapping({ id: 5, pretix_model: 'Order', pretix_id_field: 'email', property_mappings: [prop('event_date_from', 'start')] });
    expect(() => planOrderSync(paidOrder(), [withSubeventDate], fixtureContext())).toThrow(/Mapping 5 .*"event_date_from"/);
  });

  it('checks mappings even when the order has no position for them', () => {
    const order = paidOrder();
    order.positions = [];
    const m = mapping({ property_mappings: [prop('nope', 'x')] });
    expect(() => planOrderSync(order, [m], fixtureContext())).toThrow(/Field "nope" does not exist/);
  });
});

describe('two positions of one order with the same identifier', () => {
  function mergedPlan() {
    const order = paidOrder();
    // The buyer bought both tickets for herself, typing her address differently the second time.
    const second = position(order, 2);
    second.attendee_email = 'JANE.DOE@example.com';
    second.attendee_name_parts = { _scheme: 'given_family', given_name: 'Janet', family_name: 'Doe' };
    const m = mapping({
      property_mappings: [
        prop('attendee_name_given_name', 'firstname', 'if_new'),
        prop('question_ROLE', 'jobtitle'),
        prop('question_TSHIRT', 'tshirt_size', 'if_empty'),
        prop('ticket_id', 'pretix_tickets', 'append'),
        prop('attendee_company', 'company'),
      ],
    });
    return planOrderSync(order, [m], fixtureContext());
  }

  it('become one planned object that lists both positions', () => {
    const { objects, skipped } = mergedPlan();
    expect(skipped).toEqual([]);
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ idValue: 'jane.doe@example.com', positionId: 48213, positionIds: [48213, 48214] });
  });

  it('keep the later overwrite and both entries of the other modes', () => {
    expect(mergedPlan().objects[0]?.properties).toEqual([
      { field: 'firstname', value: 'Jane', mode: 'if_new' },
      { field: 'tshirt_size', value: 'TS_M', mode: 'if_empty' },
      { field: 'pretix_tickets', value: 'Q7X3M-1', mode: 'append' },
      { field: 'firstname', value: 'Janet', mode: 'if_new' },
      { field: 'jobtitle', value: 'Backend Developer', mode: 'overwrite' },
      { field: 'tshirt_size', value: 'TS_L', mode: 'if_empty' },
      { field: 'pretix_tickets', value: 'Q7X3M-2', mode: 'append' },
      // The later position has no company: overwrite means it clears the value, as two syncs in a row would.
      { field: 'company', value: null, mode: 'overwrite' },
    ]);
  });

  it('write what two syncs in a row would have written', () => {
    const properties = mergedPlan().objects[0]!.properties;
    expect(assignProperties(properties, undefined, true)).toEqual({
      firstname: 'Jane',
      jobtitle: 'Backend Developer',
      tshirt_size: 'TS_M',
      pretix_tickets: 'Q7X3M-1;Q7X3M-2',
      company: '',
    });
    expect(assignProperties(properties, { firstname: 'J.', tshirt_size: 'XL', pretix_tickets: 'A1B2C-1' }, false)).toEqual({
      jobtitle: 'Backend Developer',
      pretix_tickets: 'A1B2C-1;Q7X3M-1;Q7X3M-2',
      company: '',
    });
  });

  it('are not merged across mappings', () => {
    const { objects } = planOrderSync(paidOrder(), exampleMappings(), fixtureContext());
    expect(objects.filter((o) => o.idValue === 'jane.doe@example.com').map((o) => o.mappingId)).toEqual(['1', '2']);
  });
});
