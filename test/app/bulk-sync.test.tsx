// The events table's bulk switch, rendered with @hubspot/ui-extensions/testing against a mocked receiver: it acts on
// exactly the events the filter matches, one request after the other, and every row shows its new state.
import { Button, Input, Toggle } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventSummary } from '../../src/app/shared/api-types';
import { Settings } from '../../src/app/settings/Settings';
import { json, mockReceiver, type Routes } from './receiver-mock';
import { change } from './rendered-text';
import * as fx from './settings-fixtures';

const EVENTS = '/api/v1/connections/conn-1/events';
const list: EventSummary[] = [
  fx.event({ slug: 'spring', name: 'Spring meetup' }),
  fx.event({ slug: 'summer', name: 'Summer meetup' }),
  fx.event({ slug: 'autumn', name: 'Autumn summit' }),
  fx.event({ slug: 'winter', name: 'Winter meetup' }),
  fx.event({ slug: 'gala', name: 'Gala meetup', enabled: true }),
];

const routes = (extra: Routes): Routes => ({
  'GET /api/v1/settings': json(fx.settings),
  [`GET ${EVENTS}`]: json({ events: list }),
  'GET /api/v1/sync-problems': json({ problems: [], health: fx.quietHealth() }),
  [`GET ${EVENTS.replace('/events', '/mapping-sets')}`]: json({ sets: [] }),
  ...extra,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('settings page: bulk sync switch', () => {
  it('turns sync on for the matching events that are off, shows every change, and says which one pretix refused', async () => {
    const enable = (slug: string) => () => json({ event: { ...list.find((e) => e.slug === slug)!, enabled: true } });
    const { calls } = mockReceiver(
      routes({
        [`PUT ${EVENTS}/spring`]: enable('spring'),
        [`PUT ${EVENTS}/summer`]: () => json({ error: 'pretix', message: 'pretix is unreachable' }, 502),
        [`PUT ${EVENTS}/autumn`]: enable('autumn'),
        [`PUT ${EVENTS}/winter`]: enable('winter'),
      }),
    );
    const renderer = createRenderer('settings');
    renderer.render(<Settings context={renderer.mocks.context} actions={renderer.mocks.actions} />);
    const { waitFor, findByTestId, mocks } = renderer;
    await waitFor(() => findByTestId(Button, 'bulk-sync-on'));
    expect(findByTestId(Button, 'bulk-sync-on').text).toBe('Turn sync on for 4 matching event(s)');
    // Only the meetups: the summit stays as it is.
    change(findByTestId(Input, 'event-filter-text'), 'meetup');
    await waitFor(() => expect(findByTestId(Button, 'bulk-sync-on').text).toBe('Turn sync on for 3 matching event(s)'));
    findByTestId(Button, 'bulk-sync-on').trigger('onClick');
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls).toHaveLength(1));
    expect(calls.filter((c) => c.method === 'PUT').map((c) => [c.path, (c.options as { body?: unknown } | undefined)?.body])).toEqual([
      [`${EVENTS}/spring`, { enabled: true }],
      [`${EVENTS}/summer`, { enabled: true }],
      [`${EVENTS}/winter`, { enabled: true }],
    ]);
    expect(mocks.actions.addAlert.calls[0]).toEqual([
      { type: 'danger', message: 'Sync is on for 2 more event(s); not for Summer meetup (pretix is unreachable).' },
    ]);
    await waitFor(() => expect(findByTestId(Toggle, 'enable-spring').props.checked).toBe(true));
    expect(findByTestId(Toggle, 'enable-summer').props.checked).toBe(false);
    // Both successes show, not only the last one.
    expect(findByTestId(Toggle, 'enable-winter').props.checked).toBe(true);
    expect(findByTestId(Toggle, 'enable-gala').props.checked).toBe(true);
  });
});
