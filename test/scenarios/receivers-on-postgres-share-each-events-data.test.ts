// An event's data (the event, its settings, products, questions, check-in lists: five pretix requests) fetched by one
// receiver instance is taken by the others from PostgreSQL: an instance started later syncs the event's orders
// without asking pretix for it again. Two processes over HTTP against the fakes, the first killed once the second
// runs, so that the second is the one that syncs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, skipPostgres } from '../helpers/postgres-cluster';
import { startPostgresReceivers, type PostgresReceivers } from '../helpers/postgres-receivers';
import { EVENT, ORGANIZER, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

/** pretix requests for the event's data, as opposed to its orders. */
const EVENT_DATA = /\/events\/[^/]+\/(settings|items|questions|checkinlists)\/|\/events\/[^/]+\/$/;

describe.skipIf(skipPostgres)('receivers on one PostgreSQL share the event data they fetch', () => {
  let world: PostgresReceivers;

  beforeAll(async () => {
    world = await startPostgresReceivers({ databaseUrl: await createTestDatabase(), count: 1, env: { RECONCILE_INTERVAL: '0' } });
  }, 60_000);
  afterAll(() => world?.close());

  it('an instance started later syncs an order without fetching the event data again', async () => {
    const eventDataRequests = () => world.pretix.requests.filter((request) => request.organizer === ORGANIZER && EVENT_DATA.test(request.path)).length;
    const orderRequests = () => world.pretix.requests.filter((request) => request.kind === 'orderDetail' || request.kind === 'orderList').length;
    const [first, second] = world.pretix.generateOrders(ORGANIZER, EVENT, 2);

    await world.pretix.emit(ORGANIZER, EVENT, first!, 'pretix.event.order.placed');
    await waitFor(() => world.hubspot.objects(PORTAL_ID, 'deals').length === 1, 'the first order in HubSpot');
    const fetchedByFirst = eventDataRequests();
    // Saving the mappings and syncing fetched every kind of the event's data at least once.
    expect(fetchedByFirst).toBeGreaterThanOrEqual(5);

    await world.start(1);
    await world.kill(0);
    const ordersBefore = orderRequests();
    await world.pretix.emit(ORGANIZER, EVENT, second!, 'pretix.event.order.placed');
    await waitFor(() => world.hubspot.objects(PORTAL_ID, 'deals').length === 2, 'the second order in HubSpot, synced by the new instance');
    // The new instance asked pretix for the order, and for nothing of the event's data.
    expect(orderRequests()).toBeGreaterThan(ordersBefore);
    expect(eventDataRequests()).toBe(fetchedByFirst);
  });
});
