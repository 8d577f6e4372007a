// Issue 13, point 1: an organizer-wide mapping set used by 50 events. Editing it re-syncs exactly those events'
// orders (each once, in background backfills of the changed mapping) within both rate limits, and an edit that does
// not fit one of its events is refused naming that event, with nothing saved. Driven over the admin API (what the
// CLI calls) against the loopback fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectMappingDto } from '../../src/app/shared/api-types';
import { objectMappingsSchema } from '../../receiver/domain/mapping-schema';
import type { MappingSetSummary, SavedMappingSet } from '../../receiver/connections/mapping-set-service';
import type { Json } from '../fakes/pretix';
import { loadFixture } from '../fixtures';
import { adminTokenFor } from '../../receiver/app';
import { createSecretBox } from '../../receiver/store/secrets';
import { ORGANIZER, PORTAL_ID, SECRET_KEY, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { buyerAndDealMappings, defineOrderIdProperty } from '../helpers/mappings';

const HUBSPOT_LIMIT = { limit: 30, intervalMs: 1_000 };
const PRETIX_LIMIT = { limit: 50, intervalMs: 1_000 };
const SET_EVENTS = Array.from({ length: 50 }, (_, n) => `edition-${String(n).padStart(2, '0')}`);
const OWN_EVENTS = ['workshop-a', 'workshop-b', 'workshop-c'];
/** Uses the set too, but has no ROLE question. */
const ODD_EVENT = 'edition-no-role';

/** The admin API's answer as status and body (the admin client throws on errors, so this calls it directly). */
async function adminPut(stack: Stack, path: string, body: unknown) {
  const response = await fetch(`${stack.receiverUrl}/admin/v1${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminTokenFor(createSecretBox(SECRET_KEY))}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; message?: string; fieldErrors?: Record<string, string> } };
}

/** Attendee → contact, with the answer to the ROLE question as the company. */
const roleMapping = (): ObjectMappingDto => ({
  id: 3,
  pretix_model: 'OrderPosition',
  external_object_type: 'contacts',
  pretix_id_field: 'attendee_email',
  external_id_field: 'email',
  property_mappings: [{ pretix_field: 'question_ROLE', external_field: 'company', value_map: '', overwrite: 'if_empty' }],
  association_mappings: [],
});

describe('a mapping set used by 50 events', () => {
  let stack: Stack;
  let base: string;
  const codesByEvent = new Map<string, string[]>();

  beforeAll(async () => {
    stack = await startStack({
      hubspotRateLimit: HUBSPOT_LIMIT,
      pretixRateLimit: PRETIX_LIMIT,
      env: { HUBSPOT_RATE_LIMIT: '30/1s', PRETIX_RATE_LIMIT: '50/1s' },
    });
    defineOrderIdProperty(stack.hubspot, PORTAL_ID);
    const items = loadFixture<{ results: Json[] }>('items.json').results;
    const questions = loadFixture<{ results: (Json & { identifier: string })[] }>('questions.json').results;
    for (const event of [...SET_EVENTS, ...OWN_EVENTS]) {
      stack.pretix.addEvent(ORGANIZER, { slug: event }, { items, questions });
      codesByEvent.set(event, stack.pretix.generateOrders(ORGANIZER, event, 3));
    }
    stack.pretix.addEvent(ORGANIZER, { slug: ODD_EVENT }, { items, questions: questions.filter((q) => q.identifier !== 'ROLE') });
    const connection = await stack.connect();
    base = `/connections/${connection.id}`;
    // Enabled the way a running installation has them (enabling 54 events through the API is another test's
    // subject); the events in OWN_EVENTS sync with their own copy of the same mappings.
    const mappings = objectMappingsSchema.parse(buyerAndDealMappings());
    for (const event of [...SET_EVENTS, ...OWN_EVENTS, ODD_EVENT]) {
      await stack.store.saveEventConfig({ connectionId: connection.id, event, enabled: true, mappings: OWN_EVENTS.includes(event) ? mappings : [], webhookMode: 'registered', updatedAt: new Date().toISOString() });
    }
    const created = await stack.admin.put<SavedMappingSet>(`${base}/mapping-sets/season`, { name: 'Season', mappings: { object_mappings: buyerAndDealMappings() } });
    expect(created.events).toEqual([]);
    for (const event of [...SET_EVENTS, ODD_EVENT]) await stack.admin.put(`${base}/events/${event}/mapping-set`, { set: 'season' });
  }, 120_000);
  afterAll(() => stack?.close());

  it('lists the set with the events that use it', async () => {
    const { sets } = await stack.admin.get<{ sets: MappingSetSummary[] }>(`${base}/mapping-sets`);
    expect(sets.map((s) => s.set.id)).toEqual(['season']);
    expect(new Set(sets[0]!.events)).toEqual(new Set([...SET_EVENTS, ODD_EVENT]));
  });

  it('refuses an edit that does not fit one of its events, naming it, and saves nothing', async () => {
    const before = await stack.store.getMappingSet((await stack.store.listConnections())[0]!.id, 'season');
    const refused = await adminPut(stack, `${base}/mapping-sets/season`, { mappings: { object_mappings: [...buyerAndDealMappings(), roleMapping()] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_mappings');
    expect(refused.body.message).toContain(ODD_EVENT);
    const keys = Object.keys(refused.body.fieldErrors ?? {});
    // Reported for the one event that lacks the question, and for no other.
    expect(keys).toEqual([`events.${ODD_EVENT}.mappings.2.property_mappings.0.pretix_field`]);
    expect(await stack.store.getMappingSet(before!.connectionId, 'season')).toEqual(before);
    expect(await stack.store.listBackfills()).toEqual([]);
  });

  it('re-syncs exactly the orders of the events that use the set, each once, within both rate limits', async () => {
    // The odd event goes back to its own (empty) mappings, so the set below fits every event that still uses it.
    await stack.admin.put(`${base}/events/${ODD_EVENT}/mapping-set`, { set: null });
    stack.hubspot.resetTraffic();
    stack.pretix.resetStats();
    const edited = buyerAndDealMappings();
    edited[1]!.property_mappings = edited[1]!.property_mappings.filter((p) => p.external_field !== 'dealname');
    const saved = await stack.admin.put<SavedMappingSet>(`${base}/mapping-sets/season`, { mappings: { object_mappings: edited } });
    expect(saved.resync.changedMappingIds).toEqual(['2']);
    expect(new Set(saved.resync.started)).toEqual(new Set(SET_EVENTS));
    expect(saved.resync.notStarted).toEqual([]);

    await waitFor(
      async () => (await stack.store.listBackfills()).length === SET_EVENTS.length && (await stack.store.listBackfills()).every((b) => b.state === 'done'),
      'the 50 backfills',
      90_000,
    );
    const upserts = new Map<string, number>();
    for (const input of stack.hubspot.upsertInputs(PORTAL_ID, 'deals')) upserts.set(input.id, (upserts.get(input.id) ?? 0) + 1);
    const expected = new Map(SET_EVENTS.flatMap((event) => codesByEvent.get(event)!.map((code) => [code, 1] as const)));
    expect(Object.fromEntries(upserts)).toEqual(Object.fromEntries(expected));
    // The deals now carry the edited mapping: no deal name.
    const deal = stack.hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', codesByEvent.get(SET_EVENTS[7]!)![0]!);
    expect(deal?.properties.dealname).toBeUndefined();

    expect(stack.hubspot.rateLimitedCount(PORTAL_ID)).toBe(0);
    expect(stack.hubspot.maxRequestsInAnyWindow(PORTAL_ID)).toBeLessThanOrEqual(HUBSPOT_LIMIT.limit);
    expect(stack.pretix.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(stack.pretix.maxRequestsInAnyWindow(ORGANIZER, PRETIX_LIMIT.intervalMs)).toBeLessThanOrEqual(PRETIX_LIMIT.limit);
  }, 120_000);
});
