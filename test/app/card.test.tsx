import {
  Alert,
  Button,
  DescriptionListItem,
  EmptyState,
  ErrorState,
  Link,
  LoadingButton,
  LoadingSpinner,
  StatusTag,
  Table,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PretixOrdersCard } from '../../src/app/cards/PretixOrdersCard';
import type { CardOrder, ContactOrdersResponse } from '../../src/app/shared/api-types';
import { RECEIVER, json, mockReceiver, never } from './receiver-mock';
import { textOf } from './rendered-text';

const ORDERS_PATH = '/api/v1/contacts/123/orders';

function order(overrides: Partial<CardOrder> & Pick<CardOrder, 'code' | 'status' | 'statusLabel'>): CardOrder {
  return {
    connectionId: 'conn-1',
    event: { slug: 'democon', name: 'DemoCon 2026' },
    total: '46.00',
    currency: 'EUR',
    datetime: '2026-03-03T14:05:00Z',
    positions: [
      {
        id: 11,
        positionid: 1,
        product: 'Regular ticket',
        attendeeName: 'Ada Lovelace',
        attendeeEmail: 'ada@example.com',
        price: '23.00',
        canceled: false,
        answers: [{ question: 'T-shirt size', answer: 'M' }],
      },
      {
        id: 12,
        positionid: 2,
        product: 'Workshop',
        attendeeName: 'Charles Babbage',
        attendeeEmail: null,
        price: '23.00',
        canceled: true,
        answers: [],
      },
    ],
    pretixUrl: `https://pretix.example.com/control/event/acme/democon/orders/${overrides.code}/`,
    sync: {
      state: 'synced',
      syncedAt: '2026-03-03T14:06:00Z',
      error: null,
      failureLabel: null,
      objects: [
        {
          mappingId: '2',
          mappingLabel: 'Order → Deals by order code',
          objectType: 'deals',
          hubspotId: '987',
          url: 'https://app.hubspot.com/contacts/123/record/0-3/987',
        },
      ],
    },
    ...overrides,
  };
}

const connected = (orders: CardOrder[], extra: Partial<ContactOrdersResponse> = {}): ContactOrdersResponse => ({
  connected: true,
  orders,
  producedBy: ['Order → Contacts by email'],
  warnings: [],
  ...extra,
});

function renderCard() {
  const renderer = createRenderer('crm.record.tab');
  renderer.mocks.useCrmProperties.willCall(() => ({
    properties: { email: 'ada@example.com', hs_additional_emails: 'ada.l@example.org;ADA@example.com; ' },
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

describe('pretix orders card', () => {
  it('shows a spinner while the orders load', () => {
    mockReceiver({ [`GET ${ORDERS_PATH}`]: never });
    const { find } = renderCard();
    expect(find(LoadingSpinner).props.label).toBe('Loading pretix orders');
  });

  it('asks the receiver for this contact with portalId and all of its emails', async () => {
    const { spy } = mockReceiver({ [`GET ${ORDERS_PATH}`]: json(connected([])) });
    const { waitFor, find } = renderCard();
    await waitFor(() => expect(find(EmptyState).props.title).toBe('No pretix orders for this contact'));
    expect(spy).toHaveBeenCalledWith(
      `${RECEIVER}/api/v1/contacts/123/orders?portalId=123&email=ada%40example.com&email=ada.l%40example.org`,
      { method: 'GET', timeout: 14000 },
    );
  });

  it('shows the empty state when the contact has no orders', async () => {
    mockReceiver({ [`GET ${ORDERS_PATH}`]: json(connected([])) });
    const { waitFor, find, maybeFind } = renderCard();
    await waitFor(() => expect(find(EmptyState).props.title).toBe('No pretix orders for this contact'));
    expect(maybeFind(Table)).toBeNull();
  });

  it('says the receiver is unreachable when the request fails, and retries on demand', async () => {
    let attempts = 0;
    mockReceiver({
      [`GET ${ORDERS_PATH}`]: () => {
        attempts += 1;
        return attempts === 1 ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve(json(connected([])));
      },
    });
    const { waitFor, find, findByTestId } = renderCard();
    await waitFor(() => expect(find(ErrorState).props.title).toBe("Can't reach the pretix-hubspot service"));
    expect(textOf(find(ErrorState))).toContain('Try again in a moment');
    findByTestId(Button, 'orders-retry').trigger('onClick');
    await waitFor(() => expect(find(EmptyState).props.title).toBe('No pretix orders for this contact'));
  });

  it('shows the receiver’s message and a next step on a 500', async () => {
    mockReceiver({
      [`GET ${ORDERS_PATH}`]: json({ error: 'internal', message: 'pretix answered 503 for organizer acme' }, 500),
    });
    const { waitFor, find } = renderCard();
    await waitFor(() => expect(find(ErrorState).props.title).toBe('The pretix-hubspot service could not load the orders'));
    expect(textOf(find(ErrorState))).toContain('pretix answered 503 for organizer acme');
    expect(textOf(find(ErrorState))).toContain('check the service log');
  });

  it('unwraps HubSpot’s BAD_GATEWAY envelope to show the receiver’s own message', async () => {
    mockReceiver({
      [`GET ${ORDERS_PATH}`]: json(
        {
          status: 'error',
          category: 'BAD_GATEWAY',
          message: 'Error returned from Request Uri',
          responseBody: JSON.stringify({ error: 'bad_request', message: 'email is required' }),
          context: { appServerStatusCode: [400] },
        },
        502,
      ),
    });
    const { waitFor, find } = renderCard();
    await waitFor(() => expect(textOf(find(ErrorState))).toContain('email is required'));
  });

  it('explains how to connect pretix when the portal has no connection', async () => {
    mockReceiver({ [`GET ${ORDERS_PATH}`]: json({ connected: false, orders: [], producedBy: [], warnings: [] }) });
    const { waitFor, find, findByTestId } = renderCard();
    await waitFor(() => expect(find(EmptyState).props.title).toBe('pretix is not connected yet'));
    expect(textOf(find(EmptyState))).toContain('Connected apps → pretix for HubSpot → Settings');
    expect(findByTestId(Link, 'settings-link').props.href).toEqual({
      url: 'https://app.hubspot.com/connected-apps/123/installed',
      external: true,
    });
  });

  it('lists three orders with their status tags, sync states, links and the producing mappings', async () => {
    mockReceiver({
      [`GET ${ORDERS_PATH}`]: json(
        connected(
          [
            order({ code: 'PAID1', status: 'p', statusLabel: 'Paid' }),
            order({
              code: 'PEND2',
              status: 'n',
              statusLabel: 'Pending',
              sync: { state: 'pending', syncedAt: null, error: null, failureLabel: null, objects: [] },
            }),
            order({
              code: 'CANC3',
              status: 'c',
              statusLabel: 'Canceled',
              sync: {
                state: 'failed',
                syncedAt: null,
                error: 'Property "pretix_tier" does not exist',
                failureLabel: 'Misconfiguration, please check the mapping',
                objects: [],
              },
            }),
          ],
          { warnings: ['Organizer "other" could not be reached; its orders are missing.'] },
        ),
      ),
    });
    const { waitFor, findAll, findByTestId, find } = renderCard();
    await waitFor(() => expect(findAll(StatusTag, (n) => n.props.testId?.startsWith('status-') ?? false)).toHaveLength(3));

    expect(findByTestId(StatusTag, 'status-democon-PAID1').props.variant).toBe('success');
    expect(findByTestId(StatusTag, 'status-democon-PAID1').text).toBe('Paid');
    expect(findByTestId(StatusTag, 'status-democon-PEND2').props.variant).toBe('warning');
    expect(findByTestId(StatusTag, 'status-democon-CANC3').props.variant).toBe('danger');

    const paidRow = findByTestId(TableRow, 'order-democon-PAID1');
    expect(textOf(paidRow)).toContain('DemoCon 2026');
    expect(textOf(paidRow)).toContain('€46.00');
    expect(textOf(paidRow)).toContain('Mar 3, 2026');

    expect(findByTestId(StatusTag, 'sync-democon-PAID1').text).toBe('Synced');
    expect(findByTestId(StatusTag, 'sync-democon-PEND2').text).toBe('Sync pending');
    expect(findByTestId(StatusTag, 'sync-democon-CANC3').props.variant).toBe('danger');
    expect(findByTestId(Text, 'sync-democon-CANC3-reason').text).toBe(
      'Misconfiguration, please check the mapping: Property "pretix_tier" does not exist',
    );

    expect(findByTestId(Link, 'pretix-link-democon-PAID1').props.href).toEqual({
      url: 'https://pretix.example.com/control/event/acme/democon/orders/PAID1/',
      external: true,
    });
    const dealLink = findByTestId(Link, 'object-link-democon-PAID1-deals-987');
    expect(dealLink.text).toBe('HubSpot deal');
    expect(dealLink.props.href).toEqual({ url: 'https://app.hubspot.com/contacts/123/record/0-3/987', external: true });

    expect(textOf(find(Alert, { title: 'Some pretix orders may be missing' }))).toContain('Organizer "other" could not be reached');
    expect(find(Text, (n) => n.text?.startsWith('Written to this contact by') ?? false).text).toBe(
      'Written to this contact by: Order → Contacts by email.',
    );
  });

  it('counts only valid tickets', async () => {
    mockReceiver({ [`GET ${ORDERS_PATH}`]: json(connected([order({ code: 'PAID1', status: 'p', statusLabel: 'Paid' })])) });
    const { waitFor, findByTestId } = renderCard();
    await waitFor(() => findByTestId(TableRow, 'order-democon-PAID1'));
    const cells = findByTestId(TableRow, 'order-democon-PAID1').childNodes.map((cell) => textOf(cell));
    expect(cells[5]).toBe('1');
  });

  it('expands an order to show its positions and answers', async () => {
    mockReceiver({ [`GET ${ORDERS_PATH}`]: json(connected([order({ code: 'PAID1', status: 'p', statusLabel: 'Paid' })])) });
    const { waitFor, findByTestId, maybeFind, find } = renderCard();
    await waitFor(() => findByTestId(Button, 'toggle-democon-PAID1'));
    expect(maybeFind(TableRow, { testId: 'position-11' })).toBeNull();

    findByTestId(Button, 'toggle-democon-PAID1').trigger('onClick');

    await waitFor(() => expect(textOf(find(TableRow, { testId: 'position-11' }))).toContain('Regular ticket'));
    const first = find(TableRow, { testId: 'position-11' });
    expect(textOf(first)).toContain('Ada Lovelace');
    expect(textOf(first)).toContain('ada@example.com');
    expect(textOf(first)).toContain('€23.00');
    const second = find(TableRow, { testId: 'position-12' });
    expect(textOf(second)).toContain('Charles Babbage');
    expect(second.find(StatusTag).text).toBe('Canceled');
    const details = find(TableRow, { testId: 'order-details-row-democon-PAID1' });
    const answer = details.find(DescriptionListItem, { label: 'T-shirt size' });
    expect(textOf(answer)).toBe('M');
    expect(textOf(details)).toContain('Answers for ticket #1 (Regular ticket)');
    expect(textOf(details)).toContain('Order → Deals by order code (#987)');
    expect(findByTestId(Button, 'toggle-democon-PAID1').text).toBe('Hide details');
  });

  it('Sync now posts the order, shows a success alert and refreshes', async () => {
    const { callsTo } = mockReceiver({
      [`GET ${ORDERS_PATH}`]: json(connected([order({ code: 'PAID1', status: 'p', statusLabel: 'Paid' })])),
      'POST /api/v1/orders/sync': json({ status: 'queued', message: 'Order PAID1 is queued for sync.' }, 202),
    });
    const { waitFor, findByTestId, mocks } = renderCard();
    await waitFor(() => findByTestId(LoadingButton, 'sync-now-democon-PAID1'));

    findByTestId(LoadingButton, 'sync-now-democon-PAID1').trigger('onClick');

    await vi.waitFor(() => expect(mocks.actions.addAlert.callCount).toBe(1));
    const [post] = callsTo('POST', '/api/v1/orders/sync');
    expect(post?.url).toBe(`${RECEIVER}/api/v1/orders/sync?portalId=123`);
    expect(post?.options).toEqual({
      method: 'POST',
      timeout: 14000,
      body: { connectionId: 'conn-1', event: 'democon', code: 'PAID1' },
    });
    expect(mocks.actions.addAlert.calls[0]).toEqual([{ type: 'success', message: 'Order PAID1 is queued for sync.' }]);
    await vi.waitFor(() => expect(callsTo('GET', ORDERS_PATH)).toHaveLength(2));
  });

  it('Sync now failure shows a danger alert with the receiver’s reason', async () => {
    const { callsTo } = mockReceiver({
      [`GET ${ORDERS_PATH}`]: json(connected([order({ code: 'PAID1', status: 'p', statusLabel: 'Paid' })])),
      'POST /api/v1/orders/sync': json({ error: 'not_found', message: 'The event is not enabled for sync.' }, 409),
    });
    const { waitFor, findByTestId, mocks } = renderCard();
    await waitFor(() => findByTestId(LoadingButton, 'sync-now-democon-PAID1'));

    findByTestId(LoadingButton, 'sync-now-democon-PAID1').trigger('onClick');

    await vi.waitFor(() => expect(mocks.actions.addAlert.callCount).toBe(1));
    expect(mocks.actions.addAlert.calls[0]).toEqual([
      { type: 'danger', message: 'Order PAID1 could not be synced: The event is not enabled for sync.' },
    ]);
    expect(callsTo('GET', ORDERS_PATH)).toHaveLength(1);
  });
});
