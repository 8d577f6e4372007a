import {
  Button,
  ErrorState,
  Flex,
  Input,
  LoadingButton,
  MultiSelect,
  ProgressBar,
  Select,
  StatusTag,
  TableRow,
  Tag,
  Text,
  Toggle,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Settings } from '../../src/app/settings/Settings';
import { RECEIVER, json, mockReceiver, type Routes } from './receiver-mock';
import { change, textOf } from './rendered-text';
import * as fx from './settings-fixtures';

const EVENTS = '/api/v1/connections/conn-1/events';
const EVENT = `${EVENTS}/democon`;
const MAPPINGS = `${EVENT}/mappings`;

const baseRoutes = (extra: Routes = {}): Routes => ({
  'GET /api/v1/settings': json(fx.settings),
  [`GET ${EVENTS}`]: json({ events: [fx.event()] }),
  'GET /api/v1/sync-problems': json({ problems: [], health: fx.quietHealth() }),
  [`GET ${EVENT}/backfill`]: json(fx.backfill()),
  [`GET ${MAPPINGS}`]: json(fx.mappings),
  [`GET ${EVENT}/source-fields`]: json(fx.orderFields),
  'GET /api/v1/hubspot/properties/contacts': json(fx.contactProperties),
  'GET /api/v1/hubspot/properties/deals': json(fx.dealProperties),
  ...extra,
});

function renderSettings() {
  const renderer = createRenderer('settings');
  renderer.render(<Settings context={renderer.mocks.context} actions={renderer.mocks.actions} />);
  return renderer;
}

type Renderer = ReturnType<typeof renderSettings>;

async function openMappingEditor({ waitFor, findByTestId, find }: Renderer) {
  await waitFor(() => findByTestId(Button, 'edit-mappings-democon'));
  findByTestId(Button, 'edit-mappings-democon').trigger('onClick');
  // Loaded when the catalogue labels have arrived in the selects.
  await waitFor(() =>
    expect(find(Select, { testId: 'mappings.0.property_mappings.0.external_field' }).props.options).toContainEqual({
      label: 'First name (firstname | string)',
      value: 'firstname',
    }),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('settings page', () => {
  it('loads settings, events and sync problems for the portal', async () => {
    const { spy } = mockReceiver(baseRoutes());
    const { waitFor, findByTestId } = renderSettings();
    await waitFor(() => findByTestId(Toggle, 'enable-democon'));
    expect(spy).toHaveBeenCalledWith(`${RECEIVER}/api/v1/settings?portalId=123`, { method: 'GET', timeout: 14000 });
    expect(spy).toHaveBeenCalledWith(`${RECEIVER}${EVENTS}?portalId=123`, { method: 'GET', timeout: 14000 });
    expect(spy).toHaveBeenCalledWith(`${RECEIVER}/api/v1/sync-problems?portalId=123`, { method: 'GET', timeout: 14000 });
  });

  it('says what to do when the settings cannot be loaded', async () => {
    mockReceiver({ 'GET /api/v1/settings': () => Promise.reject(new Error('timeout')) });
    const { waitFor, find } = renderSettings();
    await waitFor(() => expect(find(ErrorState).props.title).toBe('The settings could not be loaded'));
    expect(textOf(find(ErrorState))).toContain('check that the service is running');
  });

  describe('pretix connection', () => {
    it('posts the form and shows a field error from the receiver at the API token', async () => {
      const { callsTo } = mockReceiver(
        baseRoutes({
          'POST /api/v1/connections': json(
            { error: 'validation', message: 'pretix rejected the token', fieldErrors: { apiToken: 'pretix answered 401: invalid token' } },
            400,
          ),
        }),
      );
      const { waitFor, findByTestId, mocks } = renderSettings();
      await waitFor(() => findByTestId(Input, 'connection-apiToken'));

      change(findByTestId(Input, 'connection-baseUrl'), 'https://pretix.eu');
      change(findByTestId(Input, 'connection-organizer'), 'acme');
      change(findByTestId(Input, 'connection-apiToken'), 'wrongtoken');
      expect(findByTestId(Input, 'connection-apiToken').props.type).toBe('password');
      findByTestId(Button, 'connection-save').trigger('onClick');

      await waitFor(() => expect(findByTestId(Input, 'connection-apiToken').props.error).toBe(true));
      expect(findByTestId(Input, 'connection-apiToken').props.validationMessage).toBe('pretix answered 401: invalid token');
      expect(findByTestId(Input, 'connection-baseUrl').props.error).toBe(false);
      expect(findByTestId(Input, 'connection-organizer').props.validationMessage).toBeUndefined();
      const [post] = callsTo('POST', '/api/v1/connections');
      expect(post?.url).toBe(`${RECEIVER}/api/v1/connections?portalId=123`);
      expect(post?.body).toEqual({ baseUrl: 'https://pretix.eu', organizer: 'acme', apiToken: 'wrongtoken' });
      expect(mocks.actions.addAlert.callCount).toBe(0);
    });

    it('lists connections with their webhook URL and reloads after a successful save', async () => {
      const { callsTo } = mockReceiver(
        baseRoutes({ 'POST /api/v1/connections': json({ connection: fx.settings.connections[0] }, 201) }),
      );
      const { waitFor, findByTestId, mocks } = renderSettings();
      await waitFor(() => expect(textOf(findByTestId(Flex, 'connection-form'))).toContain('Connect a pretix organizer'));
      expect(findByTestId(TableRow, 'connection-conn-1').childNodes.map((cell) => textOf(cell))).toEqual([
        'https://pretix.example.com',
        'acme',
        'Feb 1, 2026',
        'https://pretix-hubspot.example.com/webhooks/pretix/wh_abc',
      ]);
      // Blank fields are caught before asking pretix.
      findByTestId(Button, 'connection-save').trigger('onClick');
      await waitFor(() => expect(findByTestId(Input, 'connection-organizer').props.error).toBe(true));
      expect(callsTo('POST', '/api/v1/connections')).toHaveLength(0);

      change(findByTestId(Input, 'connection-baseUrl'), 'https://pretix.example.com');
      change(findByTestId(Input, 'connection-organizer'), 'acme');
      change(findByTestId(Input, 'connection-apiToken'), 'secret-token');
      findByTestId(Button, 'connection-save').trigger('onClick');
      await vi.waitFor(() => expect(mocks.actions.addAlert.callCount).toBe(1));
      expect(mocks.actions.addAlert.calls[0]).toEqual([{ type: 'success', message: 'Connected to pretix organizer acme.' }]);
      // The token is not kept in the form after saving.
      await waitFor(() => expect(findByTestId(Input, 'connection-apiToken').props.value).toBe(''));
      await vi.waitFor(() => expect(callsTo('GET', '/api/v1/settings')).toHaveLength(2));
    });
  });

  describe('events', () => {
    it('enables an event with PUT {enabled:true} and shows the new state', async () => {
      const { callsTo } = mockReceiver(
        baseRoutes({ [`PUT ${EVENT}`]: json({ event: fx.event({ enabled: true, webhook: { state: 'registered', id: 7, message: null } }) }) }),
      );
      const { waitFor, findByTestId, mocks } = renderSettings();
      await waitFor(() => findByTestId(Toggle, 'enable-democon'));
      expect(findByTestId(Toggle, 'enable-democon').props.checked).toBe(false);
      expect(findByTestId(StatusTag, 'webhook-democon').text).toBe('Add the webhook in pretix');
      expect(textOf(findByTestId(Text, 'webhook-democon-instructions'))).toContain(
        'https://pretix-hubspot.example.com/webhooks/pretix/wh_abc',
      );
      expect(textOf(findByTestId(Text, 'webhook-democon-instructions'))).toContain('pretix.event.order.paid');

      change(findByTestId(Toggle, 'enable-democon'), true);

      await waitFor(() => expect(findByTestId(Toggle, 'enable-democon').props.checked).toBe(true));
      const [put] = callsTo('PUT', EVENT);
      expect(put?.options).toEqual({ method: 'PUT', timeout: 14000, body: { enabled: true } });
      expect(put?.url).toBe(`${RECEIVER}${EVENT}?portalId=123`);
      expect(findByTestId(StatusTag, 'webhook-democon').text).toBe('Webhook registered');
      expect(mocks.actions.addAlert.calls[0]).toEqual([{ type: 'success', message: 'Sync is on for DemoCon 2026.' }]);
    });

    it('keeps the switch off and alerts when the receiver refuses', async () => {
      mockReceiver(baseRoutes({ [`PUT ${EVENT}`]: json({ error: 'pretix', message: 'pretix is unreachable' }, 502) }));
      const { waitFor, findByTestId, mocks } = renderSettings();
      await waitFor(() => findByTestId(Toggle, 'enable-democon'));
      change(findByTestId(Toggle, 'enable-democon'), true);
      await vi.waitFor(() => expect(mocks.actions.addAlert.callCount).toBe(1));
      expect(mocks.actions.addAlert.calls[0]).toEqual([
        { type: 'danger', message: 'Could not change sync for DemoCon 2026: pretix is unreachable' },
      ]);
      expect(findByTestId(Toggle, 'enable-democon').props.checked).toBe(false);
    });
  });

  describe('mapping editor', () => {
    it('shows mappings in pretix terms: identifier row, labelled selects, modes and type warnings', async () => {
      const { callsTo } = mockReceiver(baseRoutes());
      const renderer = renderSettings();
      await openMappingEditor(renderer);
      const { find, findAll, findByTestId } = renderer;

      expect(find(Select, { testId: 'mappings.0.pretix_model' }).props.value).toBe('Order');
      expect(find(Select, { testId: 'mappings.0.external_object_type' }).props.value).toBe('contacts');
      expect(textOf(findByTestId(Flex, 'mapping-editor').find(Text, (n) => n.text === 'Identifier'))).toBe('Identifier');
      expect(find(Select, { testId: 'mappings.0.pretix_id_field' }).props.options).toContainEqual({
        label: 'Order email [Text (one line)]',
        value: 'email',
      });
      // Only email and unique properties can identify an object.
      expect(find(Select, { testId: 'mappings.1.external_id_field' }).props.options).toEqual([
        { label: 'pretix order code (pretix_order_code | string)', value: 'pretix_order_code' },
      ]);
      expect(find(Select, { testId: 'mappings.0.property_mappings.0.pretix_field' }).props.description).toBe('Invoice address');
      expect(find(Select, { testId: 'mappings.0.property_mappings.0.overwrite' }).props.options.map((o) => o.label)).toEqual([
        'Overwrite',
        'Fill if new',
        'Fill if empty',
        'Add to list',
      ]);
      expect(findByTestId(Tag, 'mappings.0.property_mappings.1.warning').text).toBe(
        '⚠ Order status is a choice, pretix_status is a number.',
      );
      expect(findAll(Tag, (n) => n.props.testId?.endsWith('.warning') ?? false)).toHaveLength(1);
      expect(find(MultiSelect, { testId: 'mappings.1.association_mappings' }).props.value).toEqual(['1']);
      // Source fields are asked for per pretix model.
      expect(callsTo('GET', `${EVENT}/source-fields`).map((c) => c.query.get('model'))).toEqual(['Order']);
    });

    it('edits a row, adds a row, and saves exactly the edited mappings', async () => {
      const { callsTo } = mockReceiver(baseRoutes({ [`PUT ${MAPPINGS}`]: (call) => json({ mappings: (call.body as typeof fx.mappings).mappings, warnings: {} }) }));
      const renderer = renderSettings();
      await openMappingEditor(renderer);
      const { find, findByTestId, waitFor, mocks } = renderer;

      change(find(Select, { testId: 'mappings.0.property_mappings.0.overwrite' }), 'if_empty');
      change(find(Select, { testId: 'mappings.0.property_mappings.0.external_field' }), 'lastname');
      findByTestId(Button, 'mappings.0.add_row').trigger('onClick');
      await waitFor(() => find(Select, { testId: 'mappings.0.property_mappings.2.pretix_field' }));
      change(find(Select, { testId: 'mappings.0.property_mappings.2.pretix_field' }), 'invoice_address_company');
      change(find(Select, { testId: 'mappings.0.property_mappings.2.external_field' }), 'company');
      change(find(Select, { testId: 'mappings.0.property_mappings.2.overwrite' }), 'if_new');
      findByTestId(Button, 'save-mappings').trigger('onClick');

      await vi.waitFor(() => expect(callsTo('PUT', MAPPINGS)).toHaveLength(1));
      const [put] = callsTo('PUT', MAPPINGS);
      expect(put?.url).toBe(`${RECEIVER}${MAPPINGS}?portalId=123`);
      expect(put?.options).toEqual({
        method: 'PUT',
        timeout: 14000,
        body: {
          mappings: [
            {
              id: 1,
              pretix_model: 'Order',
              external_object_type: 'contacts',
              pretix_id_field: 'email',
              external_id_field: 'email',
              property_mappings: [
                { pretix_field: 'invoice_address_name_given_name', external_field: 'lastname', value_map: '', overwrite: 'if_empty' },
                { pretix_field: 'order_status', external_field: 'pretix_status', value_map: '{"p":"paid"}', overwrite: 'overwrite' },
                { pretix_field: 'invoice_address_company', external_field: 'company', value_map: '', overwrite: 'if_new' },
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
        },
      });
      await vi.waitFor(() => expect(mocks.actions.addAlert.callCount).toBe(1));
      expect(mocks.actions.addAlert.calls[0]).toEqual([{ type: 'success', message: 'Saved 2 object mapping(s) for democon.' }]);
      expect(findByTestId(Button, 'save-mappings').props.disabled).toBe(true);
    });

    it('shows a server validation error at the field of the row it names', async () => {
      mockReceiver(
        baseRoutes({
          [`PUT ${MAPPINGS}`]: json(
            {
              error: 'validation',
              message: 'The mappings are invalid',
              fieldErrors: { 'mappings.0.property_mappings.2.external_field': 'HubSpot has no contact property "nickname".' },
            },
            400,
          ),
        }),
      );
      const renderer = renderSettings();
      await openMappingEditor(renderer);
      const { find, findByTestId, waitFor, mocks } = renderer;

      findByTestId(Button, 'mappings.0.add_row').trigger('onClick');
      await waitFor(() => find(Select, { testId: 'mappings.0.property_mappings.2.external_field' }));
      change(find(Select, { testId: 'mappings.0.property_mappings.2.pretix_field' }), 'order_code');
      change(find(Select, { testId: 'mappings.0.property_mappings.2.external_field' }), 'nickname');
      findByTestId(Button, 'save-mappings').trigger('onClick');

      await waitFor(() => expect(find(Select, { testId: 'mappings.0.property_mappings.2.external_field' }).props.error).toBe(true));
      const field = find(Select, { testId: 'mappings.0.property_mappings.2.external_field' });
      expect(field.props.validationMessage).toBe('HubSpot has no contact property "nickname".');
      expect(find(Select, { testId: 'mappings.0.property_mappings.2.pretix_field' }).props.error).toBe(false);
      expect(find(Select, { testId: 'mappings.0.property_mappings.1.external_field' }).props.error).toBe(false);
      expect(mocks.actions.addAlert.calls[0]).toEqual([{ type: 'danger', message: 'The mappings were not saved: The mappings are invalid' }]);

      // The message follows its row when an earlier row is removed.
      findByTestId(Button, 'mappings.0.property_mappings.0.remove').trigger('onClick');
      await waitFor(() =>
        expect(find(Select, { testId: 'mappings.0.property_mappings.1.external_field' }).props.validationMessage).toBe(
          'HubSpot has no contact property "nickname".',
        ),
      );
    });

    it('edits a value map with one input per pretix option, saved as pretix’s JSON string', async () => {
      const { callsTo } = mockReceiver(baseRoutes({ [`PUT ${MAPPINGS}`]: json(fx.mappings) }));
      const renderer = renderSettings();
      await openMappingEditor(renderer);
      const { find, findByTestId, findAll, waitFor } = renderer;

      findByTestId(Button, 'mappings.0.property_mappings.1.value_map.toggle').trigger('onClick');
      await waitFor(() => find(Input, { testId: 'mappings.0.property_mappings.1.value_map-n' }));
      expect(findAll(Input, (n) => n.props.testId?.startsWith('mappings.0.property_mappings.1.value_map-') ?? false).map((n) => n.props.label)).toEqual([
        'pending (n)',
        'paid (p)',
        'expired (e)',
        'canceled (c)',
      ]);
      expect(find(Input, { testId: 'mappings.0.property_mappings.1.value_map-p' }).props.value).toBe('paid');
      change(find(Input, { testId: 'mappings.0.property_mappings.1.value_map-n' }), 'open');
      change(find(Input, { testId: 'mappings.0.property_mappings.1.value_map-c' }), 'lost');
      findByTestId(Button, 'save-mappings').trigger('onClick');

      await vi.waitFor(() => expect(callsTo('PUT', MAPPINGS)).toHaveLength(1));
      const body = callsTo('PUT', MAPPINGS)[0]?.body as typeof fx.mappings;
      expect(body.mappings[0]?.property_mappings[1]?.value_map).toBe('{"n":"open","p":"paid","c":"lost"}');
    });

    it('adds, moves and deletes object mappings and keeps associations pointing backwards', async () => {
      const { callsTo } = mockReceiver(baseRoutes({ [`PUT ${MAPPINGS}`]: json(fx.mappings) }));
      const renderer = renderSettings();
      await openMappingEditor(renderer);
      const { find, findByTestId, waitFor } = renderer;

      change(find(Select, { testId: 'new-mapping-model' }), 'OrderPosition');
      change(find(Select, { testId: 'new-mapping-object-type' }), 'contacts');
      findByTestId(Button, 'add-mapping').trigger('onClick');
      await waitFor(() => find(Select, { testId: 'mappings.2.pretix_model' }));
      expect(find(Select, { testId: 'mappings.2.pretix_id_field' }).props.value).toBe('attendee_email');
      // Moving the deal mapping above the contact mapping it is associated with drops that association.
      findByTestId(Button, 'mappings.1.up').trigger('onClick');
      findByTestId(Button, 'mappings.2.delete').trigger('onClick');
      findByTestId(Button, 'save-mappings').trigger('onClick');

      await vi.waitFor(() => expect(callsTo('PUT', MAPPINGS)).toHaveLength(1));
      const body = callsTo('PUT', MAPPINGS)[0]?.body as typeof fx.mappings;
      expect(body.mappings.map((m) => [m.id, m.external_object_type, m.association_mappings])).toEqual([
        [2, 'deals', []],
        [1, 'contacts', []],
      ]);
      // OrderPosition fields were requested once a mapping used that model.
      expect(callsTo('GET', `${EVENT}/source-fields`).map((c) => c.query.get('model'))).toContain('OrderPosition');
    });

    it('creates missing HubSpot properties for the mappings on screen', async () => {
      const { callsTo } = mockReceiver(
        baseRoutes({
          [`POST ${MAPPINGS}/create-missing-properties`]: json({ created: [{ objectType: 'contacts', name: 'pretix_status' }], existing: 5 }),
        }),
      );
      const renderer = renderSettings();
      await openMappingEditor(renderer);
      const { findByTestId, mocks } = renderer;
      findByTestId(Button, 'create-missing-properties').trigger('onClick');
      await vi.waitFor(() => expect(mocks.actions.addAlert.callCount).toBe(1));
      const sent = callsTo('POST', `${MAPPINGS}/create-missing-properties`)[0]?.options as { method: string; body: { mappings: { id: number }[] } };
      expect(sent.method).toBe('POST');
      expect(sent.body.mappings.map((m) => m.id)).toEqual(fx.mappings.mappings.map((m) => m.id));
      expect(mocks.actions.addAlert.calls[0]).toEqual([
        { type: 'success', message: 'Created 1 HubSpot properties (contacts.pretix_status); 5 already existed.' },
      ]);
      await vi.waitFor(() => expect(callsTo('GET', '/api/v1/hubspot/properties/contacts')).toHaveLength(2));
    });
  });

  describe('sync problems', () => {
    it('lists problems and retries one', async () => {
      const { callsTo } = mockReceiver(
        baseRoutes({
          'GET /api/v1/sync-problems': () => json(callsTo('POST', '/api/v1/sync-problems/retry').length ? { problems: [], health: fx.quietHealth() } : fx.problems),
          'POST /api/v1/sync-problems/retry': json({ status: 'queued' }, 202),
        }),
      );
      const { waitFor, findByTestId, mocks } = renderSettings();
      await waitFor(() => findByTestId(LoadingButton, 'retry-conn-1/democon/ABC12'));
      const row = findByTestId(LoadingButton, 'retry-conn-1/democon/ABC12');
      expect(textOf(findByTestId(Flex, 'sync-problems'))).toContain('option "c" not assigned');
      expect(textOf(findByTestId(Flex, 'sync-problems'))).toContain('Misconfiguration, please check the mapping');

      row.trigger('onClick');

      await vi.waitFor(() => expect(mocks.actions.addAlert.callCount).toBe(1));
      expect(callsTo('POST', '/api/v1/sync-problems/retry')[0]?.options).toEqual({
        method: 'POST',
        timeout: 14000,
        body: { key: 'conn-1/democon/ABC12' },
      });
      expect(mocks.actions.addAlert.calls[0]).toEqual([{ type: 'success', message: 'Order ABC12 of democon is queued again.' }]);
      await waitFor(() => expect(textOf(findByTestId(Flex, 'sync-problems'))).toContain('No sync problems'));
    });
  });

  describe('sync health', () => {
    it("shows the portal's webhook lag over the last hour and the queue backlog", async () => {
      mockReceiver(
        baseRoutes({
          'GET /api/v1/sync-problems': json({
            problems: [],
            health: { lag: { count: 120, p50Ms: 812, p95Ms: 1_930, maxMs: 24_400 }, backlog: { pending: 7, inFlight: 2, failed: 1, oldestPendingAgeMs: 3_200 } },
          }),
        }),
      );
      const { waitFor, findByTestId } = renderSettings();
      await waitFor(() => findByTestId(Text, 'sync-lag'));
      expect(textOf(findByTestId(Text, 'sync-lag'))).toBe('Webhook to HubSpot in the last hour: p50 0.8 s, p95 1.9 s, max 24 s (120 webhooks).');
      expect(textOf(findByTestId(Text, 'sync-backlog'))).toBe('Queue: 7 waiting, the oldest waiting for 3.2 s, 2 being synced, 1 stopped.');
    });

    it('says so when no webhook was synced in the last hour', async () => {
      mockReceiver(baseRoutes());
      const { waitFor, findByTestId } = renderSettings();
      await waitFor(() => findByTestId(Text, 'sync-lag'));
      expect(textOf(findByTestId(Text, 'sync-lag'))).toBe('No webhook was synced in the last hour.');
      expect(textOf(findByTestId(Text, 'sync-backlog'))).toBe('Queue: 0 waiting, 0 being synced, 0 stopped.');
    });
  });

  describe('backfill', () => {
    it('starts a backfill, shows its progress and cancels it', async () => {
      const running = fx.backfill({ state: 'running', total: 200, processed: 50, synced: 48, skipped: 1, failed: 1, etaSeconds: 90 });
      const { callsTo } = mockReceiver(
        baseRoutes({
          [`GET ${EVENTS}`]: json({ events: [fx.event({ enabled: true }), fx.event({ slug: 'other', name: 'Other', enabled: false })] }),
          [`POST ${EVENT}/backfill`]: json(running, 202),
          [`DELETE ${EVENT}/backfill`]: json(fx.backfill({ state: 'canceled', total: 200, processed: 50, synced: 48, skipped: 1, failed: 1 })),
        }),
      );
      const { waitFor, findByTestId, find, maybeFind } = renderSettings();
      await waitFor(() => findByTestId(Button, 'backfill-start-democon'));
      // Only enabled events can be backfilled.
      expect(maybeFind(Button, { testId: 'backfill-start-other' })).toBeNull();

      findByTestId(Button, 'backfill-start-democon').trigger('onClick');
      await waitFor(() => find(ProgressBar, { testId: 'backfill-progress-democon' }));
      const bar = find(ProgressBar, { testId: 'backfill-progress-democon' });
      expect(bar.props.value).toBe(50);
      expect(bar.props.maxValue).toBe(200);
      expect(bar.props.valueDescription).toBe('50 of 200 orders: 48 synced, 1 skipped, 1 failed, about 2 min left');
      expect(callsTo('POST', `${EVENT}/backfill`)[0]?.options).toEqual({ method: 'POST', timeout: 14000, body: {} });

      findByTestId(Button, 'backfill-cancel-democon').trigger('onClick');
      await waitFor(() => findByTestId(Button, 'backfill-start-democon'));
      expect(callsTo('DELETE', `${EVENT}/backfill`)).toHaveLength(1);
      expect(maybeFind(ProgressBar)).toBeNull();
    });
  });
});
