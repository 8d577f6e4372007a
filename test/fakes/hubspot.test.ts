// The fake HubSpot's rules, over real HTTP: if these drift from the reference, every test built on the fake
// stops proving anything about the real API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for';
import { startFakeHubSpot, type FakeHubSpot } from './hubspot';

const PORTAL = 4242;
const TOKEN = 'pat-na1-fake-test-token-0001';

interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions probe arbitrary JSON
}

async function call(fake: FakeHubSpot, method: string, path: string, body?: unknown, token = TOKEN): Promise<Answer> {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // HTML or empty bodies stay text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

async function form(fake: FakeHubSpot, path: string, fields: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? '' : JSON.parse(text) };
}

const upsert = (fake: FakeHubSpot, type: string, inputs: unknown[], token?: string) =>
  call(fake, 'POST', `/crm/v3/objects/${type}/batch/upsert`, { inputs }, token);

describe('fake HubSpot CRM objects', () => {
  let fake: FakeHubSpot;

  beforeAll(async () => {
    fake = await startFakeHubSpot({ rateLimit: { limit: Infinity, intervalMs: 10_000 } });
    fake.addStaticToken(TOKEN, PORTAL);
  });
  afterAll(() => fake.close());

  it('accepts email as idProperty for contacts and only unique-value properties otherwise', async () => {
    const byEmail = await upsert(fake, 'contacts', [{ idProperty: 'email', id: 'ada@example.com', properties: { firstname: 'Ada' } }]);
    expect(byEmail.status).toBe(200);

    const byName = await upsert(fake, 'contacts', [{ idProperty: 'firstname', id: 'Ada', properties: {} }]);
    expect(byName.status).toBe(400);
    expect(byName.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(byName.body.message).toContain('firstname is not a unique property');

    const byDealName = await upsert(fake, 'deals', [{ idProperty: 'dealname', id: 'X', properties: {} }]);
    expect(byDealName.status).toBe(400);

    fake.defineProperty(PORTAL, 'deals', { name: 'order_code', label: 'Order', type: 'string', fieldType: 'text', hasUniqueValue: true });
    const byUnique = await upsert(fake, 'deals', [{ idProperty: 'order_code', id: 'ABC12', properties: { dealname: 'Order ABC12' } }]);
    expect(byUnique.status).toBe(200);
    expect(fake.findByProperty(PORTAL, 'deals', 'order_code', 'ABC12')?.properties.dealname).toBe('Order ABC12');
  });

  it('rejects the same id twice in one batch, emails compared case-insensitively, and writes nothing', async () => {
    const answer = await upsert(fake, 'contacts', [
      { idProperty: 'email', id: 'twice@example.com', properties: { firstname: 'One' } },
      { idProperty: 'email', id: 'Twice@Example.com', properties: { firstname: 'Two' } },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body.category).toBe('VALIDATION_ERROR');
    expect(answer.body.message).toMatch(/Duplicate IDs/);
    expect(fake.findByProperty(PORTAL, 'contacts', 'email', 'twice@example.com')).toBeUndefined();
  });

  it('rejects the whole batch when a property does not exist, naming it', async () => {
    const answer = await upsert(fake, 'contacts', [
      { idProperty: 'email', id: 'fine@example.com', properties: { firstname: 'Fine' } },
      { idProperty: 'email', id: 'typo@example.com', properties: { fristname: 'Typo' } },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body.category).toBe('VALIDATION_ERROR');
    expect(answer.body.message).toContain('fristname');
    expect(answer.body.message).toContain('PROPERTY_DOESNT_EXIST');
    expect(fake.findByProperty(PORTAL, 'contacts', 'email', 'fine@example.com')).toBeUndefined();
  });

  it('answers 207 when some inputs carry invalid values, writing the others', async () => {
    const answer = await upsert(fake, 'contacts', [
      { idProperty: 'email', id: 'good@example.com', properties: { lifecyclestage: 'customer' } },
      { idProperty: 'email', id: 'bad-stage@example.com', properties: { lifecyclestage: 'Customer' } },
      { idProperty: 'email', id: 'not an email', properties: { firstname: 'X' } },
    ]);
    expect(answer.status).toBe(207);
    expect(answer.body).toMatchObject({ status: 'COMPLETE', numErrors: 2 });
    expect(answer.body.results).toHaveLength(1);
    const byId = Object.fromEntries(answer.body.errors.map((e: { context: { ids: string[] }; message: string }) => [e.context.ids[0], e.message]));
    expect(byId['bad-stage@example.com']).toContain('INVALID_OPTION');
    expect(byId['not an email']).toContain('INVALID_EMAIL');
    expect(answer.body.errors.every((e: { category: string }) => e.category === 'VALIDATION_ERROR')).toBe(true);
    expect(fake.findByProperty(PORTAL, 'contacts', 'email', 'good@example.com')?.properties.lifecyclestage).toBe('customer');
    expect(fake.findByProperty(PORTAL, 'contacts', 'email', 'bad-stage@example.com')).toBeUndefined();
  });

  it('checks numbers, datetimes and midnight dates like HubSpot', async () => {
    fake.defineProperty(PORTAL, 'deals', { name: 'event_day', label: 'Day', type: 'date', fieldType: 'date' });
    const answer = await upsert(fake, 'deals', [
      { idProperty: 'order_code', id: 'N1', properties: { amount: '12.50', closedate: '2025-03-14T09:21:07+01:00', event_day: '2025-03-14' } },
      { idProperty: 'order_code', id: 'N2', properties: { amount: '12,50' } },
      { idProperty: 'order_code', id: 'N3', properties: { closedate: 'next tuesday' } },
      { idProperty: 'order_code', id: 'N4', properties: { event_day: String(Date.UTC(2025, 2, 14, 9)) } },
    ]);
    expect(answer.status).toBe(207);
    expect(answer.body.errors.map((e: { context: { ids: string[] } }) => e.context.ids[0]).sort()).toEqual(['N2', 'N3', 'N4']);
    expect(fake.findByProperty(PORTAL, 'deals', 'order_code', 'N1')?.properties).toMatchObject({
      amount: '12.50',
      closedate: '2025-03-14T08:21:07.000Z',
      event_day: '2025-03-14',
    });
  });

  it('merges into the existing object found by the id property and reports new: false', async () => {
    const seeded = fake.createObject(PORTAL, 'contacts', { email: 'merge@example.com', firstname: 'Grace', city: 'Hamburg' });
    const answer = await upsert(fake, 'contacts', [{ idProperty: 'email', id: 'MERGE@example.com', properties: { city: 'Berlin' } }]);
    expect(answer.status).toBe(200);
    expect(answer.body.results[0]).toMatchObject({ id: seeded.id, new: false, archived: false });
    const stored = fake.object(PORTAL, 'contacts', seeded.id)!;
    expect(stored.properties).toMatchObject({ firstname: 'Grace', city: 'Berlin', email: 'merge@example.com', hs_object_id: seeded.id });
    expect(stored.properties.lastmodifieddate).toBeDefined();
  });

  it('caps batches at 100 inputs', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ idProperty: 'email', id: `cap${i}@example.com`, properties: {} }));
    expect((await upsert(fake, 'contacts', inputs)).status).toBe(400);
    expect((await upsert(fake, 'contacts', inputs.slice(0, 100))).status).toBe(200);
  });

  it('returns batch results in an order unrelated to the inputs', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `order${i}@example.com`);
    const answer = await upsert(fake, 'contacts', ids.map((id) => ({ idProperty: 'email', id, properties: {} })));
    const returned = answer.body.results.map((r: { properties: { email: string } }) => r.properties.email);
    expect([...returned].sort()).toEqual([...ids].sort());
    expect(returned).not.toEqual(ids);
  });

  it('batch read requires properties lists, returns only what was asked, and 207s on missing ids', async () => {
    fake.createObject(PORTAL, 'contacts', { email: 'read@example.com', firstname: 'Read', lastname: 'Me' });
    const incomplete = await call(fake, 'POST', '/crm/v3/objects/contacts/batch/read', { idProperty: 'email', inputs: [{ id: 'read@example.com' }], properties: ['firstname'] });
    expect(incomplete.status).toBe(400);

    const answer = await call(fake, 'POST', '/crm/v3/objects/contacts/batch/read', {
      idProperty: 'email',
      inputs: [{ id: 'READ@example.com' }, { id: 'nobody@example.com' }],
      properties: ['firstname', 'email', 'city'],
      propertiesWithHistory: [],
    });
    expect(answer.status).toBe(207);
    expect(Object.keys(answer.body.results[0].properties).sort()).toEqual(['city', 'email', 'firstname', 'hs_object_id']);
    expect(answer.body.results[0].properties.city).toBeNull();
    expect(answer.body.errors).toEqual([expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['nobody@example.com'] } })]);
  });

  it('reads one object and searches with EQ / IN', async () => {
    const seeded = fake.createObject(PORTAL, 'contacts', { email: 'search@example.com', firstname: 'Sia' });
    const one = await call(fake, 'GET', `/crm/v3/objects/contacts/${seeded.id}?properties=firstname`);
    expect(one.body.properties).toEqual({ hs_object_id: seeded.id, firstname: 'Sia' });
    expect((await call(fake, 'GET', '/crm/v3/objects/contacts/999999')).status).toBe(404);

    const missingFields = await call(fake, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: [] });
    expect(missingFields.status).toBe(400);
    const search = await call(fake, 'POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN', values: ['SEARCH@example.com', 'x@example.com'] }] }],
      properties: ['email'],
      sorts: [],
      limit: 10,
      after: '0',
    });
    expect(search.body.total).toBe(1);
    expect(search.body.results[0].id).toBe(seeded.id);
  });

  it('stores default associations, readable from both sides, and 207s on unknown ids', async () => {
    const contact = fake.createObject(PORTAL, 'contacts', { email: 'assoc@example.com' });
    const deal = fake.createObject(PORTAL, 'deals', { dealname: 'Assoc deal' });
    const answer = await call(fake, 'POST', '/crm/v4/associations/deals/contacts/batch/associate/default', {
      inputs: [
        { from: { id: deal.id }, to: { id: contact.id } },
        { from: { id: deal.id }, to: { id: '123' } },
      ],
    });
    expect(answer.status).toBe(207);
    expect(answer.body.errors[0].context.ids).toEqual(['123']);
    expect(fake.associations(PORTAL, 'deals', deal.id, 'contacts')).toEqual([contact.id]);
    const back = await call(fake, 'GET', `/crm/v4/objects/contacts/${contact.id}/associations/deals`);
    expect(back.body.results).toEqual([{ toObjectId: Number(deal.id), associationTypes: [expect.objectContaining({ typeId: 4 })] }]);
  });

  it('creates property groups and properties with HubSpot validation and 409 on duplicates', async () => {
    const group = { name: 'pretix', label: 'pretix', displayOrder: -1 };
    expect((await call(fake, 'POST', '/crm/v3/properties/contacts/groups', group)).status).toBe(201);
    expect((await call(fake, 'POST', '/crm/v3/properties/contacts/groups', group)).status).toBe(409);

    const property = { name: 'pretix_last_order_code', label: 'Last order', type: 'string', fieldType: 'text', groupName: 'pretix' };
    expect((await call(fake, 'POST', '/crm/v3/properties/contacts', { ...property, groupName: 'nope' })).status).toBe(400);
    expect((await call(fake, 'POST', '/crm/v3/properties/contacts', { ...property, fieldType: 'number' })).status).toBe(400);
    expect((await call(fake, 'POST', '/crm/v3/properties/contacts', { ...property, name: 'Bad Name' })).status).toBe(400);
    expect((await call(fake, 'POST', '/crm/v3/properties/contacts', property)).status).toBe(201);
    const again = await call(fake, 'POST', '/crm/v3/properties/contacts', property);
    expect(again.status).toBe(409);
    expect(again.body.category).toBe('OBJECT_ALREADY_EXISTS');
    const list = await call(fake, 'GET', '/crm/v3/properties/contacts');
    expect(list.body.results.map((p: { name: string }) => p.name)).toContain('pretix_last_order_code');
    expect(list.body.results.find((p: { name: string }) => p.name === 'email')).toMatchObject({ type: 'string', fieldType: 'text' });
  });
});

describe('fake HubSpot authentication', () => {
  let fake: FakeHubSpot;

  beforeAll(async () => {
    fake = await startFakeHubSpot();
    fake.addPortal(PORTAL, { accessToken: 'short-lived-token-0001', tokenTtlMs: 60_000 });
    fake.addStaticToken('contacts-only-token', PORTAL, { scopes: ['crm.objects.contacts.write'] });
  });
  afterAll(() => fake.close());

  it('answers 401 INVALID_AUTHENTICATION to unknown or missing tokens', async () => {
    const unknown = await call(fake, 'GET', '/crm/v3/properties/contacts', undefined, 'no-such-token');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(unknown.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await fetch(`${fake.url}/crm/v3/properties/contacts`);
    expect(missing.status).toBe(401);
  });

  it('answers 401 EXPIRED_AUTHENTICATION once a token has expired', async () => {
    expect((await call(fake, 'GET', '/crm/v3/properties/contacts', undefined, 'short-lived-token-0001')).status).toBe(200);
    fake.expireToken('short-lived-token-0001');
    const expired = await call(fake, 'GET', '/crm/v3/properties/contacts', undefined, 'short-lived-token-0001');
    expect(expired.status).toBe(401);
    expect(expired.body.category).toBe('EXPIRED_AUTHENTICATION');
  });

  it('answers 403 MISSING_SCOPES naming the scope', async () => {
    const answer = await upsert(fake, 'deals', [], 'contacts-only-token');
    expect(answer.status).toBe(403);
    expect(answer.body.category).toBe('MISSING_SCOPES');
    expect(answer.body.errors[0].context.requiredGranularScopes).toEqual(['crm.objects.deals.write']);
  });
});

describe('fake HubSpot OAuth', () => {
  const app = { clientId: 'client-abc', clientSecret: 'secret-xyz', redirectUris: ['http://127.0.0.1:9/oauth/callback'] };
  const scopes = 'oauth crm.objects.contacts.write';
  let fake: FakeHubSpot;

  beforeAll(async () => {
    fake = await startFakeHubSpot();
    fake.addPortal(PORTAL, { tokenTtlMs: 1_800_000 });
    fake.registerApp({ ...app, requiredScopes: ['oauth'] });
  });
  afterAll(() => fake.close());

  const authorizeUrl = (overrides: Record<string, string> = {}) =>
    `${fake.url}/oauth/authorize?${new URLSearchParams({ client_id: app.clientId, redirect_uri: app.redirectUris[0]!, scope: scopes, state: 's-1', ...overrides })}`;

  const exchange = (code: string) =>
    form(fake, '/oauth/2026-03/token', {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUris[0]!,
      code,
    });

  it('shows a consent page only for a known client and a registered redirect_uri', async () => {
    expect((await fetch(authorizeUrl({ client_id: 'other' }))).status).toBe(400);
    expect((await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }))).status).toBe(400);
    const page = await fetch(authorizeUrl());
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Connect app');
  });

  it('issues single-use codes, refreshes tokens, introspects and forgets them on uninstall', async () => {
    const callback = new URL(await fake.approve(authorizeUrl()));
    expect(callback.origin + callback.pathname).toBe(app.redirectUris[0]);
    expect(callback.searchParams.get('state')).toBe('s-1');
    const code = callback.searchParams.get('code')!;

    const first = await exchange(code);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'bearer', token_use: 'access_token', hub_id: PORTAL, expires_in: 1800 });
    expect(first.body.access_token.length).toBeGreaterThan(300);
    const replay = await exchange(code);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ status: 'BAD_AUTH_CODE', error: 'invalid_grant' });

    const upserted = await upsert(fake, 'contacts', [{ idProperty: 'email', id: 'oauth@example.com', properties: {} }], first.body.access_token);
    expect(upserted.status).toBe(200);
    // Granted scopes are the requested ones: deals were not asked for.
    expect((await upsert(fake, 'deals', [], first.body.access_token)).status).toBe(403);

    const refreshed = await form(fake, '/oauth/2026-03/token', {
      grant_type: 'refresh_token',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: first.body.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(first.body.access_token);
    expect(refreshed.body.refresh_token).toBe(first.body.refresh_token);
    expect(fake.refreshCount(PORTAL)).toBe(1);

    const introspected = await form(fake, '/oauth/2026-03/token/introspect', {
      client_id: app.clientId,
      client_secret: app.clientSecret,
      token: refreshed.body.access_token,
    });
    expect(introspected.body).toMatchObject({ active: true, hub_id: PORTAL, client_id: app.clientId, token_use: 'access_token' });
    expect(introspected.body.scopes).toEqual(['oauth', 'crm.objects.contacts.write']);

    fake.uninstall(PORTAL);
    const dead = await form(fake, '/oauth/2026-03/token', {
      grant_type: 'refresh_token',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: first.body.refresh_token,
    });
    expect(dead.status).toBe(400);
    expect(dead.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN', error: 'invalid_grant' });
    expect((await upsert(fake, 'contacts', [], refreshed.body.access_token)).status).toBe(401);
  });

  it('rejects a redirect_uri that differs from the authorize request, wrong secrets and JSON bodies', async () => {
    const code = new URL(await fake.approve(authorizeUrl())).searchParams.get('code')!;
    const wrongRedirect = await form(fake, '/oauth/2026-03/token', {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: 'http://127.0.0.1:9/other',
      code,
    });
    expect(wrongRedirect.body.status).toBe('BAD_REDIRECT_URI');
    const wrongSecret = await form(fake, '/oauth/2026-03/token', { grant_type: 'refresh_token', client_id: app.clientId, client_secret: 'nope', refresh_token: 'x' });
    expect(wrongSecret.body).toMatchObject({ status: 'BAD_CLIENT_SECRET', error: 'invalid_client' });
    const json = await call(fake, 'POST', '/oauth/2026-03/token', { grant_type: 'refresh_token' });
    expect(json.status).toBe(415);
  });

  it('revokes a refresh token together with its access tokens', async () => {
    fake.registerApp({ ...app, clientId: 'client-rev' });
    const code = new URL(await fake.approve(authorizeUrl({ client_id: 'client-rev' }))).searchParams.get('code')!;
    const tokens = await form(fake, '/oauth/2026-03/token', {
      grant_type: 'authorization_code',
      client_id: 'client-rev',
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUris[0]!,
      code,
    });
    const revoked = await form(fake, '/oauth/2026-03/token/revoke', { client_id: 'client-rev', client_secret: app.clientSecret, token: tokens.body.refresh_token });
    expect(revoked.status).toBe(200);
    expect((await upsert(fake, 'contacts', [], tokens.body.access_token)).status).toBe(401);
    const info = await form(fake, '/oauth/2026-03/token/introspect', { client_id: 'client-rev', client_secret: app.clientSecret, token: tokens.body.refresh_token });
    expect(info.body).toEqual({ active: false });
  });
});

describe('fake HubSpot rate limits and faults', () => {
  let fake: FakeHubSpot;
  const WINDOW = { limit: 5, intervalMs: 400 };
  /** Added to the fake's clock: the test moves time past the window instead of sleeping through it. */
  let skewMs = 0;

  beforeAll(async () => {
    fake = await startFakeHubSpot({ rateLimit: WINDOW, now: () => Date.now() + skewMs });
    fake.addStaticToken(TOKEN, PORTAL);
  });
  afterAll(() => fake.close());

  it('answers 429 RATE_LIMITS with Retry-After over the limit, without counting the refused request', async () => {
    fake.resetTraffic();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await call(fake, 'GET', '/crm/v3/properties/contacts'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = answers[5]!;
    expect(refused.body).toMatchObject({ status: 'error', category: 'RATE_LIMITS', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(answers[0]!.headers.get('x-hubspot-ratelimit-max')).toBe('5');
    expect(answers[0]!.headers.get('x-hubspot-ratelimit-remaining')).toBe('4');
    expect(answers[0]!.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('400');
    expect(fake.rateLimitedCount(PORTAL)).toBe(1);
    expect(fake.maxRequestsInAnyWindow(PORTAL)).toBe(5);

    skewMs += WINDOW.intervalMs;
    expect((await call(fake, 'GET', '/crm/v3/properties/contacts')).status).toBe(200);
    expect(fake.maxRequestsInAnyWindow(PORTAL)).toBe(5);
    expect(fake.requestCount({ portalId: PORTAL, route: 'GET /crm/v3/properties' })).toBe(7);
  });

  it('injects 429/500/502 storms on matching routes only, then recovers', async () => {
    fake.setRateLimit({ limit: Infinity, intervalMs: 10_000 });
    fake.resetTraffic();
    fake.failNext({ count: 2, status: 500, route: 'batch/upsert' });
    fake.failNext({ count: 1, status: 502, route: 'batch/upsert' });
    fake.failNext({ count: 1, status: 429, retryAfterSeconds: 3, route: /^GET / });
    const read = await call(fake, 'GET', '/crm/v3/properties/contacts');
    expect(read.status).toBe(429);
    expect(read.headers.get('retry-after')).toBe('3');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await upsert(fake, 'contacts', [])).status);
    expect(statuses).toEqual([500, 500, 502, 200]);
    expect(fake.pendingFaults()).toBe(0);
    expect(fake.routeCounts(PORTAL)).toEqual({ 'GET /crm/v3/properties/contacts': 1, 'POST /crm/v3/objects/contacts/batch/upsert': 4 });
  });

  it('lists every accepted upsert input, a record written twice twice, and holds requests until released', async () => {
    fake.setRateLimit({ limit: Infinity, intervalMs: 10_000 });
    fake.resetTraffic();
    const ada = { idProperty: 'email', id: 'ada.twice@example.com', properties: {} };
    expect((await upsert(fake, 'contacts', [ada])).status).toBe(200);
    expect((await upsert(fake, 'contacts', [ada, { idProperty: 'email', id: 'bob@example.com', properties: {} }])).status).toBe(200);
    fake.failNext({ status: 500, route: 'batch/upsert' });
    expect((await upsert(fake, 'contacts', [ada])).status).toBe(500); // refused: not a write
    expect(fake.upsertInputs(PORTAL, 'contacts').map((input) => input.id)).toEqual(['ada.twice@example.com', 'ada.twice@example.com', 'bob@example.com']);
    expect(fake.objects(PORTAL, 'contacts').filter((c) => c.properties.email === 'ada.twice@example.com')).toHaveLength(1);

    const release = fake.hold();
    let answered = false;
    const held = call(fake, 'GET', '/crm/v3/properties/contacts').then((answer) => ((answered = true), answer));
    await waitFor(() => fake.requestsInProgress() === 1, 'request arrived');
    expect(answered).toBe(false);
    release();
    expect((await held).status).toBe(200);
    expect(fake.requestsInProgress()).toBe(0);
  });

  it('can drop the connection', async () => {
    fake.failNext({ status: 'reset' });
    await expect(call(fake, 'GET', '/crm/v3/properties/contacts')).rejects.toThrow();
    expect((await call(fake, 'GET', '/crm/v3/properties/contacts')).status).toBe(200);
  });
});
