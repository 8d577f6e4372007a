// Small pieces of the install flow on their own: the state store's rules, the page template's escaping, the scope list.
import { describe, expect, it } from 'vitest';
import { createOAuthStateStore, STATE_TTL_MS } from '../../receiver/hubspot/oauth-state';
import { missingScopes, OPTIONAL_SCOPES, REQUIRED_SCOPES } from '../../receiver/hubspot/scopes';
import { refreshMarginMs } from '../../receiver/hubspot/tokens';
import { escapeHtml, html } from '../../receiver/http/html';

describe('OAuth state store', () => {
  it('issues unguessable states that work once, expire, and tell replays and forgeries apart', async () => {
    let now = 1_000_000;
    const states = createOAuthStateStore({ now: () => now });
    const a = await states.issue();
    const b = await states.issue();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await states.consume(a)).toBe('ok');
    expect(await states.consume(a)).toBe('used');
    expect(await states.consume('never-issued')).toBe('unknown');
    expect(await states.consume(undefined)).toBe('missing');
    expect(await states.consume('')).toBe('missing');
    now += STATE_TTL_MS + 1;
    expect(await states.consume(b)).toBe('expired');
    // Long after, expired and used states are forgotten (and then unknown).
    now += 2 * STATE_TTL_MS;
    await states.issue();
    expect(await states.consume(b)).toBe('unknown');
  });

  it('stays bounded however often "Request access" is hit', async () => {
    const states = createOAuthStateStore({ maxStates: 100 });
    const first = await states.issue();
    for (let i = 0; i < 1_000; i++) await states.issue();
    expect(states.size()).toBeLessThanOrEqual(100);
    expect(await states.consume(first)).toBe('unknown');
  });
});

describe('page template', () => {
  it('escapes every interpolated value, nests built markup, and joins arrays', () => {
    const name = '<img src=x onerror=alert(1)> & "quotes" \'too\'';
    const inner = html`<b>${name}</b>`;
    const page = html`<p title="${name}">${inner}${['<i>', html`<i>ok</i>`]}${null}${undefined}${false}${0}</p>`;
    expect(page.value).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#39;too&#39;">' +
        '<b>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#39;too&#39;</b>&lt;i&gt;<i>ok</i>0</p>',
    );
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });
});

describe('scopes', () => {
  it('asks for contacts and deals (objects and schemas) as required, companies and marketing events as optional', () => {
    expect(REQUIRED_SCOPES).toEqual(
      expect.arrayContaining(['oauth', 'crm.objects.contacts.write', 'crm.objects.deals.write', 'crm.schemas.contacts.write']),
    );
    expect(OPTIONAL_SCOPES.every((s) => s.includes('companies') || s.includes('marketing_events'))).toBe(true);
    expect(OPTIONAL_SCOPES).toEqual(expect.arrayContaining(['crm.objects.marketing_events.read', 'crm.objects.marketing_events.write']));
    expect(REQUIRED_SCOPES.filter((s) => OPTIONAL_SCOPES.includes(s))).toEqual([]);
    expect(missingScopes(REQUIRED_SCOPES, ['contacts', 'companies'])).toEqual(['crm.objects.companies.read', 'crm.objects.companies.write']);
  });

  it('refreshes 10 % of the token lifetime early, at most 5 minutes', () => {
    expect(refreshMarginMs({ accessTokenIssuedAt: 0, accessTokenExpiresAt: 30 * 60_000 })).toBe(3 * 60_000);
    expect(refreshMarginMs({ accessTokenIssuedAt: 0, accessTokenExpiresAt: 6 * 3_600_000 })).toBe(5 * 60_000);
    expect(refreshMarginMs({ accessTokenExpiresAt: 30 * 60_000 })).toBe(60_000);
  });
});
