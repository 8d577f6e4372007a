// The mapping editor's endpoints: source fields grouped like pretix shows them, HubSpot properties with their
// types, and saving mappings only when every field and property exists — errors keyed by the row they belong to,
// type mismatches as warnings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ApiError,
  HubSpotPropertiesResponse,
  MappingsResponse,
  ObjectMappingDto,
  SourceFieldsResponse,
} from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { exampleMappingDtos } from '../helpers/mappings';
import { EVENT } from '../helpers/stack';
import { startApiStack, type ApiStack } from './signed-client';

const exampleDtos = exampleMappingDtos;

/** value_map strings compared as the maps they encode (the receiver writes them without spaces). */
const normalized = (mappings: ObjectMappingDto[]) =>
  mappings.map((m) => ({
    ...m,
    property_mappings: m.property_mappings.map((row) => ({ ...row, value_map: row.value_map === '' ? {} : (JSON.parse(row.value_map) as unknown) })),
  }));

describe('mapping editor', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const mappingsPath = () => `/api/v1/connections/${connection.id}/events/${EVENT}/mappings`;
  const save = (mappings: unknown) => stack.api.send<MappingsResponse & ApiError>('PUT', mappingsPath(), { mappings });

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    connection = await stack.connect({ webhook: 'none' });
  });
  afterAll(() => stack.close());

  describe('source fields', () => {
    it('groups an Order mapping\'s fields by pretix category, labelled "Label [Type]"', async () => {
      const { status, body } = await stack.api.get<SourceFieldsResponse>(`/api/v1/connections/${connection.id}/events/${EVENT}/source-fields`, { model: 'Order' });
      expect(status).toBe(200);
      expect(body.groups.map((g) => g.label)).toEqual(['Order details', 'Invoice address', 'Event information']);
      const order = body.groups[0]!.fields;
      expect(order.find((f) => f.key === 'order_code')).toEqual({
        key: 'order_code',
        label: 'Order code',
        displayLabel: 'Order code [Text (one line)]',
        type: 'S',
        typeLabel: 'Text (one line)',
        enumOptions: null,
      });
      expect(order.find((f) => f.key === 'order_status')?.enumOptions).toEqual([
        { value: 'n', label: 'pending' },
        { value: 'p', label: 'paid' },
        { value: 'e', label: 'expired' },
        { value: 'c', label: 'canceled' },
      ]);
      expect(body.groups.flatMap((g) => g.fields).some((f) => f.key.startsWith('attendee_'))).toBe(false);
    });

    it('offers position, attendee and question fields to OrderPosition mappings', async () => {
      const { body } = await stack.api.get<SourceFieldsResponse>(`/api/v1/connections/${connection.id}/events/${EVENT}/source-fields`, { model: 'OrderPosition' });
      const labels = body.groups.map((g) => g.label);
      expect(labels.slice(0, 3)).toEqual(['Order position details', 'Attendee details', 'Questions']);
      const tshirt = body.groups.find((g) => g.label === 'Questions')!.fields.find((f) => f.key === 'question_TSHIRT')!;
      expect(tshirt.displayLabel).toBe('Question: T-Shirt size [Choose one from a list]');
      expect(tshirt.enumOptions?.map((o) => o.value)).toEqual(['TS_S', 'TS_M', 'TS_L']);
    });

    it('refuses an unknown model', async () => {
      expect((await stack.api.get(`/api/v1/connections/${connection.id}/events/${EVENT}/source-fields`, { model: 'Invoice' })).status).toBe(400);
    });
  });

  describe('HubSpot properties', () => {
    it('labels properties "Label (name | type)" and leaves out read-only ones', async () => {
      const { status, body } = await stack.api.get<HubSpotPropertiesResponse>('/api/v1/hubspot/properties/contacts');
      expect(status).toBe(200);
      expect(body.properties.find((p) => p.name === 'firstname')).toEqual({
        name: 'firstname',
        label: 'First Name',
        type: 'string',
        fieldType: 'text',
        displayLabel: 'First Name (firstname | string)',
        hasUniqueValue: false,
        options: [],
      });
      expect(body.properties.find((p) => p.name === 'tshirt_size')?.options.map((o) => o.value)).toEqual(['small', 'medium', 'large']);
      expect(body.properties.some((p) => p.name === 'hs_object_id')).toBe(false);
      const labels = body.properties.map((p) => p.label);
      expect(labels).toEqual([...labels].sort((a, b) => a.localeCompare(b)));
    });

    it('marks unique properties', async () => {
      const { body } = await stack.api.get<HubSpotPropertiesResponse>('/api/v1/hubspot/properties/deals');
      expect(body.properties.find((p) => p.name === 'pretix_order_id')).toMatchObject({ hasUniqueValue: true, displayLabel: 'pretix-order-id (pretix_order_id | string)' });
    });

    it('refuses other object types', async () => {
      expect((await stack.api.get('/api/v1/hubspot/properties/tickets')).status).toBe(400);
    });
  });

  describe('saving mappings', () => {
    it('starts empty', async () => {
      expect((await stack.api.get<MappingsResponse>(mappingsPath())).body).toEqual({ mappings: [], warnings: {} });
    });

    it('saves valid mappings in pretix\'s shape without switching sync on', async () => {
      const { status, body } = await save(exampleDtos());
      expect(status).toBe(200);
      expect(body.warnings).toEqual({});
      expect(normalized(body.mappings)).toEqual(normalized(exampleDtos()));
      expect((await stack.store.getEventConfig(connection.id, EVENT))?.enabled).toBe(false);
      expect((await stack.store.getEventConfig(connection.id, EVENT))?.mappings[1]!.property_mappings[3]!.value_map).toEqual({ TS_S: 'small', TS_M: 'medium', TS_L: 'large' });
      const read = (await stack.api.get<MappingsResponse>(mappingsPath())).body;
      expect(read.mappings).toEqual(body.mappings);
      expect(read.warnings).toEqual({});
    });

    it('keys shape errors by their path in the request', async () => {
      const mappings = exampleDtos();
      (mappings[0]!.property_mappings[0] as { overwrite: string }).overwrite = 'sometimes';
      mappings[1]!.property_mappings[3]!.value_map = '{not json';
      const { status, body } = await save(mappings);
      expect(status).toBe(400);
      expect(Object.keys(body.fieldErrors!).sort()).toEqual(['mappings.0.property_mappings.0.overwrite', 'mappings.1.property_mappings.3.value_map']);

      const late = exampleDtos();
      late[2]!.association_mappings = [{ via_mapping_id: 9 }];
      late.push({ ...exampleDtos()[0]!, id: 1 });
      const second = await save(late);
      expect(second.status).toBe(400);
      expect(second.body.fieldErrors).toEqual({
        'mappings.2.association_mappings': expect.stringContaining('earlier mapping'),
        'mappings.3.id': 'duplicate mapping id 1',
      });
    });

    it('checks every pretix field and HubSpot property against the catalogues', async () => {
      const mappings = exampleDtos();
      mappings[0]!.pretix_id_field = 'attendee_email'; // a position field in an Order mapping
      mappings[0]!.property_mappings[1]!.pretix_field = 'invoice_address_shoe_size';
      mappings[0]!.property_mappings[2]!.external_field = 'street_address_2';
      mappings[1]!.property_mappings[3]!.value_map = JSON.stringify({ TS_S: 'small', TS_XL: 'large' });
      mappings[2]!.external_id_field = 'dealname'; // exists, but not unique
      mappings[2]!.property_mappings[2]!.value_map = JSON.stringify({ n: 'appointmentscheduled', p: 'won', e: 'closedlost', c: 'closedlost' });
      const { status, body } = await save(mappings);
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_mappings');
      expect(body.fieldErrors).toEqual({
        'mappings.0.pretix_id_field': expect.stringContaining('OrderPosition mapping'),
        'mappings.0.property_mappings.1.pretix_field': expect.stringContaining('invoice_address_shoe_size'),
        'mappings.0.property_mappings.2.external_field': expect.stringContaining('no contacts property "street_address_2"'),
        'mappings.1.property_mappings.3.value_map': expect.stringContaining('"TS_XL" is not an option of "Question: T-Shirt size"'),
        'mappings.2.external_id_field': expect.stringContaining('unique'),
        'mappings.2.property_mappings.2.value_map': expect.stringContaining('"won" is not an option of the HubSpot property "Deal Stage"'),
      });
      // Nothing was saved.
      expect(normalized((await stack.api.get<MappingsResponse>(mappingsPath())).body.mappings)).toEqual(normalized(exampleDtos()));
    });

    it('saves with warnings for types that do not fit', async () => {
      const mappings = exampleDtos();
      mappings[2]!.property_mappings.push({ pretix_field: 'order_date', external_field: 'dealname', value_map: '', overwrite: 'overwrite' });
      mappings[0]!.property_mappings.push({ pretix_field: 'order_status', external_field: 'jobtitle', value_map: '', overwrite: 'if_empty' });
      const { status, body } = await save(mappings);
      expect(status).toBe(200);
      expect(body.warnings).toEqual({
        'mappings.2.property_mappings.3.external_field': expect.stringContaining('date and time (datetime) property'),
        'mappings.0.property_mappings.8.external_field': expect.stringContaining('enumeration'),
      });
      expect((await stack.api.get<MappingsResponse>(mappingsPath())).body.warnings).toEqual(body.warnings);
    });

    it('refuses a body that is not a mapping list', async () => {
      expect((await stack.api.send<ApiError>('PUT', mappingsPath(), { mappings: 'all' })).status).toBe(400);
      expect((await stack.api.send<ApiError>('PUT', mappingsPath(), {})).status).toBe(400);
    });

    it('answers 404 unknown_event, saving nothing, when pretix has no such event', async () => {
      const { status, body } = await stack.api.send<ApiError>('PUT', `/api/v1/connections/${connection.id}/events/nosuchcon/mappings`, { mappings: exampleDtos() });
      expect(status).toBe(404);
      expect(body.error).toBe('unknown_event');
      expect(body.message).toMatch(/no event "nosuchcon"/);
      expect(await stack.store.getEventConfig(connection.id, 'nosuchcon')).toBeUndefined();
    });
  });
});

describe('setup problems', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
  });
  afterAll(() => stack.close());

  it('answers 409 with the reason when the portal has no HubSpot access, not a gateway error', async () => {
    const { status, body } = await stack.api.get<ApiError>('/api/v1/hubspot/properties/contacts', undefined, '999');
    expect(status).toBe(409);
    expect(body.error).toBe('config_error');
    expect(body.message).toMatch(/not connected/);
  });
});
