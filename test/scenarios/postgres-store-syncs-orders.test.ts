// The receiver on the PostgreSQL store (DATABASE_URL), driven over HTTP against the fakes: a webhook is
// acknowledged, a redelivery is a duplicate, the order reaches HubSpot once, and /healthz names the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobKey } from '../../receiver/store/types';
import { createTestDatabase, skipPostgres } from '../helpers/postgres-cluster';
import { exampleMappingsBody } from '../helpers/mappings';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

describe.skipIf(skipPostgres)('receiver on PostgreSQL', () => {
  let stack: Stack;
  let connectionId: string;

  beforeAll(async () => {
    stack = await startStack({ env: { DATABASE_URL: await createTestDatabase() } });
    connectionId = (await stack.connect()).id;
    await stack.admin.put(`/connections/${connectionId}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
  });
  afterAll(() => stack?.close());

  it('takes a webhook in, answers its redelivery as a duplicate, and syncs the order once', async () => {
    const placed = await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    expect((await stack.pretix.redeliver(placed.notificationId)).map((c) => c.status)).toEqual([200]);
    await waitFor(async () => (await stack.store.getSyncRecord(jobKey(connectionId, EVENT, 'Q7X3M')))?.status === 'synced', 'Q7X3M synced');
    await waitFor(async () => (await stack.store.listJobs()).length === 0, 'the job done');
    expect(stack.hubspot.objects(PORTAL_ID, 'deals')).toHaveLength(1);
    const record = await stack.store.getSyncRecord(jobKey(connectionId, EVENT, 'Q7X3M'));
    expect(await stack.store.findSyncRecordsByEmails(PORTAL_ID, record!.emails)).toHaveLength(1);
  });

  it('reports the PostgreSQL store on /healthz', async () => {
    const response = await fetch(`${stack.receiverUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', store: { kind: 'postgres', ok: true, reason: null } });
  });
});
