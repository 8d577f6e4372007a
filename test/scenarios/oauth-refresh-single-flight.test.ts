// Access tokens are refreshed shortly before they expire, once per portal however many requests need one at that
// moment; a token HubSpot refuses early (401) is refreshed once and the request retried.
import { afterEach, describe, expect, it } from 'vitest';
import { refreshMarginMs } from '../../receiver/hubspot/tokens';
import { TransientSyncError } from '../../receiver/domain/errors';
import { install } from '../helpers/oauth-journey';
import { PORTAL_ID, startStack, type Stack } from '../helpers/stack';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const TTL_MS = 30 * 60_000;

describe('OAuth token refresh', () => {
  it('refreshes once for 30 parallel CRM requests when the token is about to expire', async () => {
    let skew = 0;
    stack = await startStack({ oauth: { tokenTtlMs: TTL_MS }, staticToken: false, now: () => Date.now() + skew });
    expect((await install(stack)).status).toBe(200);
    const before = (await stack.store.getInstallation(PORTAL_ID))!;
    expect(refreshMarginMs(before)).toBe(3 * 60_000); // 10 % of 30 minutes

    const tokens = stack.app.services.tokens;
    const first = await tokens.getAccessToken(PORTAL_ID);
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(0);

    // Our clock moves to 2 minutes before expiry: inside the margin, the token is refreshed before it is used.
    skew = TTL_MS - 2 * 60_000;
    const crm = await stack.app.services.crmFor(PORTAL_ID);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => crm.batchRead('contacts', 'email', [`nobody-${i}@example.org`], ['firstname'])),
    );
    expect(results.every((r) => r.missing.length === 1)).toBe(true);
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(1);

    const after = (await stack.store.getInstallation(PORTAL_ID))!;
    const second = await tokens.getAccessToken(PORTAL_ID);
    expect(second).not.toBe(first);
    expect(after.accessTokenIssuedAt).toBeGreaterThan(before.accessTokenIssuedAt!);
    // Every CRM request went out with the new token: none was refused.
    // (207: HubSpot's answer for a batch read with ids it does not know.)
    const reads = stack.hubspot.requests({ route: 'POST /crm/v3/objects/contacts/batch/read' });
    expect(reads).toHaveLength(30);
    expect(reads.every((r) => r.status === 207)).toBe(true);

    // Direct callers share one refresh too.
    skew = 2 * TTL_MS - 60_000;
    const direct = await Promise.all(Array.from({ length: 20 }, () => tokens.getAccessToken(PORTAL_ID)));
    expect(new Set(direct).size).toBe(1);
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(2);
  });

  it('refreshes once and retries when HubSpot refuses a token before its time (401)', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    expect((await install(stack)).status).toBe(200);
    const tokens = stack.app.services.tokens;
    const old = await tokens.getAccessToken(PORTAL_ID);
    stack.hubspot.expireToken(old);

    const crm = await stack.app.services.crmFor(PORTAL_ID);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => crm.batchRead('contacts', 'email', [`x${i}@example.org`], [])));
    expect(results).toHaveLength(10);
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(1);
    expect(await tokens.getAccessToken(PORTAL_ID)).not.toBe(old);
    const reads = stack.hubspot.requests({ route: 'POST /crm/v3/objects/contacts/batch/read' });
    expect(reads.filter((r) => r.status === 401).length).toBeGreaterThan(0);
    expect(reads.filter((r) => r.status === 207)).toHaveLength(10);
  });

  it("keeps using a still-valid token while HubSpot's token endpoint is down, and refreshes once it is back", async () => {
    let skew = 0;
    stack = await startStack({ oauth: { tokenTtlMs: TTL_MS }, staticToken: false, now: () => Date.now() + skew });
    expect((await install(stack)).status).toBe(200);
    const tokens = stack.app.services.tokens;
    const first = await tokens.getAccessToken(PORTAL_ID);

    // Inside the refresh margin, the token endpoint answers 503: the CRM request still goes out, with the old token.
    skew = TTL_MS - 2 * 60_000;
    stack.hubspot.failNext({ route: /^POST \/oauth\/[^/]+\/token$/, status: 503, count: 1 });
    const crm = await stack.app.services.crmFor(PORTAL_ID);
    const read = await crm.batchRead('contacts', 'email', ['nobody@example.org'], ['firstname']);
    expect(read.missing).toEqual(['nobody@example.org']);
    expect(stack.hubspot.pendingFaults()).toBe(0);
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(0);
    expect(stack.logs()).toMatch(/HubSpot token refresh failed; the current token is still valid/);

    // Back up: the next call refreshes.
    const renewed = await tokens.getAccessToken(PORTAL_ID);
    expect(renewed).not.toBe(first);
    expect(stack.hubspot.refreshCount(PORTAL_ID)).toBe(1);

    // A token about to run out is not used: the outage is then an error (retried later by the queue).
    skew = 2 * TTL_MS - 5_000;
    stack.hubspot.failNext({ route: /^POST \/oauth\/[^/]+\/token$/, status: 503, count: 1 });
    await expect(tokens.getAccessToken(PORTAL_ID)).rejects.toBeInstanceOf(TransientSyncError);
  });
});
