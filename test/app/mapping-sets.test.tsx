// The settings page's mapping-set section, rendered with @hubspot/ui-extensions/testing against a mocked receiver:
// the sets with their events, copying an event's mappings into a set, and picking the set an event syncs with.
import { Button, Input, Select, Text } from '@hubspot/ui-extensions';
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
});
