// The receiver on the PostgreSQL store (DATABASE_URL), driven over HTTP against the fakes: a webhook is
// acknowledged, a redelivery is a duplicate, the order reaches HubSpot once, and /healthz names the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../receiver/store/postgres/postgres-store';
import { jobKey, type Connection } from '../../receiver/store/types';
import { createTestDatabase, skipPostgres } from '../helpers/postgres-cluster';
import { exampleMappingsBody } from '../helpers/mappings';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

describe.skipIf(skipPostgres)('receiver on PostgreSQL', () => {
  let stack: Stack;
  let connectionId: string;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    stack = await startStack({ env: { DATABASE_URL: databaseUrl } });
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

  it('judges each order delivery on the event and connection as another instance left them, though it remembers its lookups', async () => {
    const connection = (await stack.store.getConnection(connectionId)) as Connection;
    const [webhook] = stack.pretix.webhooks(ORGANIZER);
    const other: PostgresStore = await openPostgresStore(databaseUrl, { instanceId: 'other-instance' });
    try {
      const post = (code: string, id: number) =>
        fetch(webhook!.target_url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ notification_id: id, organizer: ORGANIZER, event: EVENT, code, action: 'pretix.event.order.placed' }),
        });
      // Remembered: this delivery's lookup.
      expect(await (await post('RMB01', 880_001)).json()).toEqual({ status: 'queued' });
      // Another instance disables the event: the next delivery is ignored, and no job is made for it.
      const config = (await other.getEventConfig(connectionId, EVENT))!;
      await other.saveEventConfig({ ...config, enabled: false });
      expect(await (await post('RMB02', 880_002)).json()).toMatchObject({ status: 'ignored' });
      expect(await stack.store.getJob(jobKey(connectionId, EVENT, 'RMB02'))).toBeUndefined();
      await other.saveEventConfig(config);
      expect(await (await post('RMB03', 880_003)).json()).toEqual({ status: 'queued' });
      // Another instance replaces the webhook token: the old URL is unknown at once.
      await other.saveConnection({ ...connection, webhookTokenFingerprint: 'replaced-fingerprint' });
      const refused = await post('RMB04', 880_004);
      expect(refused.status).toBe(404);
      expect(await stack.store.getJob(jobKey(connectionId, EVENT, 'RMB04'))).toBeUndefined();
      await other.saveConnection(connection);
      expect(await (await post('RMB05', 880_005)).json()).toEqual({ status: 'queued' });
    } finally {
      await other.close();
    }
  });
});
