// Only requests HubSpot signed with the app's client secret reach the card/settings API: every way a signature can
// be missing, stale, early, tampered with or made with another secret answers 401 with a reason, and the portal
// must come from the signed query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, SettingsResponse } from '../../src/app/shared/api-types';
import { PORTAL_ID } from '../helpers/stack';
import { hubspotSignatureV3, startApiStack, type ApiStack } from './signed-client';

const SETTINGS = '/api/v1/settings';

describe('signed requests: rejections', () => {
  let stack: ApiStack;
  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
  });
  afterAll(() => stack.close());

  const expectRejected = async (answer: Promise<{ status: number; body: unknown }>, status: number, error: string) => {
    const { status: got, body } = await answer;
    expect(got).toBe(status);
    expect((body as ApiError).error).toBe(error);
    expect((body as ApiError).message.length).toBeGreaterThan(10);
  };

  it('accepts a correctly signed request', async () => {
    const answer = await stack.api.get<SettingsResponse>(SETTINGS);
    expect(answer.status).toBe(200);
    expect(answer.body.portalId).toBe(PORTAL_ID);
  });

  it('rejects a request without signature or timestamp', async () => {
    await expectRejected(stack.api.request({ path: SETTINGS, omit: ['signature'] }), 401, 'signature_missing');
    await expectRejected(stack.api.request({ path: SETTINGS, omit: ['timestamp'] }), 401, 'signature_missing');
    await expectRejected(stack.api.request({ path: SETTINGS, omit: ['signature', 'timestamp'] }), 401, 'signature_missing');
  });

  it('rejects a timestamp older than five minutes, even when the signature covers it', async () => {
    await expectRejected(stack.api.request({ path: SETTINGS, timestamp: Date.now() - 5 * 60_000 - 5_000 }), 401, 'signature_expired');
    // Just inside the window is fine.
    expect((await stack.api.request({ path: SETTINGS, timestamp: Date.now() - 4 * 60_000 })).status).toBe(200);
  });

  it('rejects a timestamp from the future beyond a small skew', async () => {
    await expectRejected(stack.api.request({ path: SETTINGS, timestamp: Date.now() + 2 * 60_000 }), 401, 'signature_timestamp_in_future');
    expect((await stack.api.request({ path: SETTINGS, timestamp: Date.now() + 5_000 })).status).toBe(200);
  });

  it('rejects a timestamp in seconds or not a number', async () => {
    await expectRejected(stack.api.request({ path: SETTINGS, timestamp: Math.floor(Date.now() / 1000) }), 401, 'signature_expired');
    await expectRejected(stack.api.request({ path: SETTINGS, headers: { 'X-HubSpot-Request-Timestamp': 'soon' }, omit: ['timestamp'] }), 401, 'signature_timestamp_invalid');
  });

  it('rejects a tampered signature', async () => {
    const good = await stack.api.request({ path: SETTINGS });
    expect(good.status).toBe(200);
    await expectRejected(stack.api.request({ path: SETTINGS, signature: 'AAAA' + 'x'.repeat(40) }), 401, 'signature_mismatch');
  });

  it('rejects a signature over another method, URI, body or timestamp', async () => {
    await expectRejected(stack.api.request({ path: SETTINGS, sign: { method: 'POST' } }), 401, 'signature_mismatch');
    await expectRejected(stack.api.request({ path: SETTINGS, sign: { uri: `${stack.api.publicUrl}/api/v1/settings?portalId=999` } }), 401, 'signature_mismatch');
    await expectRejected(
      stack.api.request({ method: 'POST', path: '/api/v1/sync-problems/retry', body: { key: 'a' }, sign: { body: '{"key":"b"}' } }),
      401,
      'signature_mismatch',
    );
    await expectRejected(stack.api.request({ path: SETTINGS, sign: { timestamp: String(Date.now() - 1000) } }), 401, 'signature_mismatch');
  });

  it("rejects a signature made with another app's secret", async () => {
    await expectRejected(stack.api.request({ path: SETTINGS, secret: 'some-other-app-secret' }), 401, 'signature_mismatch');
  });

  it('verifies the raw body byte for byte (whitespace and key order count)', async () => {
    const raw = '{ "key" : "x:y:z" }';
    const answer = await stack.api.request({ method: 'POST', path: '/api/v1/sync-problems/retry', body: raw });
    expect(answer.status).toBe(404); // signed and parsed; the job just does not exist
    await expectRejected(
      stack.api.request({ method: 'POST', path: '/api/v1/sync-problems/retry', body: raw, sign: { body: '{"key":"x:y:z"}' } }),
      401,
      'signature_mismatch',
    );
  });

  it('builds the URI from PUBLIC_URL, never from Host or X-Forwarded headers', async () => {
    const pathAndQuery = `${SETTINGS}?portalId=${PORTAL_ID}`;
    const timestamp = String(Date.now());
    const forged = hubspotSignatureV3('card-api-test-client-secret-5f0e1d2c', 'GET', `https://evil.example.com${pathAndQuery}`, '', timestamp);
    const response = await fetch(`${stack.receiverUrl}${pathAndQuery}`, {
      headers: {
        'X-HubSpot-Signature-v3': forged,
        'X-HubSpot-Request-Timestamp': timestamp,
        'X-Forwarded-Host': 'evil.example.com',
        'X-Forwarded-Proto': 'https',
      },
    });
    expect(response.status).toBe(401);
  });

  it("accepts the URI as sent and with HubSpot's listed escapes decoded", async () => {
    const query = { email: 'ada@example.com' };
    const sent = `${stack.api.publicUrl}/api/v1/contacts/5/orders?portalId=${PORTAL_ID}&email=ada%40example.com`;
    expect((await stack.api.request({ path: '/api/v1/contacts/5/orders', query, sign: { uri: sent } })).status).toBe(200);
    const decoded = sent.replace('%40', '@');
    expect((await stack.api.request({ path: '/api/v1/contacts/5/orders', query, sign: { uri: decoded } })).status).toBe(200);
    const otherDecoding = `${stack.api.publicUrl}/api/v1/contacts/5/orders?portalId=${PORTAL_ID}&email=ada%2540example.com`;
    expect((await stack.api.request({ path: '/api/v1/contacts/5/orders', query, sign: { uri: otherDecoding } })).status).toBe(401);
  });

  it('needs a portalId query parameter', async () => {
    await expectRejected(stack.api.request({ path: SETTINGS, portalId: null }), 400, 'portal_missing');
    await expectRejected(stack.api.request({ path: SETTINGS, portalId: '' }), 400, 'portal_missing');
    await expectRejected(stack.api.request({ path: SETTINGS, portalId: 'acme' }), 400, 'portal_invalid');
  });

  it('refuses conflicting portalIds but accepts repeated equal ones (the UI sends one, HubSpot appends one)', async () => {
    await expectRejected(stack.api.request({ path: SETTINGS, portalId: [PORTAL_ID, '999'] }), 400, 'portal_conflict');
    const answer = await stack.api.request<SettingsResponse>({ path: SETTINGS, portalId: [PORTAL_ID, PORTAL_ID] });
    expect(answer.status).toBe(200);
    expect(answer.body.portalId).toBe(PORTAL_ID);
  });

  it("accepts the identity parameters HubSpot appends (userId, userEmail, appId)", async () => {
    const answer = await stack.api.request<SettingsResponse>({
      path: SETTINGS,
      portalId: [PORTAL_ID, PORTAL_ID],
      query: { userId: '77', userEmail: 'admin@example.com', appId: '12345' },
    });
    expect(answer.status).toBe(200);
  });

  it('takes the portal from the signed query, never from the body', async () => {
    const answer = await stack.api.request<ApiError>({
      method: 'POST',
      path: '/api/v1/orders/sync',
      portalId: '999',
      body: { connectionId: 'x', event: 'democon', code: 'ABC12', portalId: PORTAL_ID },
    });
    expect(answer.status).toBe(404);
  });

  it('refuses a signed body that is not JSON', async () => {
    await expectRejected(stack.api.request({ method: 'POST', path: '/api/v1/sync-problems/retry', body: 'key=abc', contentType: 'text/plain' }), 415, 'unsupported_media_type');
    await expectRejected(stack.api.request({ method: 'POST', path: '/api/v1/sync-problems/retry', body: '{"key":' }), 400, 'invalid_json');
  });

  it('reads an empty signed body with a JSON content type as no body', async () => {
    const answer = await stack.api.request<ApiError>({ method: 'POST', path: '/api/v1/sync-problems/retry', headers: { 'Content-Type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(answer.body.fieldErrors).toEqual({ key: expect.any(String) });
  });

  it('leaves the rest of the receiver alone: /openapi.json and /healthz need no signature', async () => {
    expect((await fetch(`${stack.receiverUrl}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${stack.receiverUrl}/healthz`)).status).toBe(200);
  });
});

describe('signed requests: receiver without the app client secret', () => {
  let stack: ApiStack;
  beforeAll(async () => {
    // Static-token mode only: HUBSPOT_CLIENT_ID/SECRET empty.
    stack = await startApiStack({ startWorker: false, env: { HUBSPOT_CLIENT_ID: '', HUBSPOT_CLIENT_SECRET: '' } });
  });
  afterAll(() => stack.close());

  it('answers 503 and says the API needs the client secret', async () => {
    const answer = await stack.api.get<ApiError>(SETTINGS);
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe('api_not_configured');
    expect(answer.body.message).toContain('HUBSPOT_CLIENT_SECRET');
    expect(answer.body.message).toMatch(/client secret/);
  });
});

describe('signed requests: PUBLIC_URL behind a path-stripping proxy', () => {
  let stack: ApiStack;
  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false, env: { PUBLIC_URL: 'https://hubspot.example.org/pretix' } });
  });
  afterAll(() => stack.close());

  it('verifies against the public URL although the request arrives on loopback', async () => {
    expect(stack.api.publicUrl).toBe('https://hubspot.example.org/pretix');
    expect((await stack.api.get(SETTINGS)).status).toBe(200);
  });

  it('rejects a signature over the loopback URL the request actually used', async () => {
    const answer = await stack.api.request({ path: SETTINGS, sign: { uri: `${stack.receiverUrl}${SETTINGS}?portalId=${PORTAL_ID}` } });
    expect(answer.status).toBe(401);
  });
});
