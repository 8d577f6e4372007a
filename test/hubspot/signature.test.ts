// HubSpot request signatures: the documented v1/v2 vectors, and v3 round trips, tampering and expiry.
import { describe, expect, it } from 'vitest';
import {
  decodeSignedUri,
  signV1,
  signV2,
  signV3,
  verifyHubSpotSignature,
  verifyV1,
  verifyV2,
  verifyV3,
} from '../../receiver/hubspot/signature';

// Vectors from HubSpot's request-validation docs (reference/hubspot.md §3).
const DOC_SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const V1_BODY =
  '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';

describe('v1 and v2 signatures', () => {
  it('match the documented v2 example', () => {
    const input = { clientSecret: DOC_SECRET, method: 'GET', uri: 'https://www.example.com/webhook_uri', body: '' };
    expect(signV2(input)).toBe('eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e');
    expect(verifyV2({ ...input, signature: 'EEE2DDDCC73C94D699F5E395F4B9D454A069A6855FBFA152E91E88823087200E' })).toBe(true);
    expect(verifyV2({ ...input, method: 'POST', signature: signV2(input) })).toBe(false);
  });

  it('match the documented v1 example', () => {
    expect(signV1({ clientSecret: DOC_SECRET, body: V1_BODY })).toBe('232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
    const signature = signV1({ clientSecret: DOC_SECRET, body: V1_BODY });
    expect(verifyV1({ clientSecret: DOC_SECRET, body: V1_BODY, signature })).toBe(true);
    expect(verifyV1({ clientSecret: DOC_SECRET, body: V1_BODY.replace('62515', '62516'), signature })).toBe(false);
    expect(verifyV1({ clientSecret: DOC_SECRET, body: V1_BODY, signature: undefined })).toBe(false);
  });
});

describe('v3 signatures', () => {
  const secret = 'client-secret-0123456789';
  const now = 1_760_000_000_000;
  const request = {
    clientSecret: secret,
    method: 'POST',
    uri: 'https://receiver.example.com/api/v1/orders?portalId=4242&userEmail=ada%40example.com',
    body: '{"contactId":"123"}',
    timestamp: String(now - 1_000),
  };

  it('round-trips', () => {
    const signature = signV3(request);
    expect(Buffer.from(signature, 'base64')).toHaveLength(32);
    expect(verifyV3({ ...request, signature, now })).toBe(true);
    expect(verifyV3({ ...request, body: Buffer.from(request.body), signature, now })).toBe(true);
    expect(verifyV3({ ...request, method: 'post', signature, now })).toBe(true);
  });

  it('rejects any tampering', () => {
    const signature = signV3(request);
    expect(verifyV3({ ...request, body: '{"contactId":"124"}', signature, now })).toBe(false);
    expect(verifyV3({ ...request, method: 'PUT', signature, now })).toBe(false);
    expect(verifyV3({ ...request, uri: request.uri.replace('4242', '4243'), signature, now })).toBe(false);
    expect(verifyV3({ ...request, timestamp: String(now - 999), signature, now })).toBe(false);
    expect(verifyV3({ ...request, clientSecret: 'other-secret', signature, now })).toBe(false);
    expect(verifyV3({ ...request, signature: signature.slice(0, -2), now })).toBe(false);
    expect(verifyV3({ ...request, signature: undefined, now })).toBe(false);
  });

  it('rejects timestamps older or further ahead than five minutes, and non-millisecond ones', () => {
    const at = (timestamp: number | string) => ({ ...request, timestamp, signature: signV3({ ...request, timestamp }), now });
    expect(verifyV3(at(now - 300_000))).toBe(true);
    expect(verifyV3(at(now - 300_001))).toBe(false);
    expect(verifyV3(at(now + 300_001))).toBe(false);
    expect(verifyV3({ ...at(now - 60_000), maxAgeMs: 30_000 })).toBe(false);
    expect(verifyV3(at(String(Math.floor(now / 1000))))).toBe(false);
    expect(verifyV3(at('soon'))).toBe(false);
  });

  it('accepts the URI as received or with HubSpot\'s listed escapes decoded, but not other decodings', () => {
    const received = 'https://receiver.example.com/api/v1/orders?email=ada%40example.com&q=a%3Ab%20c';
    expect(decodeSignedUri(received)).toBe('https://receiver.example.com/api/v1/orders?email=ada@example.com&q=a:b%20c');
    const asDocs = signV3({ ...request, uri: decodeSignedUri(received) });
    const asSdk = signV3({ ...request, uri: received });
    expect(verifyV3({ ...request, uri: received, signature: asDocs, now })).toBe(true);
    expect(verifyV3({ ...request, uri: received, signature: asSdk, now })).toBe(true);
    const fullyDecoded = signV3({ ...request, uri: decodeURIComponent(received) });
    expect(verifyV3({ ...request, uri: received, signature: fullyDecoded, now })).toBe(false);
  });

  it('verifies from request headers, v3 first, legacy versions only on request', () => {
    const signature = signV3(request);
    const headers = { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': request.timestamp };
    expect(verifyHubSpotSignature({ ...request, headers, now })).toEqual({ ok: true, version: 'v3' });
    expect(verifyHubSpotSignature({ ...request, headers, now: now + 600_000 })).toEqual({ ok: false, reason: 'expired' });
    expect(verifyHubSpotSignature({ ...request, body: '{}', headers, now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyHubSpotSignature({ ...request, headers: {}, now })).toEqual({ ok: false, reason: 'missing' });

    const v2 = { 'x-hubspot-signature': signV2(request), 'x-hubspot-signature-version': 'v2' };
    expect(verifyHubSpotSignature({ ...request, headers: v2, now })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyHubSpotSignature({ ...request, headers: v2, now, allowLegacy: true })).toEqual({ ok: true, version: 'v2' });
  });
});
