// The settings page's mapping-set section, rendered with @hubspot/ui-extensions/testing against a mocked receiver:
// the sets with their events, copying an event's mappings into a set, and picking the set an event syncs with.
import { Button, Input, Select, Text, Toggle } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MappingSetDto } from '../../src/app/shared/api-types';
import { Settings } from '../../src/app/settings/Settings';
import { json, mockReceiver, type Routes } from './receiver-mock';
import { change, textOf } from './rendered-text';
import * as fx from './settings-fixtures';

const BASE = '/api/v1/connections/conn-1';
const SETS = `${BASE}/mapping-sets`;

const standard = (events: string[]): MappingSetDto => ({ id: 'standard', name: 'Standard', mappings: fx.mappings.mappings, events, updatedAt: '2026-01-01T00:00:00Z' });

const routes = (extra: Routes = {}): Routes => ({
  'GET /api/v1/settings': json(fx.settings),
  [`GET ${BASE}/events`]: json({ events: [fx.event(), fx.event({ slug: 'other', name: 'Other' })] }),
  'GET /api/v1/sync-problems': json({ problems: [], health: fx.quietHealth() }),
  [`GET ${BASE}/events/democon/backfill`]: json(fx.backfill()),
  [`GET ${BASE}/events/democon/source-fields`]: json(fx.orderFields),
  'GET /api/v1/hubspot/properties/contacts': json(fx.contactProperties),
  'GET /api/v1/hubspot/properties/deals': json(fx.dealProperties),
  ...extra,
});

function renderSettings() {
  const renderer = createRenderer('settings');
  renderer.render(<Settings context={renderer.mocks.context} actions={renderer.mocks.actions} />);
  return renderer;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('settings page: mapping sets', () => {
  it("copies the chosen event's mappings into a new set and lists it with its events", async () => {
    let sets: MappingSetDto[] = [];
    const { callsTo } = mockReceiver(
      routes({
        [`GET ${SETS}`]: () => json({ sets }),
        [`POST ${SETS}/standard/copy-from/democon`]: () => {
          sets = [standard([])];
          return json({ set: sets[0], warnings: {}, resync: { changedMappingIds: [], started: [], notStarted: [] } });
        },
      }),
    );
    const { waitFor, findByTestId, maybeFind, mocks } = renderSettings();
    await waitFor(() => findByTestId(Button, 'mapping-set-copy'));
    expect(findByTestId(Button, 'mapping-set-copy').props.disabled).toBe(true);
    change(findByTestId(Input, 'mapping-set-new-id'), 'standard');
    findByTestId(Button, 'mapping-set-copy').trigger('onClick');
    await waitFor(() => expect(maybeFind(Text, { testId: 'mapping-set-standard' })).not.toBeNull());
    expect(callsTo('POST', `${SETS}/standard/copy-from/democon`)[0]?.options).toEqual({ method: 'POST', timeout: 14000, body: {} });
    expect(textOf(findByTestId(Text, 'mapping-set-standard'))).toBe(`Standard (standard): ${fx.mappings.mappings.length} mapping(s), used by no event`);
    expect(mocks.actions.addAlert.calls[0]?.[0]).toMatchObject({ type: 'success' });
  });

  it('assigns a set to another event and reloads the events, or alerts with the reason when it does not fit', async () => {
    let fits = true;
    const { callsTo } = mockReceiver(
      routes({
        [`GET ${SETS}`]: json({ sets: [standard(['democon'])] }),
        [`PUT ${BASE}/events/other/mapping-set`]: () =>
          fits
            ? json({ event: 'other', mappingSetId: 'standard', changedMappingIds: ['1'] })
            : json({ error: 'invalid_mappings', message: 'The mapping set was not saved: it does not fit event other.' }, 400),
      }),
    );
    const { waitFor, findByTestId, mocks } = renderSettings();
    await waitFor(() => expect(findByTestId(Select, 'mapping-set-choice').props.options).toHaveLength(2));
    change(findByTestId(Select, 'mapping-set-event'), 'other');
    change(findByTestId(Select, 'mapping-set-choice'), 'standard');
    await waitFor(() => expect(findByTestId(Button, 'mapping-set-assign').props.disabled).toBe(false));
    findByTestId(Button, 'mapping-set-assign').trigger('onClick');
    await waitFor(() => expect(callsTo('PUT', `${BASE}/events/other/mapping-set`)).toHaveLength(1));
    await waitFor(() => expect(callsTo('GET', `${BASE}/events`)).toHaveLength(2));
    expect(callsTo('PUT', `${BASE}/events/other/mapping-set`)[0]?.options).toEqual({ method: 'PUT', timeout: 14000, body: { set: 'standard' } });
    expect(mocks.actions.addAlert.calls.at(-1)).toEqual([{ type: 'success', message: 'Other now syncs with mapping set standard.' }]);

    fits = false;
    findByTestId(Button, 'mapping-set-assign').trigger('onClick');
    // The refusal changes nothing on screen but the alert, so wait on the alert itself.
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.at(-1)?.[0]).toMatchObject({ type: 'danger' }));
    expect(mocks.actions.addAlert.calls.at(-1)?.[0]?.message).toContain('does not fit event other');
  });

  it("edits a set's rows and saves them to the set, with the refusal's rows marked when it does not fit an event", async () => {
    let refuse = false;
    const { callsTo } = mockReceiver(
      routes({
        [`GET ${SETS}`]: json({ sets: [standard(['democon', 'other'])] }),
        [`PUT ${SETS}/standard`]: (call) =>
          refuse
            ? json(
                {
                  error: 'invalid_mappings',
                  message: 'The mapping set was not saved: it does not fit event other (1 field(s) need attention).',
                  fieldErrors: { 'events.other.mappings.0.property_mappings.0.external_field': 'other: no such HubSpot property' },
                },
                400,
              )
            : json({
                set: { ...standard(['democon', 'other']), mappings: (call.body as { mappings: MappingSetDto['mappings'] }).mappings },
                warnings: {},
                resync: { changedMappingIds: ['1'], started: ['democon', 'other'], notStarted: [] },
              }),
      }),
    );
    const { waitFor, find, findByTestId, maybeFind, mocks } = renderSettings();
    await waitFor(() => findByTestId(Button, 'mapping-set-edit-standard'));
    findByTestId(Button, 'mapping-set-edit-standard').trigger('onClick');
    await waitFor(() => find(Select, { testId: 'mappings.0.property_mappings.0.overwrite' }));
    change(find(Select, { testId: 'mappings.0.property_mappings.0.overwrite' }), 'if_empty');
    findByTestId(Button, 'save-mappings').trigger('onClick');
    await waitFor(() => expect(callsTo('PUT', `${SETS}/standard`)).toHaveLength(1));
    const sent = (callsTo('PUT', `${SETS}/standard`)[0]!.options as { body: { mappings: MappingSetDto['mappings'] } }).body;
    expect(sent.mappings[0]!.property_mappings[0]!.overwrite).toBe('if_empty');
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.some(([alert]) => alert.message === 'Saved 2 object mapping(s) for mapping set standard.')).toBe(true));
    expect(mocks.actions.addAlert.calls.some(([alert]) => alert.type === 'info' && alert.message.includes('2 event(s) using Standard'))).toBe(true);

    refuse = true;
    change(find(Select, { testId: 'mappings.0.property_mappings.0.overwrite' }), 'overwrite');
    findByTestId(Button, 'save-mappings').trigger('onClick');
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.at(-1)?.[0]).toMatchObject({ type: 'danger' }));
    expect(mocks.actions.addAlert.calls.at(-1)?.[0]?.message).toContain('does not fit event other');
    // The row the event lacks is marked, by the event's name.
    await waitFor(() => expect(find(Select, { testId: 'mappings.0.property_mappings.0.external_field' }).props.validationMessage).toContain('other: no such HubSpot property'));
    expect(maybeFind(Text, { testId: 'mapping-set-standard' })).not.toBeNull();
  });

  it('deletes a set nobody uses, and shows the reason when events still use it', async () => {
    let sets: MappingSetDto[] = [standard(['democon'])];
    const { callsTo } = mockReceiver(
      routes({
        [`GET ${SETS}`]: () => json({ sets }),
        [`DELETE ${SETS}/standard`]: () => {
          if (sets[0]!.events.length > 0) {
            return json({ error: 'mapping_set_in_use', message: 'Mapping set "standard" was not deleted: 1 event(s) sync with it (democon).' }, 409);
          }
          sets = [];
          return json({ deleted: 'standard' });
        },
      }),
    );
    const { waitFor, findByTestId, maybeFind, mocks } = renderSettings();
    await waitFor(() => findByTestId(Button, 'mapping-set-delete-standard'));
    findByTestId(Button, 'mapping-set-delete-standard').trigger('onClick');
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.at(-1)?.[0]).toMatchObject({ type: 'danger' }));
    expect(mocks.actions.addAlert.calls.at(-1)?.[0]?.message).toContain('1 event(s) sync with it (democon)');
    expect(maybeFind(Text, { testId: 'mapping-set-standard' })).not.toBeNull();

    sets = [standard([])];
    findByTestId(Button, 'mapping-set-delete-standard').trigger('onClick');
    await waitFor(() => expect(maybeFind(Text, { testId: 'mapping-set-standard' })).toBeNull());
    expect(callsTo('DELETE', `${SETS}/standard`)).toHaveLength(2);
    expect(mocks.actions.addAlert.calls.at(-1)).toEqual([{ type: 'success', message: 'Mapping set Standard was deleted.' }]);
  });
});

describe('settings page: sync every event', () => {
  it('turns it on with the chosen set, says what happened, and reloads the connection and the events, which mark automatic ones', async () => {
    let on = false;
    const connection = () => ({ ...fx.settings.connections[0]!, syncAllEvents: on, defaultMappingSetId: on ? 'standard' : null });
    const { callsTo } = mockReceiver(
      routes({
        'GET /api/v1/settings': () => json({ ...fx.settings, connections: [connection()] }),
        [`GET ${BASE}/events`]: () => json({ events: [fx.event({ enabled: on, autoEnabled: on }), fx.event({ slug: 'other', name: 'Other' })] }),
        [`GET ${SETS}`]: json({ sets: [standard([])] }),
        [`PUT ${BASE}/all-events`]: () => {
          on = true;
          return json({ connection: connection(), adopted: ['democon'], stillEnabled: [], leftDisabled: ['other'], message: 'Every event of organizer "acme" syncs now. 1 event(s) were enabled.' });
        },
      }),
    );
    const { waitFor, findByTestId, maybeFind, mocks } = renderSettings();
    await waitFor(() => expect(findByTestId(Select, 'all-events-set').props.options).toHaveLength(2));
    change(findByTestId(Select, 'all-events-set'), 'standard');
    expect(callsTo('PUT', `${BASE}/all-events`)).toHaveLength(0);
    change(findByTestId(Toggle, 'all-events-toggle'), true);
    await waitFor(() => expect(callsTo('PUT', `${BASE}/all-events`)).toHaveLength(1));
    expect((callsTo('PUT', `${BASE}/all-events`)[0]?.options as { body?: unknown } | undefined)?.body).toEqual({ enabled: true, defaultMappingSetId: 'standard' });
    await waitFor(() => expect(findByTestId(Toggle, 'all-events-toggle').props.checked).toBe(true));
    await waitFor(() => expect(maybeFind(Text, { testId: 'auto-enabled-democon' })).not.toBeNull());
    expect(maybeFind(Text, { testId: 'auto-enabled-other' })).toBeNull();
    expect(mocks.actions.addAlert.calls.at(-1)).toEqual([{ type: 'success', message: 'Every event of organizer "acme" syncs now. 1 event(s) were enabled.' }]);
  });
});
