// "Create missing properties": the HubSpot properties a mapping names but the portal lacks are created in a
// "pretix" group (created first), with the type that fits the pretix field, options from the value map or from
// pretix, and identifiers as unique properties — after which the same mappings save.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, CreateMissingPropertiesResponse, MappingsResponse, ObjectMappingDto } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { EVENT, PORTAL_ID } from '../helpers/stack';
import { exampleMappingsBody } from '../helpers/mappings';
import { startApiStack, type ApiStack } from './signed-client';

const row = (pretix_field: string, external_field: string, value_map = ''): ObjectMappingDto['property_mappings'][number] => ({
  pretix_field,
  external_field,
  value_map,
  overwrite: 'overwrite',
});

const draft = (): ObjectMappingDto[] => [
  {
    id: 1,
    pretix_model: 'Order',
    external_object_type: 'deals',
    pretix_id_field: 'event_order_code',
    external_id_field: 'pretix_event_order',
    property_mappings: [
      row('order_status', 'pretix_order_status', JSON.stringify({ n: 'open', p: 'won', e: 'lost', c: 'lost' })),
      row('order_total', 'amount'),
      row('order_date', 'pretix_order_date'),
    ],
    association_mappings: [],
  },
  {
    id: 2,
    pretix_model: 'OrderPosition',
    external_object_type: 'contacts',
    pretix_id_field: 'attendee_email',
    external_id_field: 'email',
    property_mappings: [
      row('attendee_name_given_name', 'firstname'),
      row('question_TSHIRT', 'pretix_tshirt'),
      row('question_INTERESTS', 'pretix_interests'),
      row('question_NEWSLETTER', 'pretix_newsletter'),
      row('question_YEARS_EXP', 'pretix_years'),
    ],
    association_mappings: [],
  },
  {
    id: 3,
    pretix_model: 'Order',
    external_object_type: 'companies',
    pretix_id_field: 'invoice_address_company',
    external_id_field: 'pretix_company_key',
    property_mappings: [row('invoice_address_city', 'pretix_city')],
    association_mappings: [],
  },
];

describe('create missing HubSpot properties', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const path = () => `/api/v1/connections/${connection.id}/events/${EVENT}/mappings/create-missing-properties`;
  const property = (type: 'contacts' | 'deals' | 'companies', name: string) => stack.hubspot.properties(PORTAL_ID, type).find((p) => p.name === name);

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    connection = await stack.connect({ webhook: 'none' });
  });
  afterAll(() => stack.close());

  it('cannot save the draft while its properties are missing', async () => {
    const { status, body } = await stack.api.send<ApiError>('PUT', `/api/v1/connections/${connection.id}/events/${EVENT}/mappings`, { mappings: draft() });
    expect(status).toBe(400);
    expect(body.fieldErrors!['mappings.0.external_id_field']).toMatch(/no deals property "pretix_event_order"/);
  });

  it('creates the group first, then every missing property of the draft', async () => {
    expect(stack.hubspot.propertyGroups(PORTAL_ID, 'companies').some((g) => g.name === 'pretix')).toBe(false);
    stack.hubspot.resetTraffic();
    const { status, body } = await stack.api.send<CreateMissingPropertiesResponse>('POST', path(), { mappings: draft() });
    expect(status).toBe(200);
    expect(body.created.map((c) => `${c.objectType}.${c.name}`).sort()).toEqual(
      [
        'companies.pretix_city',
        'companies.pretix_company_key',
        'contacts.pretix_interests',
        'contacts.pretix_newsletter',
        'contacts.pretix_tshirt',
        'contacts.pretix_years',
        'deals.pretix_event_order',
        'deals.pretix_order_date',
        'deals.pretix_order_status',
      ].sort(),
    );
    // amount, email and firstname were there already.
    expect(body.existing).toBe(3);

    const writes = stack.hubspot.requests({ portalId: PORTAL_ID, route: /^POST \/crm\/v3\/properties\/companies/ }).map((r) => r.path);
    expect(writes[0]).toBe('/crm/v3/properties/companies/groups');
    expect(stack.hubspot.propertyGroups(PORTAL_ID, 'companies').some((g) => g.name === 'pretix')).toBe(true);
  });

  it('makes identifiers unique text properties', () => {
    expect(property('deals', 'pretix_event_order')).toMatchObject({
      type: 'string',
      fieldType: 'text',
      hasUniqueValue: true,
      groupName: 'pretix',
      label: 'Event and order code (pretix ID)',
    });
    expect(property('companies', 'pretix_company_key')).toMatchObject({ type: 'string', hasUniqueValue: true });
  });

  it('gives each property the type of its pretix field, and choice fields their options', () => {
    expect(property('deals', 'pretix_order_status')).toMatchObject({ type: 'enumeration', fieldType: 'select', hasUniqueValue: false });
    expect(property('deals', 'pretix_order_status')!.options.map((o) => o.value)).toEqual(['open', 'won', 'lost']);
    expect(property('deals', 'pretix_order_date')).toMatchObject({ type: 'datetime', fieldType: 'date' });
    expect(property('contacts', 'pretix_tshirt')).toMatchObject({ type: 'enumeration', fieldType: 'select', label: 'Question: T-Shirt size (pretix)' });
    expect(property('contacts', 'pretix_tshirt')!.options.map((o) => [o.value, o.label])).toEqual([
      ['TS_S', 'S'],
      ['TS_M', 'M'],
      ['TS_L', 'L'],
    ]);
    expect(property('contacts', 'pretix_interests')).toMatchObject({ type: 'enumeration', fieldType: 'checkbox' });
    expect(property('contacts', 'pretix_newsletter')).toMatchObject({ type: 'bool', fieldType: 'booleancheckbox' });
    expect(property('contacts', 'pretix_years')).toMatchObject({ type: 'number', fieldType: 'number' });
    expect(property('companies', 'pretix_city')).toMatchObject({ type: 'string', fieldType: 'text', groupName: 'pretix' });
  });

  it('lets the draft save afterwards, without type warnings', async () => {
    const { status, body } = await stack.api.send<MappingsResponse>('PUT', `/api/v1/connections/${connection.id}/events/${EVENT}/mappings`, { mappings: draft() });
    expect(status).toBe(200);
    expect(body.warnings).toEqual({});
  });

  it('creates nothing twice', async () => {
    const { body } = await stack.api.send<CreateMissingPropertiesResponse>('POST', path(), { mappings: draft() });
    expect(body).toEqual({ created: [], existing: 12 });
  });

  it('uses the saved mappings when the body names none', async () => {
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    const { status, body } = await stack.api.send<CreateMissingPropertiesResponse>('POST', path());
    expect(status).toBe(200);
    expect(body.created).toEqual([]);
    expect(body.existing).toBeGreaterThan(10);
  });

  it('refuses names HubSpot would refuse, before creating anything', async () => {
    const bad = draft();
    bad[2]!.property_mappings = [row('invoice_address_zipcode', 'Postal code (pretix)')];
    const before = stack.hubspot.properties(PORTAL_ID, 'companies').length;
    const { status, body } = await stack.api.send<ApiError>('POST', path(), { mappings: bad });
    expect(status).toBe(400);
    expect(body.fieldErrors).toEqual({ 'mappings.2.property_mappings.0.external_field': expect.stringContaining('lower-case') });
    expect(stack.hubspot.properties(PORTAL_ID, 'companies')).toHaveLength(before);
  });
});
