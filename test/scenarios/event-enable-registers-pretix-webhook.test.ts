// Enabling events registers one pretix webhook per connection, limited to the enabled events; disabling narrows it
// and the last one removes it; a token without webhook permission gets "manual" mode with instructions; pretix
// being unreachable is always reported, never silently left behind.
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSummary } from '../../src/app/shared/api-types';
import { COMMANDS } from '../../receiver/cli/commands';
import { ORDER_ACTIONS } from '../../receiver/pretix/webhook-actions';
import { EVENT, ORGANIZER, PORTAL_ID, PRETIX_TOKEN, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const SECOND = 'workshop';

async function setup(options: { permissions?: 'full' | 'no-webhooks' } = {}) {
  const s = await startStack();
  s.pretix.addEvent(ORGANIZER, { slug: SECOND, name: { en: 'Workshop day', de: 'Workshoptag' }, live: true, date_from: '2025-09-01T08:00:00Z' }, { settings: { locale: 'de', locales: ['de', 'en'] } });
  if (options.permissions === 'no-webhooks') {
    s.pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: false } });
  }
  stack = s;
  const connection = await s.connect({ webhook: 'none' });
  const toggle = (event: string, on: boolean) =>
    s.admin.post<{ event: EventSummary }>(`/connections/${connection.id}/events/${event}/${on ? 'enable' : 'disable'}`).then((r) => r.event);
  return { s, connection, toggle };
}

describe('event list', () => {
  it("lists the organizer's events with names in their default locale, dates, state and our flags", async () => {
    const { s, connection, toggle } = await setup();
    await toggle(EVENT, true);
    const { events } = await s.admin.get<{ events: EventSummary[] }>(`/connections/${connection.id}/events`);
    const democon = events.find((e) => e.slug === EVENT)!;
    const workshop = events.find((e) => e.slug === SECOND)!;
    expect(democon).toMatchObject({ enabled: true, mappingCount: 2, webhook: { state: 'registered' } });
    expect(democon.dateFrom).toEqual(expect.any(String));
    expect(workshop).toEqual({
      slug: SECOND,
      name: 'Workshoptag',
      dateFrom: '2025-09-01T08:00:00Z',
      dateTo: null,
      live: true,
      testmode: false,
      enabled: false,
      mappingCount: 0,
      webhook: { state: 'none', id: null, message: null },
    });
    // The CLI prints the same.
    const lines: string[] = [];
    await COMMANDS.find((c) => c.name === 'event list')!.run(s.admin, { connection: connection.id }, [], (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(new RegExp(`${EVENT} .*enabled, 2 mapping\\(s\\), webhook registered #\\d+`));
    expect(lines.join('\n')).toContain(`${SECOND}  Workshoptag  2025-09-01  (live)  — disabled`);
  });
});

describe('webhook registration', () => {
  it('registers one webhook limited to the enabled events, PATCHes it as events change, and removes it with the last one', async () => {
    const { s, toggle, connection } = await setup();
    expect(s.pretix.webhooks(ORGANIZER)).toEqual([]);

    const first = await toggle(EVENT, true);
    let hooks = s.pretix.webhooks(ORGANIZER);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({
      enabled: true,
      target_url: connection.webhookUrl,
      all_events: false,
      limit_events: [EVENT],
    });
    expect([...hooks[0]!.action_types].sort()).toEqual([...ORDER_ACTIONS].sort());
    expect(first.webhook).toEqual({ state: 'registered', id: hooks[0]!.id, message: null });

    await toggle(SECOND, true);
    hooks = s.pretix.webhooks(ORGANIZER);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.limit_events.sort()).toEqual([EVENT, SECOND].sort());

    await toggle(EVENT, false);
    hooks = s.pretix.webhooks(ORGANIZER);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ enabled: true, limit_events: [SECOND] });

    const last = await toggle(SECOND, false);
    hooks = s.pretix.webhooks(ORGANIZER);
    // pretix's DELETE only disables: the webhook stays listed, but sends nothing.
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.enabled).toBe(false);
    expect(last.webhook.state).toBe('none');

    // Enabling again re-enables the same webhook rather than piling up new ones.
    await toggle(EVENT, true);
    hooks = s.pretix.webhooks(ORGANIZER);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ enabled: true, limit_events: [EVENT] });
  });

  it('delivers orders of enabled events only, through the registered webhook', async () => {
    const { s, toggle } = await setup();
    await toggle(EVENT, true);
    const [code] = s.pretix.generateOrders(ORGANIZER, EVENT, 1, { status: 'p' });
    const order = s.pretix.getOrder(ORGANIZER, EVENT, code!)!;
    const emitted = await s.pretix.emit(ORGANIZER, EVENT, code!, 'pretix.event.order.paid');
    expect(emitted.calls.map((c) => c.status)).toEqual([200]);
    // The default mappings: the buyer as a contact by email, with the name parts.
    const contact = await waitFor(() => s.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', String(order.email).toLowerCase()), 'buyer synced');
    const invoiceName = (order.invoice_address as { name_parts?: Record<string, string> } | null)?.name_parts;
    if (invoiceName?.given_name) expect(contact.properties.firstname).toBe(invoiceName.given_name);
    // An event that is not enabled is not covered by the webhook: pretix sends nothing.
    const [other] = s.pretix.generateOrders(ORGANIZER, SECOND, 1);
    expect((await s.pretix.emit(ORGANIZER, SECOND, other!, 'pretix.event.order.placed')).calls).toEqual([]);
  });

  it('offers default mappings only when the event has none', async () => {
    const { s, toggle, connection } = await setup();
    await toggle(EVENT, true);
    const config = (await s.store.getEventConfig(connection.id, EVENT))!;
    expect(config.mappings.map((m) => `${m.pretix_model}→${m.external_object_type} by ${m.pretix_id_field}`)).toEqual([
      'Order→contacts by email',
      'OrderPosition→contacts by attendee_email',
    ]);
    expect(config.mappings[0]!.property_mappings.map((p) => p.external_field)).toEqual(
      expect.arrayContaining(['firstname', 'lastname', 'company']),
    );
    // Edited mappings survive disable/enable.
    const edited = [{ ...config.mappings[0]!, property_mappings: [] }];
    await s.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings`, edited);
    await toggle(EVENT, false);
    const again = await toggle(EVENT, true);
    expect(again.mappingCount).toBe(1);
    expect((await s.store.getEventConfig(connection.id, EVENT))!.mappings[0]!.property_mappings).toEqual([]);
  });

  it('falls back to manual mode with instructions when the token may not manage webhooks', async () => {
    const { s, toggle, connection } = await setup({ permissions: 'no-webhooks' });
    const summary = await toggle(EVENT, true);
    expect(summary.enabled).toBe(true);
    expect(summary.webhook.state).toBe('manual');
    expect(summary.webhook.message).toContain(connection.webhookUrl);
    expect(summary.webhook.message).toContain('pretix.event.order.changed.*');
    expect(summary.webhook.message).toContain(EVENT);
    expect(s.pretix.webhooks(ORGANIZER)).toEqual([]);
    // Removing the connection tells the person to delete the hand-made webhook.
    const removal = await s.admin.delete<{ webhookMessage: string }>(`/connections/${connection.id}`);
    expect(removal.webhookMessage).toContain('delete the webhook');
    expect(removal.webhookMessage).toContain(connection.webhookUrl);
  });

  it('refuses to enable an event pretix does not have', async () => {
    const { s, connection } = await setup();
    await expect(s.admin.post(`/connections/${connection.id}/events/nosuchevent/enable`)).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('has no event "nosuchevent"'),
    });
    expect(await s.store.getEventConfig(connection.id, 'nosuchevent')).toBeUndefined();
  });
});

describe('removal', () => {
  it('removes the webhook with the connection', async () => {
    const { s, toggle, connection } = await setup();
    await toggle(EVENT, true);
    await toggle(SECOND, true);
    const lines: string[] = [];
    await COMMANDS.find((c) => c.name === 'connection remove')!.run(s.admin, {}, [connection.id], (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/Removed pretix webhook \d+/);
    expect(s.pretix.webhooks(ORGANIZER).every((w) => !w.enabled)).toBe(true);
    expect(await s.store.getConnection(connection.id)).toBeUndefined();
  });

  it('says so when pretix cannot be reached: an enable fails, a disable warns, a removal is refused unless forced', async () => {
    const { s, toggle, connection } = await setup();
    await toggle(EVENT, true);
    await s.pretix.close();

    await expect(toggle(SECOND, true)).rejects.toMatchObject({ status: 502, message: expect.stringContaining('Could not enable event') });
    expect(await s.store.getEventConfig(connection.id, SECOND)).toBeUndefined();

    const disabled = await toggle(EVENT, false);
    expect(disabled.enabled).toBe(false);
    expect(disabled.webhook.message).toContain('pretix could not be reached');
    expect(disabled.webhook.message).not.toContain(connection.webhookUrl); // the secret part of the URL is not repeated

    await s.store.flush();
    await expect(s.admin.delete(`/connections/${connection.id}`)).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining('The connection was not removed'),
    });
    expect(await s.store.getConnection(connection.id)).toBeDefined();

    const forced = await s.admin.delete<{ webhookMessage: string }>(`/connections/${connection.id}?force=true`);
    expect(forced.webhookMessage).toContain(`delete the webhook with target URL ${connection.webhookUrl}`);
    expect(await s.store.getConnection(connection.id)).toBeUndefined();
  });
});
