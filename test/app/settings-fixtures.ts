// Receiver answers for the settings page tests, shaped by src/app/shared/api-types.ts.
import type {
  BackfillProgress,
  EventSummary,
  HubSpotPropertiesResponse,
  MappingsResponse,
  SettingsResponse,
  SourceFieldsResponse,
  SyncHealthDto,
  SyncProblemsResponse,
} from '../../src/app/shared/api-types';

export const settings: SettingsResponse = {
  portalId: '123',
  connections: [
    {
      id: 'conn-1',
      baseUrl: 'https://pretix.example.com',
      organizer: 'acme',
      createdAt: '2026-02-01T10:00:00Z',
      webhookUrl: 'https://pretix-hubspot.example.com/webhooks/pretix/wh_abc',
      syncAllEvents: false,
      defaultMappingSetId: null,
    },
  ],
  webhookActionTypes: ['pretix.event.order.placed', 'pretix.event.order.paid', 'pretix.event.order.canceled'],
};

export const event = (overrides: Partial<EventSummary> = {}): EventSummary => ({
  slug: 'democon',
  name: 'DemoCon 2026',
  dateFrom: '2026-06-01T09:00:00Z',
  dateTo: '2026-06-02T18:00:00Z',
  live: true,
  testmode: false,
  enabled: false,
  mappingCount: 2,
  webhook: { state: 'manual', id: null, message: 'The API token may not manage webhooks.' },
  ...overrides,
});

export const mappings: MappingsResponse = {
  mappings: [
    {
      id: 1,
      pretix_model: 'Order',
      external_object_type: 'contacts',
      pretix_id_field: 'email',
      external_id_field: 'email',
      property_mappings: [
        { pretix_field: 'invoice_address_name_given_name', external_field: 'firstname', value_map: '', overwrite: 'overwrite' },
        { pretix_field: 'order_status', external_field: 'pretix_status', value_map: '{"p":"paid"}', overwrite: 'overwrite' },
      ],
      association_mappings: [],
    },
    {
      id: 2,
      pretix_model: 'Order',
      external_object_type: 'deals',
      pretix_id_field: 'event_order_code',
      external_id_field: 'pretix_order_code',
      property_mappings: [{ pretix_field: 'order_total', external_field: 'amount', value_map: '', overwrite: 'overwrite' }],
      association_mappings: [{ via_mapping_id: 1 }],
    },
  ],
  warnings: { 'mappings.0.property_mappings.1.external_field': 'Order status is a choice, pretix_status is a number.' },
};

const text = (key: string, label: string) => ({
  key,
  label,
  displayLabel: `${label} [Text (one line)]`,
  type: 'S',
  typeLabel: 'Text (one line)',
  enumOptions: null,
});

export const orderFields: SourceFieldsResponse = {
  groups: [
    {
      label: 'Order details',
      fields: [
        text('email', 'Order email'),
        text('order_code', 'Order code'),
        text('event_order_code', 'Event and order code'),
        { ...text('order_total', 'Order total'), displayLabel: 'Order total [Number]', type: 'N', typeLabel: 'Number' },
        {
          key: 'order_status',
          label: 'Order status',
          displayLabel: 'Order status [Choose one from a list]',
          type: 'C',
          typeLabel: 'Choose one from a list',
          enumOptions: [
            { value: 'n', label: 'pending' },
            { value: 'p', label: 'paid' },
            { value: 'e', label: 'expired' },
            { value: 'c', label: 'canceled' },
          ],
        },
      ],
    },
    {
      label: 'Invoice address',
      fields: [text('invoice_address_name_given_name', 'Invoice address: Given name'), text('invoice_address_company', 'Invoice address company')],
    },
  ],
};

const property = (name: string, label: string, type = 'string', hasUniqueValue = false) => ({
  name,
  label,
  type,
  fieldType: 'text',
  displayLabel: `${label} (${name} | ${type})`,
  hasUniqueValue,
  options: [] as { label: string; value: string }[],
});

export const contactProperties: HubSpotPropertiesResponse = {
  properties: [
    property('email', 'Email'),
    property('firstname', 'First name'),
    property('lastname', 'Last name'),
    property('company', 'Company name'),
    property('pretix_status', 'pretix status', 'number'),
  ],
};

export const dealProperties: HubSpotPropertiesResponse = {
  properties: [property('dealname', 'Deal name'), property('amount', 'Amount', 'number'), property('pretix_order_code', 'pretix order code', 'string', true)],
};

export const problems: SyncProblemsResponse = {
  problems: [
    {
      key: 'conn-1/democon/ABC12',
      connectionId: 'conn-1',
      event: 'democon',
      code: 'ABC12',
      failureClass: 'config',
      failureLabel: 'Misconfiguration, please check the mapping',
      error: 'Please update value mapping for field "order_status" - option "c" not assigned',
      attempts: 1,
      failedAt: '2026-03-03T14:06:00Z',
    },
  ],
  health: quietHealth(),
};

/** Nothing synced from a webhook in the last hour, nothing waiting. */
export function quietHealth(): SyncHealthDto {
  return { lag: { count: 0, p50Ms: null, p95Ms: null, maxMs: null }, backlog: { pending: 0, inFlight: 0, failed: 0, oldestPendingAgeMs: null } };
}

export const backfill = (overrides: Partial<BackfillProgress> = {}): BackfillProgress => ({
  state: 'idle',
  total: null,
  processed: 0,
  synced: 0,
  skipped: 0,
  failed: 0,
  startedAt: null,
  finishedAt: null,
  ratePerSecond: null,
  etaSeconds: null,
  error: null,
  ...overrides,
});
