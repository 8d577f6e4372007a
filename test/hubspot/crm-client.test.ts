// The CRM client against the fake HubSpot over loopback: chunking, 207 attribution, retries, pacing and
// error classification.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubSpotClient, chunkUnique, type HubSpotClientOptions, type UpsertInput } from '../../receiver/hubspot/crm-client';
import { createRateLimiter, type RateLimiter } from '../../receiver/lib/rate-limiter';
import { PermanentSyncError, SyncConfigError, SyncError, TransientSyncError } from '../../receiver/domain/errors';
import type { HubSpotObjectType } from '../../receiver/domain/mapping-schema';
import { UnsafePathSegmentError } from '../../receiver/lib/url-path';
import { startFakeHubSpot, type FakeHubSpot } from '../fakes/hubspot';

const PORTAL = 4242;
const TOKEN = 'pat-na1-client-test-token-0042';

interface Spy {
  limiter: RateLimiter;
  pauses: number[];
  sleeps: number[];
}

function spyLimiter(limit = 10_000, intervalMs = 1_000): Spy {
  const inner = createRateLimiter({ limit, intervalMs });
  const pauses: number[] = [];
  return {
    pauses,
    sleeps: [],
    limiter: {
      ...inner,
      acquire: (key, priority) => inner.acquire(key, priority),
      pause: (key, ms) => {
        pauses.push(ms);
        inner.pause(key, ms);
      },
    },
  };
}

function makeClient(fake: FakeHubSpot, spy: Spy, overrides: Partial<HubSpotClientOptions> = {}): HubSpotClient {
  return new HubSpotClient({
    baseUrl: fake.url,
    portalKey: String(PORTAL),
    getAccessToken: async () => TOKEN,
    limiter: spy.limiter,
    sleep: async (ms) => {
      spy.sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

const contacts = (n: number, prefix = 'c'): UpsertInput[] =>
  Array.from({ length: n }, (_, i) => ({ idProperty: 'email', id: `${prefix}${i}@example.com`, properties: { firstname: `N${i}` } }));

describe('HubSpotClient batch calls', () => {
  let fake: FakeHubSpot;
  let spy: Spy;
  let client: HubSpotClient;

  beforeAll(async () => {
    fake = await startFakeHubSpot({ rateLimit: { limit: Infinity, intervalMs: 10_000 } });
    fake.addStaticToken(TOKEN, PORTAL);
    fake.defineProperty(PORTAL, 'contacts', {
      name: 'tshirt_size',
      label: 'T-shirt',
      type: 'enumeration',
      fieldType: 'select',
      options: [
        { label: 'M', value: 'medium' },
        { label: 'L', value: 'large' },
      ],
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.resetTraffic();
    spy = spyLimiter();
    client = makeClient(fake, spy);
  });

  it('splits 250 inputs into upserts of 100, 100 and 50 and maps every result to its input', async () => {
    // Mixed-case ids: HubSpot answers with the stored lower-case email, in no particular order.
    const inputs = contacts(250).map((input, i) => (i % 7 === 0 ? { ...input, id: input.id.toUpperCase() } : input));
    const { results, errors } = await client.batchUpsert('contacts', inputs);

    const bodies = fake.requests({ route: 'POST /crm/v3/objects/contacts/batch/upsert' }).map((r) => (r.body as { inputs: unknown[] }).inputs.length);
    expect(bodies).toEqual([100, 100, 50]);
    expect(errors).toEqual([]);
    expect(results).toHaveLength(250);
    for (const result of results) {
      expect(result.new).toBe(true);
      expect(fake.findByProperty(PORTAL, 'contacts', 'email', result.inputId)?.id).toBe(result.id);
    }
    expect(new Set(results.map((r) => r.inputId))).toEqual(new Set(inputs.map((i) => i.id)));
  });

  it('attributes 207 errors to the inputs HubSpot names and classifies them', async () => {
    const inputs: UpsertInput[] = [
      { idProperty: 'email', id: 'ok1@example.com', properties: { tshirt_size: 'medium' } },
      { idProperty: 'email', id: 'size@example.com', properties: { tshirt_size: 'XXL' } },
      { idProperty: 'email', id: 'not-an-email', properties: { firstname: 'X' } },
      { idProperty: 'email', id: 'ok2@example.com', properties: { tshirt_size: 'large' } },
    ];
    const { results, errors } = await client.batchUpsert('contacts', inputs);
    expect(results.map((r) => r.inputId).sort()).toEqual(['ok1@example.com', 'ok2@example.com']);
    const byInput = Object.fromEntries(errors.map((e) => [e.inputIds.join(','), e]));
    expect(Object.keys(byInput).sort()).toEqual(['not-an-email', 'size@example.com']);
    // A value the value map should have translated is a setup problem; a broken email is bad order data.
    expect(byInput['size@example.com']).toMatchObject({ category: 'VALIDATION_ERROR', failureClass: 'config' });
    expect(byInput['size@example.com']!.message).toMatch(/^tshirt_size: XXL was not one of the allowed options/);
    expect(byInput['not-an-email']).toMatchObject({ failureClass: 'permanent' });
    expect(byInput['not-an-email']!.message).toContain('invalid');
  });

  it('sends repeated ids in separate requests, in order, instead of letting HubSpot reject the batch', async () => {
    const { results, errors } = await client.batchUpsert('contacts', [
      { idProperty: 'email', id: 'dup@example.com', properties: { firstname: 'First' } },
      { idProperty: 'email', id: 'DUP@example.com', properties: { firstname: 'Second' } },
    ]);
    expect(errors).toEqual([]);
    expect(results.map((r) => r.new)).toEqual([true, false]);
    expect(fake.requestCount({ route: 'batch/upsert' })).toBe(2);
    expect(fake.findByProperty(PORTAL, 'contacts', 'email', 'dup@example.com')?.properties.firstname).toBe('Second');
  });

  it('batch-reads 150 ids in two requests, keyed by the ids as given, with the misses listed', async () => {
    const seeded = Array.from({ length: 140 }, (_, i) => fake.createObject(PORTAL, 'contacts', { email: `r${i}@example.com`, city: `C${i}` }));
    const ids = [...seeded.map((_, i) => (i === 3 ? `R${i}@Example.com` : `r${i}@example.com`)), ...Array.from({ length: 10 }, (_, i) => `ghost${i}@example.com`)];
    const { found, missing } = await client.batchRead('contacts', 'email', ids, ['city']);
    expect(fake.requestCount({ route: 'batch/read' })).toBe(2);
    expect(found.size).toBe(140);
    expect(found.get('R3@Example.com')).toEqual({ id: seeded[3]!.id, properties: expect.objectContaining({ city: 'C3' }) });
    expect(missing).toEqual(Array.from({ length: 10 }, (_, i) => `ghost${i}@example.com`));
  });

  it('associates in batches and fails loudly when HubSpot rejects a pair', async () => {
    const contact = fake.createObject(PORTAL, 'contacts', { email: 'a1@example.com' });
    const deals = Array.from({ length: 3 }, (_, i) => fake.createObject(PORTAL, 'deals', { dealname: `D${i}` }));
    await client.associateDefault('deals', 'contacts', deals.map((d) => ({ fromId: d.id, toId: contact.id })));
    expect(fake.associations(PORTAL, 'contacts', contact.id, 'deals')).toEqual(deals.map((d) => d.id));

    fake.deleteObject(PORTAL, 'contacts', contact.id);
    const error = await rejection(client.associateDefault('deals', 'contacts', [{ fromId: deals[0]!.id, toId: contact.id }]));
    expect(error).toBeInstanceOf(PermanentSyncError);
    expect(error.message).toContain(contact.id);
  });

  it('creates property groups and properties, treating 409 as already there', async () => {
    expect(await client.createPropertyGroup('deals', { name: 'pretix', label: 'pretix', displayOrder: -1 })).toEqual({ created: true });
    expect(await client.createPropertyGroup('deals', { name: 'pretix', label: 'pretix', displayOrder: -1 })).toEqual({ created: false });
    const definition = { name: 'pretix_order_code', label: 'Order code', type: 'string', fieldType: 'text', groupName: 'pretix', hasUniqueValue: true } as const;
    const created = await client.createProperty('deals', definition);
    expect(created).toMatchObject({ created: true, property: { name: 'pretix_order_code', hasUniqueValue: true } });
    expect(await client.createProperty('deals', definition)).toEqual({ created: false });
    const listed = await client.listProperties('deals');
    expect(listed.find((p) => p.name === 'pretix_order_code')).toMatchObject({ type: 'string', groupName: 'pretix' });
  });

  it('turns a whole-batch validation error into a config error with HubSpot\'s message', async () => {
    const error = await rejection(client.batchUpsert('contacts', [{ idProperty: 'email', id: 'x@example.com', properties: { no_such_property: '1' } }]));
    expect(error).toBeInstanceOf(SyncConfigError);
    expect(error.message).toContain('no_such_property');
  });
});

describe('HubSpotClient failures', () => {
  let fake: FakeHubSpot;
  let spy: Spy;

  beforeAll(async () => {
    fake = await startFakeHubSpot({ rateLimit: { limit: Infinity, intervalMs: 10_000 } });
    fake.addStaticToken(TOKEN, PORTAL);
    fake.addStaticToken('contacts-only-token-0001', PORTAL, { scopes: ['crm.objects.contacts.write'] });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.resetTraffic();
    spy = spyLimiter();
  });

  it('rides out a 429 storm: pauses the limiter for Retry-After, retries, succeeds', async () => {
    const client = makeClient(fake, spy);
    fake.failNext({ count: 2, status: 429, retryAfterSeconds: 1, route: 'batch/upsert' });
    const started = Date.now();
    const { results } = await client.batchUpsert('contacts', contacts(3, 'storm'));
    expect(results).toHaveLength(3);
    expect(spy.pauses).toEqual([1000, 1000]);
    // The pause is real: the limiter held the retries back.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(fake.requestCount({ route: 'batch/upsert' })).toBe(3);
    expect(fake.rateLimitedCount(PORTAL)).toBe(2);
  });

  it('gives up after maxRetries 429s with a transient error carrying Retry-After', async () => {
    const client = makeClient(fake, spy, { maxRetries: 1 });
    // Fractional seconds keep the test fast; the client parses them like whole ones.
    fake.failNext({ count: 2, status: 429, retryAfterSeconds: 0.05, route: 'batch/upsert' });
    const error = await rejection(client.batchUpsert('contacts', contacts(1, 'giveup')));
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.retryAfterMs).toBe(50);
    expect(error.message).toContain('rate limit');
    expect(fake.requestCount({ route: 'batch/upsert' })).toBe(2);
  });

  it('retries 500 and HTML 502 answers with growing backoff, then succeeds', async () => {
    const client = makeClient(fake, spy);
    fake.failNext({ count: 2, status: 500, route: 'batch/upsert' });
    fake.failNext({ count: 1, status: 502, route: 'batch/upsert' });
    const { results } = await client.batchUpsert('contacts', contacts(2, 'flaky'));
    expect(results).toHaveLength(2);
    expect(spy.sleeps).toEqual([375, 750, 1500]);
  });

  it('turns persistent 500s into a transient error after maxRetries', async () => {
    const client = makeClient(fake, spy, { maxRetries: 4 });
    fake.failNext({ count: 10, status: 500 });
    const error = await rejection(client.batchUpsert('contacts', contacts(1, 'down')));
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.message).toContain('500');
    expect(fake.requestCount({ route: 'batch/upsert' })).toBe(5);
    expect(spy.sleeps).toHaveLength(4);
    fake.resetTraffic();
  });

  it('retries dropped connections and times out slow answers as transient', async () => {
    fake.failNext({ status: 'reset', route: 'batch/upsert' });
    expect((await makeClient(fake, spy).batchUpsert('contacts', contacts(1, 'reset'))).results).toHaveLength(1);

    fake.failNext({ delayMs: 500, route: 'batch/upsert' });
    const slow = makeClient(fake, spy, { timeoutMs: 100, maxRetries: 0 });
    const error = await rejection(slow.batchUpsert('contacts', contacts(1, 'slow')));
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.message).toMatch(/did not answer .* within 100 ms/);
  });

  it('classifies 401 as a config error without retrying or leaking the token', async () => {
    fake.addPortal(PORTAL, { accessToken: 'expiring-token-0000000001', tokenTtlMs: 60_000 });
    fake.expireToken('expiring-token-0000000001');
    const client = makeClient(fake, spy, { getAccessToken: async () => 'expiring-token-0000000001' });
    const error = await rejection(client.batchUpsert('contacts', contacts(1, 'auth')));
    expect(error).toBeInstanceOf(SyncConfigError);
    expect(error.message).toMatch(/^HubSpot rejected the access token \(EXPIRED_AUTHENTICATION\)/);
    expect(error.message).not.toContain('expiring-token');
    expect(fake.requestCount()).toBe(1);

    const unknown = await rejection(makeClient(fake, spy, { getAccessToken: async () => 'nobody-knows-this-token' }).listProperties('contacts'));
    expect(unknown.message).toContain('INVALID_AUTHENTICATION');
  });

  it('names the missing scope of a 403', async () => {
    const client = makeClient(fake, spy, { getAccessToken: async () => 'contacts-only-token-0001' });
    const error = await rejection(client.batchUpsert('deals', [{ idProperty: 'hs_object_id', id: '1', properties: {} }]));
    expect(error).toBeInstanceOf(SyncConfigError);
    expect(error.message).toContain('missing scope crm.objects.deals.write');
  });

  it('classifies 404 as permanent and redacts a token HubSpot echoes back', async () => {
    fake.failNext({ status: 404, route: 'batch/read', body: { status: 'error', category: 'OBJECT_NOT_FOUND', message: `nothing for ${TOKEN}` } });
    const error = await rejection(makeClient(fake, spy).batchRead('contacts', 'email', ['x@example.com'], []));
    expect(error).toBeInstanceOf(PermanentSyncError);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain('[redacted]');
  });
});

describe('HubSpotClient path segments', () => {
  let fake: FakeHubSpot;
  beforeAll(async () => {
    fake = await startFakeHubSpot({ rateLimit: { limit: Infinity, intervalMs: 10_000 } });
    fake.addStaticToken(TOKEN, PORTAL);
  });
  afterAll(() => fake.close());

  it('refuses "." and ".." as an object type before anything is sent, and encodes the others', async () => {
    const client = makeClient(fake, spyLimiter());
    for (const type of ['..', '.']) {
      const bad = type as HubSpotObjectType;
      expect(await rejection(client.listProperties(bad))).toBeInstanceOf(PermanentSyncError);
      expect(await rejection(client.batchUpsert(bad, contacts(1)))).toBeInstanceOf(UnsafePathSegmentError);
      expect(await rejection(client.associateDefault('contacts', bad, [{ fromId: '1', toId: '2' }]))).toBeInstanceOf(UnsafePathSegmentError);
    }
    expect(fake.requestCount()).toBe(0);
    await client.listProperties('contacts/../../oauth' as HubSpotObjectType).catch(() => undefined);
    expect(fake.requests().map((r) => r.path)).toEqual(['/crm/v3/properties/contacts%2F..%2F..%2Foauth']);
  });
});

describe('HubSpotClient pacing', () => {
  let fake: FakeHubSpot;

  beforeAll(async () => {
    fake = await startFakeHubSpot({ rateLimit: { limit: Infinity, intervalMs: 1_000 } });
    fake.addStaticToken(TOKEN, PORTAL);
  });
  afterAll(() => fake.close());

  // Arrival times at an in-process server trail send times by the time the event loop needs to get to each
  // request (50–120 ms for a burst of 30 new connections), so the audit window is shortened by that much.
  // A missing or wrong limiter would still put far more than 30 requests into it, as the control shows.
  const AUDIT_WINDOW_MS = 850;

  it('never lets a burst exceed a 30 / 1 s limiter', async () => {
    fake.resetTraffic();
    const client = makeClient(fake, spyLimiter(30, 1_000));
    const started = Date.now();
    await Promise.all(Array.from({ length: 75 }, (_, i) => client.batchUpsert('contacts', contacts(1, `burst${i}-`))));
    expect(fake.requestCount()).toBe(75);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(fake.maxRequestsInAnyWindow(PORTAL, AUDIT_WINDOW_MS)).toBeLessThanOrEqual(30);
  });

  it('control: without a tight limiter the same burst is caught', async () => {
    fake.resetTraffic();
    const client = makeClient(fake, spyLimiter(10_000, 1_000));
    await Promise.all(Array.from({ length: 75 }, (_, i) => client.batchUpsert('contacts', contacts(1, `loose${i}-`))));
    expect(fake.maxRequestsInAnyWindow(PORTAL, AUDIT_WINDOW_MS)).toBeGreaterThan(30);
  });
});

describe('chunkUnique', () => {
  it('keeps chunks under the size and never repeats a key within one', () => {
    const items = ['a', 'b', 'a', 'c', 'a', 'd', 'e'];
    expect(chunkUnique(items, 3, (x) => x)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'd', 'e'],
      ['a'],
    ]);
  });
});
