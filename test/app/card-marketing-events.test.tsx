import { Alert, Link, StatusTag } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PretixOrdersCard } from '../../src/app/cards/PretixOrdersCard';
import type { CardMarketingEvent, ContactOrdersResponse } from '../../src/app/shared/api-types';
import { json, mockReceiver } from './receiver-mock';
import { textOf } from './rendered-text';

const ORDERS_PATH = '/api/v1/contacts/123/orders';

const participation = (state: CardMarketingEvent['state'], externalEventId: string, hubspotUrl: string | null): CardMarketingEvent => ({
  connectionId: 'conn-1',
  event: 'democon',
  externalEventId,
  name: `DemoCon ${externalEventId}`,
  state,
  at: '2026-06-01T09:15:00Z',
  hubspotUrl,
});

function renderCard() {
  const renderer = createRenderer('crm.record.tab');
  renderer.mocks.useCrmProperties.willCall(() => ({
    properties: { email: 'ada@example.com', hs_additional_emails: '' },
    error: null,
    isLoading: false,
    isRefetching: false,
    refetch: async () => undefined,
  }));
  renderer.render(<PretixOrdersCard context={renderer.mocks.context} actions={renderer.mocks.actions} />);
  return renderer;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('pretix orders card: marketing events', () => {
  it('lists each event with its participation state, linked to the marketing event in HubSpot, and explains a reverted check-in', async () => {
    const response: ContactOrdersResponse = {
      connected: true,
      orders: [],
      producedBy: [],
      warnings: [],
      marketingEvents: [
        participation('attended', 'acme:democon', 'https://app.hubspot.com/contacts/123/record/0-54/6001'),
        participation('reverted', 'acme:democon:11', null),
        participation('cancelled', 'acme:democon:12', null),
      ],
      marketingEventNotices: [],
    };
    mockReceiver({ [`GET ${ORDERS_PATH}`]: json(response) });
    const { waitFor, findAll, findByTestId } = renderCard();
    await waitFor(() => expect(findByTestId(StatusTag, 'participation-acme:democon').text).toBe('Attended'));
    expect(findByTestId(StatusTag, 'participation-acme:democon:11').text).toBe('Check-in reverted');
    expect(findByTestId(StatusTag, 'participation-acme:democon:12').text).toBe('Cancelled');
    expect(findAll(Link).map((l) => l.props.href)).toContain('https://app.hubspot.com/contacts/123/record/0-54/6001');
  });

  it('says why the marketing event is missing', async () => {
    const reason = 'The HubSpot app was installed without the optional scopes crm.objects.marketing_events.write';
    mockReceiver({
      [`GET ${ORDERS_PATH}`]: json({ connected: true, orders: [], producedBy: [], warnings: [], marketingEvents: [], marketingEventNotices: [reason] } satisfies ContactOrdersResponse),
    });
    const { waitFor, findByTestId } = renderCard();
    await waitFor(() => expect(textOf(findByTestId(Alert, 'marketing-event-notice'))).toContain(reason));
  });
});
