// The settings page's "Marketing event in HubSpot" switch per event, rendered with @hubspot/ui-extensions/testing
// against a mocked receiver: it sends the switch, shows the new state, and says why it is unavailable.
import { Alert, Text, Toggle } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventSummary, SetMarketingEventResponse } from '../../src/app/shared/api-types';
import { Settings } from '../../src/app/settings/Settings';
import { json, mockReceiver, type Routes } from './receiver-mock';
import { change } from './rendered-text';
import * as fx from './settings-fixtures';

const EVENTS = '/api/v1/connections/conn-1/events';
const REASON = 'The HubSpot app was installed without the optional scopes crm.objects.marketing_events.write: reinstall it.';
const off = { enabled: false, countPending: true, countApprovalPending: false, marketingEvents: 0, problem: null };
const list: EventSummary[] = [fx.event({ slug: 'gala', name: 'Gala', enabled: true, marketingEvent: off }), fx.event({ slug: 'spring', name: 'Spring', marketingEvent: off })];

const routes = (extra: Routes, available = true): Routes => ({
  'GET /api/v1/settings': json({ ...fx.settings, marketingEvents: available ? { available: true, reason: null } : { available: false, reason: REASON } }),
  [`GET ${EVENTS}`]: json({ events: list }),
  'GET /api/v1/sync-problems': json({ problems: [], health: fx.quietHealth() }),
  [`GET ${EVENTS.replace('/events', '/mapping-sets')}`]: json({ sets: [] }),
  ...extra,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('settings page: marketing event switch', () => {
  it('turns the marketing event on for an enabled event; the switch of an event that does not sync is read-only', async () => {
    const answer: SetMarketingEventResponse = { marketingEvent: { ...off, enabled: true, marketingEvents: 1 }, availability: { available: true, reason: null } };
    const { calls } = mockReceiver(routes({ [`PUT ${EVENTS}/gala/marketing-event`]: json(answer) }));
    const renderer = createRenderer('settings');
    renderer.render(<Settings context={renderer.mocks.context} actions={renderer.mocks.actions} />);
    const { waitFor, findByTestId, mocks, maybeFind } = renderer;
    await waitFor(() => findByTestId(Toggle, 'marketing-event-gala'));
    expect(findByTestId(Toggle, 'marketing-event-spring').props.readOnly).toBe(true);
    expect(maybeFind(Alert, { testId: 'marketing-events-unavailable' })).toBeNull();
    change(findByTestId(Toggle, 'marketing-event-gala'), true);
    await waitFor(() => expect(findByTestId(Toggle, 'marketing-event-gala').props.checked).toBe(true));
    expect(calls.filter((c) => c.method === 'PUT').map((c) => (c.options as { body?: unknown }).body)).toEqual([{ enabled: true }]);
    expect(mocks.actions.addAlert.calls[0]).toEqual([{ type: 'success', message: 'Marketing event in HubSpot is on for Gala.' }]);
  });

  it('says why marketing events are unavailable, and shows the reason on the event', async () => {
    const answer: SetMarketingEventResponse = { marketingEvent: { ...off, enabled: true, problem: REASON }, availability: { available: false, reason: REASON } };
    mockReceiver(routes({ [`PUT ${EVENTS}/gala/marketing-event`]: json(answer) }, false));
    const renderer = createRenderer('settings');
    renderer.render(<Settings context={renderer.mocks.context} actions={renderer.mocks.actions} />);
    const { waitFor, findByTestId } = renderer;
    await waitFor(() => findByTestId(Alert, 'marketing-events-unavailable'));
    await waitFor(() => findByTestId(Toggle, 'marketing-event-gala'));
    change(findByTestId(Toggle, 'marketing-event-gala'), true);
    await waitFor(() => expect(findByTestId(Text, 'marketing-event-problem-gala').text).toBe(REASON));
  });
});
