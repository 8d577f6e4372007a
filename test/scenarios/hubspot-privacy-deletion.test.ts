// A HubSpot user permanently deletes a contact for a privacy request; HubSpot tells the app (contact.privacyDeletion,
// signed with the app's client secret). Every trace of that person leaves the receiver's sync records, on disk too,
// while other people's records stay; unsigned or malformed deliveries change nothing.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { jobKey } from '../../receiver/store/types';
import { CLIENT_SECRET, hubspotSignatureV3, startApiStack, type ApiStack } from '../api/signed-client';
import { dataSnapshot } from '../helpers/data-snapshot';
import { EVENT, PORTAL_ID } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { exampleMappingsBody } from '../helpers/mappings';

const JOHN = 'john.smith@example.org';
const JANE = 'jane.doe@example.com';
const MAX = 'max.mustermann@example.net';

interface Delivery {
  events: unknown;
  /** Defaults to a v3 signature with the app's secret. */
  headers?: (body: string, uri: string) => Record<string, string>;
}

describe('HubSpot privacy deletion of a contact', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const recordsFile = () => stack.dataFile.replace(/(\.json)?$/, '.records.jsonl');
  const contactId = (email: string) => stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', email)!.id;
  const signedV3 = (secret: string) => (body: string, uri: string) => {
    const timestamp = String(Date.now());
    return { 'X-HubSpot-Signature-v3': hubspotSignatureV3(secret, 'POST', uri, body, timestamp), 'X-HubSpot-Request-Timestamp': timestamp };
  };
  const deliver = async ({ events, headers = signedV3(CLIENT_SECRET) }: Delivery) => {
    const body = typeof events === 'string' ? events : JSON.stringify(events);
    const response = await fetch(`${stack.receiverUrl}/hubspot/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers(body, `${stack.api.publicUrl}/hubspot/webhooks`) },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const privacyDeletion = (objectId: string, portalId: string | number = Number(PORTAL_ID)) => ({
    eventId: 4711,
    subscriptionId: 1,
    portalId,
    appId: 99,
    occurredAt: Date.now(),
    subscriptionType: 'contact.privacyDeletion',
    attemptNumber: 0,
    objectId: Number(objectId),
    changeSource: 'GDPR',
  });

  beforeAll(async () => {
    stack = await startApiStack();
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    for (const code of ['Q7X3M', 'R2D9K']) {
      await stack.api.send('POST', '/api/v1/orders/sync', { connectionId: connection.id, event: EVENT, code });
      await waitFor(async () => (await stack.store.getSyncRecord(jobKey(connection.id, EVENT, code)))?.status === 'synced', `${code} synced`);
    }
    await stack.store.flush();
  });
  afterAll(() => stack.close());

  it('refuses unsigned, wrongly signed and malformed deliveries, changing nothing', async () => {
    const before = await dataSnapshot(stack);
    const recordsBefore = await readFile(recordsFile(), 'utf8');
    const john = contactId(JOHN);

    const unsigned = await deliver({ events: [privacyDeletion(john)], headers: () => ({}) });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error).toBe('signature_missing');
    const otherApp = await deliver({ events: [privacyDeletion(john)], headers: signedV3('another-apps-secret') });
    expect(otherApp.status).toBe(401);
    expect(otherApp.body.error).toBe('signature_mismatch');
    const stale = await deliver({
      events: [privacyDeletion(john)],
      headers: (body, uri) => {
        const timestamp = String(Date.now() - 10 * 60_000);
        return { 'X-HubSpot-Signature-v3': hubspotSignatureV3(CLIENT_SECRET, 'POST', uri, body, timestamp), 'X-HubSpot-Request-Timestamp': timestamp };
      },
    });
    expect(stale.status).toBe(401);
    expect(stale.body.error).toBe('signature_expired');

    const notJson = await deliver({ events: '[{"subscriptionType": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toBe('invalid_json');
    const noObject = await deliver({ events: [{ ...privacyDeletion(john), objectId: undefined }] });
    expect(noObject.status).toBe(400);
    expect(noObject.body.message).toMatch(/no objectId/);
    const notAnArray = await deliver({ events: { subscriptionType: 'contact.privacyDeletion' } });
    expect(notAnArray.status).toBe(400);

    expect(await dataSnapshot(stack)).toEqual(before);
    expect(await readFile(recordsFile(), 'utf8')).toBe(recordsBefore);
  });

  it('ignores other event types and other portals', async () => {
    const recordsBefore = await readFile(recordsFile(), 'utf8');
    const john = contactId(JOHN);
    const other = await deliver({ events: [{ ...privacyDeletion(john), subscriptionType: 'contact.deletion' }, privacyDeletion(john, 999)] });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ received: 2, privacyDeletions: 1, recordsDeleted: 0, recordsRedacted: 0 });
    expect(await readFile(recordsFile(), 'utf8')).toBe(recordsBefore);
  });

  it("removes an attendee from a shared order's record and deletes a record about one person, on disk too", async () => {
    const [john, max, jane] = [contactId(JOHN), contactId(MAX), contactId(JANE)];
    const shared = jobKey(connection.id, EVENT, 'Q7X3M');
    expect((await stack.store.getSyncRecord(shared))!.emails).toContain(JOHN);
    // A later sync of the shared order failed with a message that quotes John's email, as HubSpot's validation does.
    const refusal = `HubSpot refused email ${JOHN.toUpperCase()} (INVALID_EMAIL)`;
    await stack.store.enqueueFailed(
      [{ trigger: { portalId: PORTAL_ID, connectionId: connection.id, event: EVENT, code: 'Q7X3M', action: 'manual' }, failure: { failureClass: 'permanent', message: refusal, nextAttemptAt: null } }],
      Date.now(),
    );
    expect(await readFile(stack.dataFile, 'utf8')).toContain(JOHN.toUpperCase());
    expect((await stack.store.getSyncRecord(shared))!.objects.every((o) => typeof o.fingerprint === 'string')).toBe(true);

    // John was an attendee of Jane's order; Max bought R2D9K alone. A legacy v1 signature (CRM-object webhooks) counts.
    const answer = await deliver({
      events: [privacyDeletion(john), privacyDeletion(max)],
      headers: (body) => ({
        'X-HubSpot-Signature': createHash('sha256').update(`${CLIENT_SECRET}${body}`, 'utf8').digest('hex'),
        'X-HubSpot-Signature-Version': 'v1',
      }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ received: 2, privacyDeletions: 2, recordsDeleted: 1, recordsRedacted: 1 });

    expect(await stack.store.getSyncRecord(jobKey(connection.id, EVENT, 'R2D9K'))).toBeUndefined();
    const redacted = (await stack.store.getSyncRecord(shared))!;
    expect(redacted.emails).toEqual([JANE]);
    expect(redacted.objects.some((o) => o.hubspotId === john)).toBe(false);
    expect(redacted.objects.some((o) => o.hubspotId === jane)).toBe(true);
    expect(redacted.objects.some((o) => o.objectType === 'deals')).toBe(true);
    expect(redacted.associations.some((pair) => pair.includes(`contacts:${john}`))).toBe(false);
    // The fingerprints digested planned values, which may have held John: gone, and the next sync writes again.
    expect(redacted.objects.every((o) => o.fingerprint === undefined)).toBe(true);
    expect(await stack.store.findSyncRecordsByEmails(PORTAL_ID, [JOHN, MAX])).toEqual([]);
    expect((await stack.store.findSyncRecordsByEmails(PORTAL_ID, [JANE])).map((r) => r.key)).toEqual([shared]);

    // Not just superseded: the files hold no trace of either person.
    const onDisk = await readFile(recordsFile(), 'utf8');
    for (const trace of [JOHN, MAX, `"${john}"`, `"${max}"`]) expect(onDisk).not.toContain(trace);
    expect(onDisk).toContain(JANE);
    expect((await stack.store.getJob(shared))?.lastError).toBe('HubSpot refused email [deleted] (INVALID_EMAIL)');
    await stack.store.flush();
    expect((await readFile(stack.dataFile, 'utf8')).toLowerCase()).not.toContain(JOHN);

    // Delivered again (HubSpot retries): nothing left to do.
    const again = await deliver({ events: [privacyDeletion(john), privacyDeletion(max)] });
    expect(again.body).toEqual({ received: 2, privacyDeletions: 2, recordsDeleted: 0, recordsRedacted: 0 });
  });
});
