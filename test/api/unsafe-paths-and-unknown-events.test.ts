// "." and ".." never become path steps of a pretix request, at any boundary: the pretix webhook body, the signed
// card/settings API, the admin API. Each answers 400 and sends nothing to pretix; an event pretix does not have is
// 404 unknown_event, not a gateway error; an unparsable Content-Type is 415 unsupported_media_type everywhere.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { adminTokenFor } from '../../receiver/app';
import { createSecretBox } from '../../receiver/store/secrets';
import { EVENT, ORGANIZER, SECRET_KEY } from '../helpers/stack';
import { CLIENT_SECRET, hubspotSignatureV3, queryString, startApiStack, type ApiStack } from './signed-client';

interface RawAnswer {
  status: number;
  body: ApiError & Record<string, unknown>;
}

/** Sends `path` byte for byte (fetch would resolve "..", which is the point of these tests). */
function raw(baseUrl: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as RawAnswer['body'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('unsafe path segments and unknown events', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  let adminToken: string;
  const pretixRequests = () => stack.pretix.requests.length;

  const signed = (method: string, path: string, body = '', contentType = 'application/json', query: Record<string, string> = {}) => {
    const pathAndQuery = `${path}${queryString(stack.env.HUBSPOT_PORTAL_ID ?? '4242', query)}`;
    const timestamp = String(Date.now());
    const signature = hubspotSignatureV3(CLIENT_SECRET, method, `${stack.api.publicUrl}${pathAndQuery}`, body, timestamp);
    return raw(stack.receiverUrl, method, pathAndQuery, {
      'X-HubSpot-Signature-v3': signature,
      'X-HubSpot-Request-Timestamp': timestamp,
      ...(body ? { 'content-type': contentType } : {}),
    }, body);
  };
  const admin = (method: string, path: string, body = '', contentType = 'application/json') =>
    raw(stack.receiverUrl, method, `/admin/v1${path}`, { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': contentType } : {}) }, body);

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    connection = await stack.connect();
    adminToken = adminTokenFor(createSecretBox(SECRET_KEY));
    await stack.admin.post(`/connections/${connection.id}/events/${EVENT}/enable`);
  });
  afterAll(() => stack.close());

  it('answers a webhook whose order code or event is "." or ".." with 400, queueing nothing and asking pretix nothing', async () => {
    const before = pretixRequests();
    const path = new URL(connection.webhookUrl).pathname;
    for (const [event, code] of [[EVENT, '..'], [EVENT, '.'], ['..', 'Q7X3M'], [EVENT, 'A/B'], [EVENT, '%2E%2E']]) {
      const body = JSON.stringify({ notification_id: 1, organizer: ORGANIZER, event, code, action: 'pretix.event.order.placed' });
      const answer = await raw(stack.receiverUrl, 'POST', path, { 'content-type': 'application/json' }, body);
      expect(answer.status, `${event}/${code}`).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
    }
    expect(await stack.store.queueCounts()).toMatchObject({ pending: 0, inFlight: 0 });
    expect(pretixRequests()).toBe(before);
  });

  it('answers signed card/settings requests with "..", "." or "%2E%2E" as the event with 400 and sends nothing to pretix', async () => {
    const before = pretixRequests();
    for (const event of ['..', '.', '%2E%2E', '%2e', '.%2E']) {
      const answer = await signed('GET', `/api/v1/connections/${connection.id}/events/${event}/source-fields`);
      expect(answer.status, event).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(answer.body.fieldErrors?.event).toMatch(/short form/);
    }
    const body = JSON.stringify({ connectionId: connection.id, event: EVENT, code: '..' });
    const sync = await signed('POST', '/api/v1/orders/sync', body);
    expect(sync.status).toBe(400);
    expect(sync.body.fieldErrors?.code).toMatch(/order code/);
    expect(pretixRequests()).toBe(before);
    expect((await stack.store.queueCounts()).pending).toBe(0);
  });

  it('refuses an admin sweep, backfill or order sync for event ".." with 400, saving nothing', async () => {
    const before = pretixRequests();
    for (const event of ['..', '%2E%2E', '.']) {
      const sweep = await admin('POST', `/connections/${connection.id}/events/${event}/sweep`, '{}');
      expect(sweep.status, event).toBe(400);
      expect(sweep.body.error).toBe('invalid_request');
      expect(sweep.body.fieldErrors?.event).toMatch(/short form/);
      const backfill = await admin('POST', `/connections/${connection.id}/events/${event}/backfill`, '{}');
      expect(backfill.status).toBe(400);
    }
    for (const organizer of ['..', '.']) {
      const add = await admin('POST', '/connections', JSON.stringify({ portalId: '4242', baseUrl: stack.pretix.url, organizer, apiToken: 'x'.repeat(40) }));
      expect(add.status, organizer).toBe(400);
      expect(add.body.fieldErrors?.organizer).toMatch(/cannot be "\." or "\.\."/);
    }
    const order = await admin('POST', `/connections/${connection.id}/events/${EVENT}/orders/%2E%2E/sync`, '{}');
    expect(order.status).toBe(400);
    expect(await stack.store.getSweep(connection.id, '..')).toBeUndefined();
    expect(await stack.store.getBackfill(connection.id, '..')).toBeUndefined();
    expect(await stack.store.getEventConfig(connection.id, '..')).toBeUndefined();
    expect(pretixRequests()).toBe(before);
  });

  it('answers 404 unknown_event for an event pretix does not have, on the settings API and the admin API', async () => {
    const fields = await signed('GET', `/api/v1/connections/${connection.id}/events/nosuchevent/source-fields`, '', 'application/json', { model: 'Order' });
    expect(fields.status).toBe(404);
    expect(fields.body).toMatchObject({ error: 'unknown_event' });
    expect(fields.body.message).toContain('no event "nosuchevent"');

    const enable = await admin('POST', `/connections/${connection.id}/events/nosuchevent/enable`, '{}');
    expect(enable.status).toBe(404);
    expect(enable.body.error).toBe('unknown_event');
  });

  it('answers an unparsable Content-Type with 415 unsupported_media_type on every API', async () => {
    const webhook = await raw(stack.receiverUrl, 'POST', new URL(connection.webhookUrl).pathname, { 'content-type': 'not a type;;' }, '{}');
    const api = await signed('POST', '/api/v1/sync-problems/retry', '{"key":"x"}', 'not a type;;');
    const adminApi = await admin('POST', `/connections/${connection.id}/events/${EVENT}/sweep`, '{}', 'not a type;;');
    for (const answer of [webhook, api, adminApi]) {
      expect(answer.status).toBe(415);
      expect(answer.body.error).toBe('unsupported_media_type');
    }
  });
});
