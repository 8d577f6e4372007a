// End to end against a REAL pretix (the pinned PyPI release, see pretix-server.ts): the receiver runs as its own
// OS process, HubSpot is the stateful fake, and pretix's webhooks reach the receiver through a recording proxy
// (webhook-tap.ts) that plays the reverse proxy of a production setup.
//
//   real pretix ──webhook──▶ tap (PUBLIC_URL) ──▶ receiver process ──REST──▶ real pretix
//                                                       └──CRM API──▶ fake HubSpot
//
// Run: npx vitest run --project e2e test/e2e/receiver-real-pretix.test.ts
// The tests run in order and build on each other (one pretix, one receiver, one HubSpot portal).
// A report (pretix version, orders, webhooks, HubSpot writes, timings, differences found) is printed at the end
// and written to .cache/pretix-logs/receiver-e2e-report.txt; the receiver's log goes to receiver.log beside it.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTokenFor } from '../../receiver/app';
import { AdminApiError, createAdminClient, type AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { PretixClient } from '../../receiver/pretix/client';
import { ORDER_ACTIONS } from '../../receiver/pretix/webhook-actions';
import { createSecretBox } from '../../receiver/store/secrets';
import type { SyncJob, SyncRecord } from '../../receiver/store/types';
import { loadEventContext } from '../../receiver/sync/event-context-cache';
import type { ObjectMapping } from '../../receiver/domain/mapping-schema';
import { sourceFieldCatalogue, type SourceField } from '../../receiver/sync/source-fields';
import { startFakeHubSpot, type FakeHubSpot, type StoredObject } from '../fakes/hubspot';
import { freePort } from '../helpers/free-port';
import { startReceiverProcess, type ReceiverProcess } from '../helpers/receiver-process';
import { tempDir } from '../helpers/temp-dir';
import {
  asHubSpotText,
  expectedFieldKeys,
  expectedPositionValues,
  normalizeEmail,
  parsePretixOwnValues,
  pretixOwnValuesScript,
  type PretixFieldInfo,
  type PretixRefs,
  type PretixValue,
} from './datasync-expectations';
import { startRealPretix, type RealPretix } from './pretix-server';
import { startWebhookTap, type WebhookTap } from './webhook-tap';
import { pretixCall } from './pretix-api';

const HERE = dirname(fileURLToPath(import.meta.url));
const LOG_DIR = resolve(HERE, '../../.cache/pretix-logs');

const PORTAL_ID = '7070';
const HUBSPOT_TOKEN = 'pat-eu1-e2e-static-token-0000';
const SECRET_KEY = 'e2e-secret-key-that-is-long-enough-0123456789';

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------------
// The parts of the system, and what the report collects

let pretix: RealPretix | undefined;
let hubspot: FakeHubSpot | undefined;
let tap: WebhookTap | undefined;
let receiver: ReceiverProcess | undefined;
let dataDir: { path: string; remove: () => Promise<void> } | undefined;
let admin: AdminClient;
let connection: PublicConnection;
let refs: PretixRefs;
let catalogue: SourceField[] = [];

const startedAt = Date.now();
const report: string[] = [];
const differences: string[] = [];
const timings: string[] = [];
let ordersCreated = 0;
/** Set when the test had to register the webhook itself because the receiver's enable endpoint did not. */
let webhookRegisteredByTest = false;

function sys(): { pretix: RealPretix; hubspot: FakeHubSpot; tap: WebhookTap; receiver: ReceiverProcess } {
  if (!pretix || !hubspot || !tap || !receiver) throw new Error('the system did not start (see beforeAll)');
  return { pretix, hubspot, tap, receiver };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings.push(`${label}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// pretix REST

interface ApiResponse {
  status: number;
  body: unknown;
}

async function px(method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const { pretix: p } = sys();
  const { status, body: answer } = await pretixCall(p.apiUrl, p.token, method, path, body);
  return { status, body: answer };
}

async function pxOk(method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200): Promise<Json> {
  const res = await px(method, path, body);
  expect(res.status, `${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`).toBe(status);
  return res.body as Json;
}

const orgPath = () => `/organizers/${sys().pretix.organizer}`;
const eventPath = () => `${orgPath()}/events/${sys().pretix.event}`;
const EVENT = () => sys().pretix.event;

async function listAll(path: string): Promise<Json[]> {
  const out: Json[] = [];
  let next: string | null = path;
  while (next) {
    const page = await pxOk('GET', next);
    out.push(...(page.results as Json[]));
    next = (page.next as string | null) ?? null;
  }
  return out;
}

async function getOrder(code: string): Promise<Json> {
  return pxOk('GET', `${eventPath()}/orders/${code}/?include_canceled_positions=true`);
}

async function createOrder(body: Json): Promise<Json> {
  const order = await pxOk('POST', `${eventPath()}/orders/`, { send_email: false, ...body });
  ordersCreated++;
  return order;
}

async function pretixWebhooks(): Promise<Json[]> {
  return listAll(`${orgPath()}/webhooks/`);
}

// ---------------------------------------------------------------------------------------------------------------
// receiver admin API

const recordPath = (code: string) => `/records/${connection.id}/${EVENT()}/${code}`;
const jobKeyOf = (code: string) => `${connection.id}:${EVENT()}:${code}`;

async function record(code: string): Promise<SyncRecord | null> {
  try {
    return (await admin.get<{ record: SyncRecord }>(recordPath(code))).record;
  } catch (error) {
    if (error instanceof AdminApiError && error.status === 404) return null;
    throw error;
  }
}

/**
 * Waits until the receiver has synced `code` after `since` (ms) and holds no job for it any more. Fails at once
 * when the job failed, with the receiver's reason.
 */
async function waitForSync(code: string, since: number, timeoutMs = 30_000): Promise<SyncRecord> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const { jobs } = await admin.get<{ jobs: SyncJob[] }>('/jobs');
    const job = jobs.find((j) => j.key === jobKeyOf(code));
    if (job?.state === 'failed') throw new Error(`sync of ${code} failed (${job.failureClass}): ${job.lastError}`);
    const rec = await record(code);
    if (!job && rec && rec.status === 'synced' && Date.parse(rec.syncedAt) >= since) return rec;
    if (rec?.status === 'failed' && !job) throw new Error(`sync of ${code} failed: ${rec.lastError}`);
    last = `job ${job ? job.state : 'none'}, record ${rec ? `${rec.status} at ${rec.syncedAt}` : 'none'}`;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the sync of ${code} (${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HubSpot side: properties and mappings

/** HubSpot property that receives source field `key` in the all-fields mapping. */
const prop = (key: string) => `pf_${key.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
const SYSTEM_PROPERTIES = new Set(['hs_object_id', 'createdate', 'lastmodifieddate', 'hs_lastmodifieddate']);

const STATUS_WORDS = { n: 'pending', p: 'paid', e: 'expired', c: 'canceled' };
const DEAL_STAGES = { n: 'appointmentscheduled', p: 'closedwon', e: 'closedlost', c: 'closedlost' };

const pm = (pretix_field: string, external_field: string, overwrite: string, valueMap?: Record<string, string>) => ({
  pretix_field,
  external_field,
  overwrite,
  value_map: valueMap ? JSON.stringify(valueMap) : '',
});

/** Mapping 1: buyer contact. 2: one contact per attendee with EVERY source field. 3: the deal. */
function buildMappings(): Json[] {
  return [
    {
      id: 1,
      pretix_model: 'Order',
      external_object_type: 'contacts',
      pretix_id_field: 'email',
      external_id_field: 'email',
      property_mappings: [
        pm('invoice_address_name_given_name', 'firstname', 'overwrite'),
        pm('invoice_address_name_family_name', 'lastname', 'overwrite'),
        pm('invoice_address_company', 'company', 'if_empty'),
        pm('order_code', 'pretix_order_codes', 'append'),
        pm('event_slug', 'pretix_events', 'append'),
        pm('order_status', 'pretix_last_order_status', 'overwrite', STATUS_WORDS),
      ],
    },
    {
      id: 2,
      pretix_model: 'OrderPosition',
      external_object_type: 'contacts',
      pretix_id_field: 'attendee_email',
      external_id_field: 'email',
      property_mappings: [
        ...catalogue.map((f) => pm(f.key, prop(f.key), 'overwrite')),
        pm('attendee_name_given_name', 'firstname', 'if_new'),
        pm('question_city', 'city', 'if_empty'),
        pm('event_slug', 'pretix_events', 'append'),
      ],
    },
    {
      id: 3,
      pretix_model: 'Order',
      external_object_type: 'deals',
      pretix_id_field: 'order_code',
      external_id_field: 'pretix_order_id',
      property_mappings: [
        pm('event_order_code', 'dealname', 'overwrite'),
        pm('order_total', 'amount', 'overwrite'),
        pm('order_status', 'dealstage', 'overwrite', DEAL_STAGES),
        pm('order_date', 'closedate', 'overwrite'),
        pm('email', 'pretix_buyer_email', 'overwrite'),
      ],
      association_mappings: [{ via_mapping_id: 1 }, { via_mapping_id: 2 }],
    },
  ];
}

function mappedProperties(mappingId: number): Set<string> {
  const mapping = buildMappings().find((m) => m.id === mappingId) as unknown as ObjectMapping;
  return new Set([mapping.external_id_field, ...mapping.property_mappings.map((p) => p.external_field)]);
}

function defineHubSpotProperties(hs: FakeHubSpot): void {
  const text = (name: string, label = name) => ({ name, label, type: 'string' as const, fieldType: 'text' as const, groupName: 'pretix' });
  for (const field of catalogue) hs.defineProperty(PORTAL_ID, 'contacts', text(prop(field.key), field.displayLabel));
  for (const name of ['pretix_events', 'pretix_order_codes', 'pretix_last_order_status']) hs.defineProperty(PORTAL_ID, 'contacts', text(name));
  hs.defineProperty(PORTAL_ID, 'deals', { ...text('pretix_order_id', 'pretix-order-id'), hasUniqueValue: true });
  hs.defineProperty(PORTAL_ID, 'deals', text('pretix_buyer_email'));
}

const contactByEmail = (email: string): StoredObject | undefined =>
  sys().hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', email.toLowerCase());
const dealByCode = (code: string): StoredObject | undefined => sys().hubspot.findByProperty(PORTAL_ID, 'deals', 'pretix_order_id', code);
const contacts = () => sys().hubspot.objects(PORTAL_ID, 'contacts');
const deals = () => sys().hubspot.objects(PORTAL_ID, 'deals');

/** The non-system properties an object holds. */
function ownProperties(object: StoredObject): string[] {
  return Object.keys(object.properties).filter((k) => !SYSTEM_PROPERTIES.has(k)).sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing every source field: HubSpot (what our receiver wrote) against the expectation computed here from
// pretix's REST JSON, and (with `askPretix`) both against pretix's own datasync getters run inside pretix.

/**
 * Differences between our receiver and pretix that are known and explained. Each gives the value our receiver is
 * expected to write instead, or null if the difference does not apply; anything else that differs fails.
 */
const KNOWN_DIFFERENCES: Record<string, { why: string; ours: (order: Json, position: Json) => string | null }> = {
  presale_ticket_url: {
    why:
      "pretix links the ticket page /<org>/<event>/ticket/<code>/<positionid>/<web_secret>/; the REST API does not expose a position's " +
      'web_secret, so the receiver writes the order page URL (order.url), which lists the ticket too',
    ours: (order) => String(order.url),
  },
};

interface FieldComparison {
  checked: number;
  knownDifferences: string[];
}

const webSecrets = new Map<number, string>();
let catalogueChecked = false;

/** Our catalogue's labels, types, categories and choices against pretix's own get_data_fields(event). */
function compareCatalogue(theirs: PretixFieldInfo[]): void {
  const problems: string[] = [];
  for (const field of theirs) {
    const ours = catalogue.find((f) => f.key === field.key);
    if (!ours) continue; // key sets are compared separately
    const want = {
      displayLabel: `${field.label} [${field.typeLabel}]`,
      type: field.type,
      category: field.category,
      requiredInput: field.requiredInput,
      deprecated: field.deprecated,
      enum: field.enum,
    };
    const got = {
      displayLabel: ours.displayLabel,
      type: ours.type,
      category: [ours.category.sortIndex, ours.category.label],
      requiredInput: ours.requiredInput,
      deprecated: ours.deprecated,
      enum: (ours.enumOptions ?? []).map((o) => [o.value, o.label]),
    };
    for (const k of Object.keys(want) as (keyof typeof want)[]) {
      if (JSON.stringify(want[k]) !== JSON.stringify(got[k])) {
        problems.push(`catalogue ${field.key}.${k}: pretix ${JSON.stringify(want[k])}, ours ${JSON.stringify(got[k])}`);
      }
    }
  }
  report.push(`source-field catalogue: ${theirs.length} fields compared with pretix's get_data_fields (label, type, category, input, deprecated, choices)`);
  expect(problems, problems.join('\n')).toEqual([]);
  compareFixtureCatalogue(theirs);
}

/**
 * The shared fixture datasync-source-fields.json (read-only, written by reading pretix's source, for another event)
 * against what pretix itself says, for the event-independent fields. Differences are reported, not failed.
 */
function compareFixtureCatalogue(theirs: PretixFieldInfo[]): void {
  const file = join(HERE, '../../../shared/fixtures/pretix/datasync-source-fields.json');
  let fixture: { fields: Json[] };
  try {
    fixture = JSON.parse(readFileSync(file, 'utf8')) as { fields: Json[] };
  } catch {
    report.push(`fixture ${file} not readable: not compared`);
    return;
  }
  let compared = 0;
  for (const field of theirs) {
    if (field.key.startsWith('checkin_date_') || field.key.startsWith('question_')) continue;
    const f = fixture.fields.find((x) => x.key === field.key);
    if (!f) {
      differences.push(`fixture datasync-source-fields.json (read-only): no entry for ${field.key}`);
      continue;
    }
    compared++;
    const pairs: [string, unknown, unknown][] = [
      ['label', f.label, field.label],
      ['type', f.type, field.type],
      ['type_label', f.type_label, field.typeLabel],
      ['category', [f.category_sort_index, f.category], field.category],
      ['required_input', f.required_input, field.requiredInput],
      ['deprecated', f.deprecated, field.deprecated],
      ['enum_opts', f.enum_opts ?? [], field.enum],
    ];
    for (const [what, inFixture, inPretix] of pairs) {
      if (JSON.stringify(inFixture) !== JSON.stringify(inPretix)) {
        differences.push(`fixture datasync-source-fields.json (read-only): ${field.key}.${what} is ${JSON.stringify(inFixture)}, pretix says ${JSON.stringify(inPretix)}`);
      }
    }
  }
  const checkin = fixture.fields.find((x) => String(x.key).startsWith('checkin_date_'));
  if (typeof checkin?.note === 'string' && /first entry/.test(checkin.note)) {
    differences.push(
      `fixture datasync-source-fields.json (read-only) and reference/pretix.md §3: ${String(checkin.key)} is described as the "first entry check-in"; ` +
        'pretix 2026.8.0 gives the LATEST successful entry scan (Checkin ordering -datetime, .first())',
    );
  }
  report.push(`fixture datasync-source-fields.json: ${compared} event-independent fields compared with pretix`);
}

async function compareAllFields(code: string, label: string, askPretix: boolean): Promise<FieldComparison> {
  const { pretix: p } = sys();
  const order = await getOrder(code);
  let own: ReturnType<typeof parsePretixOwnValues> | undefined;
  if (askPretix) {
    own = parsePretixOwnValues(await timed(`pretix shell (datasync getters, ${label})`, () => p.shell(pretixOwnValuesScript(p.organizer, p.event, code))));
    for (const [id, secret] of Object.entries(own.webSecrets)) webSecrets.set(Number(id), secret);
    // pretix's own field list, the one computed here from the reference and our catalogue: all the same.
    expect([...own.keys].sort(), 'pretix get_data_fields keys vs expectedFieldKeys()').toEqual([...expectedFieldKeys(refs)].sort());
    expect(catalogue.map((f) => f.key).sort(), 'our sourceFieldCatalogue(OrderPosition) vs pretix get_data_fields').toEqual([...own.keys].sort());
    if (!catalogueChecked) {
      catalogueChecked = true;
      compareCatalogue(own.fields);
    }
  }

  const mismatches: string[] = [];
  const known: string[] = [];
  let checked = 0;
  for (const position of order.positions as Json[]) {
    const expected = expectedPositionValues(order, position, { ...refs, webSecrets });
    const email = normalizeEmail(position.attendee_email);
    const contact = email ? contactByEmail(email) : undefined;
    if (!email) continue; // identifier empty: pretix and the receiver both skip this object
    if (!contact) {
      mismatches.push(`${label}: no HubSpot contact for position ${String(position.id)} (${email})`);
      continue;
    }
    for (const field of catalogue) {
      const key = field.key;
      const exp = asHubSpotText(expected[key] ?? null);
      if (own) {
        const theirs = asHubSpotText((own.positions[String(position.id)]?.[key] ?? null) as PretixValue);
        if (theirs !== exp) {
          mismatches.push(`${label}: expectation (reference table) vs pretix's own getter for ${key} of position ${String(position.id)}: ${JSON.stringify(exp)} vs ${JSON.stringify(theirs)}`);
        }
      }
      const got = contact.properties[prop(key)] ?? '';
      checked++;
      if (got === exp) continue;
      const knownDiff = KNOWN_DIFFERENCES[key];
      if (knownDiff && knownDiff.ours(order, position) === got) {
        known.push(`${key}: pretix ${JSON.stringify(exp)}, receiver ${JSON.stringify(got)} – ${knownDiff.why}`);
        continue;
      }
      mismatches.push(`${label}: ${key} of position ${String(position.id)}: HubSpot has ${JSON.stringify(got)}, pretix's value is ${JSON.stringify(exp)}`);
    }
    // Exactly the mapped properties, nothing else.
    const extra = ownProperties(contact).filter((k) => !mappedProperties(2).has(k) && !mappedProperties(1).has(k));
    if (extra.length > 0) mismatches.push(`${label}: contact ${email} has unmapped properties ${extra.join(', ')}`);
  }
  for (const line of known) if (!differences.includes(`receiver vs pretix: ${line}`)) differences.push(`receiver vs pretix: ${line}`);
  expect(mismatches, mismatches.join('\n')).toEqual([]);
  report.push(`${label}: ${checked} field values of ${code} compared${own ? " (also against pretix's own datasync getters)" : ''}, ${known.length} known difference(s)`);
  return { checked, knownDifferences: known };
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook registration (the receiver's enable endpoint; a test-side fallback only if it does not do it yet)

const REQUIRED_ACTIONS = [
  'pretix.event.order.placed',
  'pretix.event.order.paid',
  'pretix.event.order.canceled',
  'pretix.event.order.modified',
  'pretix.event.order.contact.changed',
  'pretix.event.order.changed.*',
];

async function ourWebhooks(): Promise<Json[]> {
  return (await pretixWebhooks()).filter((w) => w.target_url === connection.webhookUrl);
}

/** The enabled webhook of ours that covers the event, if any. */
async function activeWebhook(): Promise<Json | undefined> {
  return (await ourWebhooks()).find(
    (w) => w.enabled === true && (w.all_events === true || (w.limit_events as string[]).includes(EVENT())),
  );
}

async function enableEvent(): Promise<Json> {
  const res = await admin.post<{ event: Json }>(`/connections/${connection.id}/events/${EVENT()}/enable`);
  if (!(await activeWebhook()) && webhookRegisteredByTest) {
    // Fallback (reported): the receiver does not register webhooks yet, so the test does what an organizer would.
    const mine = (await ourWebhooks())[0];
    if (mine) await pxOk('PATCH', `${orgPath()}/webhooks/${String(mine.id)}/`, { enabled: true });
    else await registerWebhookFromTest();
  }
  return res.event;
}

async function disableEvent(): Promise<Json> {
  const res = await admin.post<{ event: Json }>(`/connections/${connection.id}/events/${EVENT()}/disable`);
  if (webhookRegisteredByTest) {
    for (const w of await ourWebhooks()) if (w.enabled) await pxOk('DELETE', `${orgPath()}/webhooks/${String(w.id)}/`, undefined, 204);
  }
  return res.event;
}

async function registerWebhookFromTest(): Promise<void> {
  await pxOk('POST', `${orgPath()}/webhooks/`, {
    enabled: true,
    target_url: connection.webhookUrl,
    all_events: false,
    limit_events: [EVENT()],
    action_types: [...ORDER_ACTIONS],
    comment: 'registered by the e2e test (receiver did not)',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

const BUYER_EMAIL = 'Buyer@Bücher.example'; // upper case and an IDN domain, as people type them
const BUYER_HUBSPOT_EMAIL = 'buyer@xn--bcher-kva.example';
const ADA_EMAIL = 'ada@example.org';
const CHARLES_EMAIL = 'charles@bücher.example';
const NEW_BUYER_EMAIL = 'ada.new@example.org';

function allAnswers(city: string, shirt: 'shirtS' | 'shirtM' | 'shirtL') {
  const { ids } = sys().pretix;
  return [
    { question: ids.questions.S, answer: city, options: [] },
    { question: ids.questions.C, answer: 'x', options: [ids.options[shirt]] },
    { question: ids.questions.M, answer: 'x', options: [ids.options.topicOps, ids.options.topicWeb] },
    { question: ids.questions.B, answer: 'false', options: [] },
    { question: ids.questions.N, answer: '3.5', options: [] },
    { question: ids.questions.D, answer: '1990-12-24', options: [] },
  ];
}

let orderA: Json; // the order with everything
let orderB: Json; // a second order of the same buyer

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  try {
    hubspot = await startFakeHubSpot({ rateLimit: { limit: 110, intervalMs: 10_000 } });
    hubspot.addStaticToken(HUBSPOT_TOKEN, PORTAL_ID);
    pretix = await timed('start real pretix', () => startRealPretix());
    const t = pretix.timings;
    report.push(
      `pretix ${pretix.version} at ${pretix.baseUrl}: install ${(t.installMs / 1000).toFixed(1)} s, migrate ${(t.migrateMs / 1000).toFixed(1)} s` +
        `${t.migrateCached ? ' (cached template)' : ' (fresh)'}, fixture ${(t.fixtureMs / 1000).toFixed(1)} s, start ${(t.startMs / 1000).toFixed(1)} s`,
    );

    const port = await freePort();
    tap = await startWebhookTap(`http://127.0.0.1:${port}`);
    dataDir = await tempDir('pretix-hubspot-e2e-');
    receiver = await timed('start receiver process', () =>
      startReceiverProcess({
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: tap!.url,
        DATA_FILE: join(dataDir!.path, 'state.json'),
        SECRET_KEY,
        HUBSPOT_API_URL: hubspot!.url,
        HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
        HUBSPOT_PORTAL_ID: PORTAL_ID,
        LOG_LEVEL: 'info',
        SYNC_RETRY_BASE: '500ms',
        SYNC_RETRY_MAX: '2s',
        // The sweep would find the orders the backfill test creates without webhooks; keep it out of the way.
        RECONCILE_INTERVAL: '24h',
      }),
    );
    const proc = receiver;
    process.once('exit', () => {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    });
    admin = createAdminClient(receiver.url, adminTokenFor(createSecretBox(SECRET_KEY)));

    // The event as pretix serves it, read once: the yardstick's inputs, and our own catalogue built from it.
    const client = new PretixClient({ baseUrl: pretix.baseUrl, organizer: pretix.organizer, token: pretix.token });
    const context = await loadEventContext(client, pretix.organizer, pretix.event);
    catalogue = sourceFieldCatalogue(context, 'OrderPosition');
    refs = {
      baseUrl: pretix.baseUrl,
      organizer: pretix.organizer,
      event: await pxOk('GET', `${eventPath()}/`),
      settings: await pxOk('GET', `${eventPath()}/settings/`),
      items: await listAll(`${eventPath()}/items/`),
      questions: await listAll(`${eventPath()}/questions/`),
      checkinLists: await listAll(`${eventPath()}/checkinlists/`),
    };
    defineHubSpotProperties(hubspot);
  } catch (error) {
    // afterAll stops whatever did start
    console.error('e2e setup failed:', error);
    throw error;
  }
});

afterAll(async () => {
  const hs = hubspot;
  const lines = ['== receiver × real pretix e2e report =='];
  lines.push(...report);
  if (tap) {
    const hooks = tap.webhooks();
    const byAction = new Map<string, number>();
    for (const h of hooks) byAction.set(String(h.body?.action), (byAction.get(String(h.body?.action)) ?? 0) + 1);
    lines.push(
      `webhooks received by the receiver: ${hooks.length} (${[...byAction].map(([a, n]) => `${a} ×${n}`).join(', ')}); ` +
        `answers: ${JSON.stringify(countBy(hooks.map((h) => String((h.answer as Json | null)?.status))))}`,
    );
  }
  lines.push(`orders created in pretix: ${ordersCreated}`);
  if (hs) {
    const counts = hs.routeCounts(PORTAL_ID);
    lines.push(
      `HubSpot objects: ${hs.objects(PORTAL_ID, 'contacts').length} contacts, ${hs.objects(PORTAL_ID, 'deals').length} deals, ` +
        `${hs.requestCount({ portalId: PORTAL_ID })} API requests (${Object.entries(counts).map(([r, n]) => `${r} ${n}`).join(', ')})`,
    );
  }
  if (webhookRegisteredByTest) {
    lines.push('!! the receiver did NOT register its webhook on enable: the test registered it through pretix\'s API (fallback)');
  }
  lines.push(
    "by design: list values (multiple-choice answers) are joined with ';' for HubSpot's multi-checkbox properties, where " +
      "pretix's datasync joins with ','; the field comparison above expects ';'",
  );
  lines.push(`timings: ${timings.join('; ')}; whole file ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  lines.push('== differences found (real pretix vs receiver / fakes / fixtures / reference) ==', ...(differences.length ? differences : ['none']));
  const text = lines.join('\n');
  console.log(text);

  await mkdir(LOG_DIR, { recursive: true }).catch(() => undefined);
  await writeFile(join(LOG_DIR, 'receiver-e2e-report.txt'), `${text}\n`).catch(() => undefined);
  if (receiver) await writeFile(join(LOG_DIR, 'receiver.log'), receiver.output()).catch(() => undefined);

  await Promise.allSettled([
    (async () => {
      if (!receiver) return;
      const r = receiver;
      r.child.kill('SIGTERM');
      await Promise.race([r.kill('SIGTERM'), new Promise((done) => setTimeout(done, 5_000))]);
      await r.kill('SIGKILL');
    })(),
    pretix?.stop(),
    tap?.close(),
    hs?.close(),
  ]);
  await dataDir?.remove();
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

describe('receiver × real pretix', () => {
  it('connects with the real API token; a wrong token or organizer gives a clear 4xx and stores nothing', async () => {
    const { pretix: p } = sys();
    const attempt = async (organizer: string, apiToken: string) => {
      try {
        await admin.post('/connections', { portalId: PORTAL_ID, baseUrl: p.baseUrl, organizer, apiToken });
        return null;
      } catch (error) {
        if (!(error instanceof AdminApiError)) throw error;
        return error;
      }
    };
    const wrongToken = await attempt(p.organizer, 'x'.repeat(64));
    expect(wrongToken, 'a wrong token must be refused').not.toBeNull();
    report.push(`wrong token → ${wrongToken?.status} "${wrongToken?.message}"`);
    expect(wrongToken!.status, wrongToken!.message).toBeGreaterThanOrEqual(400);
    expect(wrongToken!.status, wrongToken!.message).toBeLessThan(500);
    expect(wrongToken!.message).toMatch(/token/i);
    expect(wrongToken!.message).toMatch(/401/);

    const wrongOrganizer = await attempt('no-such-organizer', p.token);
    report.push(`unknown organizer → ${wrongOrganizer?.status} "${wrongOrganizer?.message}"`);
    expect(wrongOrganizer?.status).toBeGreaterThanOrEqual(400);
    expect(wrongOrganizer?.status).toBeLessThan(500);
    expect(wrongOrganizer!.message).toMatch(/no-such-organizer/);

    expect((await admin.get<{ connections: PublicConnection[] }>('/connections')).connections).toEqual([]);

    const created = await admin.post<{ connection: PublicConnection }>('/connections', {
      portalId: PORTAL_ID,
      baseUrl: `${p.baseUrl}/api/v1/`, // pasted with the API path: the receiver keeps the instance root
      organizer: p.organizer,
      apiToken: p.token,
    });
    connection = created.connection;
    expect(connection).toMatchObject({ portalId: PORTAL_ID, baseUrl: p.baseUrl, organizer: p.organizer });
    expect(connection.webhookUrl.startsWith(`${sys().tap.url}/webhooks/pretix/`)).toBe(true);
    const listed = (await admin.get<{ connections: PublicConnection[] }>('/connections')).connections;
    expect(listed.map((c) => c.id)).toEqual([connection.id]);
    expect(JSON.stringify(listed)).not.toContain(p.token);
  });

  it('enabling the event registers the webhook in pretix; disabling takes it away again', async () => {
    const { pretix: p } = sys();
    await admin.put(`/connections/${connection.id}/events/${EVENT()}/mappings`, { object_mappings: buildMappings() });
    await admin.post(`/connections/${connection.id}/events/${EVENT()}/enable`);

    let hook = await activeWebhook();
    if (!hook) {
      webhookRegisteredByTest = true;
      differences.push(
        'receiver: POST /admin/v1/connections/:id/events/:event/enable did not register a webhook in pretix (GET /webhooks/ shows none for ' +
          'our URL); the test registered it through pretix\'s API instead',
      );
      await registerWebhookFromTest();
      hook = await activeWebhook();
    }
    expect(hook, `webhooks in pretix: ${JSON.stringify(await pretixWebhooks())}`).toBeDefined();
    expect(hook).toMatchObject({ enabled: true, target_url: connection.webhookUrl, all_events: false });
    expect(hook!.limit_events).toEqual([p.event]);
    expect(hook!.action_types as string[]).toEqual(expect.arrayContaining(REQUIRED_ACTIONS));
    report.push(`webhook in pretix after enable: id ${String(hook!.id)}, limit_events ${JSON.stringify(hook!.limit_events)}, action types ${(hook!.action_types as string[]).join(', ')}`);
    expect(webhookRegisteredByTest, 'the receiver must register its webhook when the event is enabled').toBe(false);

    await disableEvent();
    const afterDisable = await ourWebhooks();
    // pretix's DELETE only disables; either that or dropping the event from limit_events takes it away.
    expect(afterDisable.every((w) => w.enabled === false || !(w.limit_events as string[]).includes(p.event))).toBe(true);
    expect(await activeWebhook()).toBeUndefined();
    report.push(`after disable: ${JSON.stringify(afterDisable.map((w) => ({ id: w.id, enabled: w.enabled, limit_events: w.limit_events })))}`);

    await enableEvent();
    expect(await activeWebhook()).toBeDefined();
  });

  it('an order with everything reaches HubSpot as exactly the mapped contacts and deal, every source field as pretix has it', async () => {
    const { pretix: p, hubspot: hs, tap: t } = sys();
    const { ids } = p;
    // Someone already has the buyer in HubSpot: append must keep what is there, if_empty must not overwrite.
    const existingBuyer = hs.createObject(PORTAL_ID, 'contacts', { email: BUYER_HUBSPOT_EMAIL, pretix_events: 'otherconf', company: 'Pre-existing Co' });

    const since = Date.now();
    orderA = await createOrder({
      email: BUYER_EMAIL,
      locale: 'de',
      sales_channel: 'web',
      payment_provider: 'manual',
      status: 'n',
      comment: 'e2e order A',
      invoice_address: {
        is_business: true,
        company: 'Example GmbH',
        name_parts: { _scheme: 'given_family', given_name: 'Ada', family_name: 'Buyer' },
        street: 'Main St 1',
        zipcode: '10115',
        city: 'Berlin',
        country: 'DE',
        vat_id: 'DE123456789',
      },
      positions: [
        {
          item: ids.items.conference,
          variation: ids.variations.early,
          attendee_name_parts: { given_name: 'Ada', family_name: 'Lovelace' },
          attendee_email: ADA_EMAIL,
          company: 'Analytical Engines Ltd',
          country: 'GB',
          answers: allAnswers('Vienna', 'shirtM'),
        },
        {
          item: ids.items.workshop,
          attendee_name_parts: { _scheme: 'given_family', given_name: 'Charles', family_name: 'Babbage' },
          attendee_email: CHARLES_EMAIL,
          street: 'Dorset St 1',
          zipcode: 'W1U 4EG',
          city: 'London',
          country: 'GB',
          answers: [{ question: ids.questions.S, answer: 'London', options: [] }],
        },
      ],
    });
    const code = String(orderA.code);
    expect(t.webhooks({ code }).map((h) => h.body?.action)).toEqual(['pretix.event.order.placed']);
    const rec = await timed('sync of the placed order', () => waitForSync(code, since));

    // Exactly the mapped objects: the (pre-existing) buyer, one contact per attendee, one deal.
    expect(contacts().map((c) => c.properties.email).sort()).toEqual(
      [BUYER_HUBSPOT_EMAIL, ADA_EMAIL, 'charles@xn--bcher-kva.example'].sort(),
    );
    expect(deals()).toHaveLength(1);
    const buyer = contactByEmail(BUYER_HUBSPOT_EMAIL)!;
    expect(buyer.id).toBe(existingBuyer.id);
    expect(buyer.properties).toMatchObject({
      firstname: 'Ada',
      lastname: 'Buyer',
      company: 'Pre-existing Co', // if_empty: kept
      pretix_order_codes: code,
      pretix_events: 'otherconf;e2econ', // append
      pretix_last_order_status: 'pending',
    });
    expect(ownProperties(buyer)).toEqual([...mappedProperties(1)].sort());

    const deal = dealByCode(code)!;
    expect(deal.properties).toMatchObject({
      dealname: `E2ECON-${code}`,
      amount: '105.00',
      dealstage: 'appointmentscheduled',
      closedate: new Date(String(orderA.datetime)).toISOString(),
      pretix_buyer_email: 'Buyer@xn--bcher-kva.example',
    });
    expect(ownProperties(deal)).toEqual([...mappedProperties(3)].sort());
    const ada = contactByEmail(ADA_EMAIL)!;
    const charles = contactByEmail('charles@xn--bcher-kva.example')!;
    expect(hs.associations(PORTAL_ID, 'deals', deal.id, 'contacts').sort()).toEqual([buyer.id, ada.id, charles.id].sort());
    expect(ada.properties).toMatchObject({ firstname: 'Ada', city: 'Vienna', pretix_events: 'e2econ' });
    expect(charles.properties).toMatchObject({ firstname: 'Charles', city: 'London' });

    expect(rec.objects.map((o) => `${o.mappingId}:${o.objectType}`).sort()).toEqual(['1:contacts', '2:contacts', '2:contacts', '3:deals']);
    const lowerEmails = [...rec.emails].sort();
    report.push(`sync record emails of ${code}: ${JSON.stringify(lowerEmails)}`);
    // The card finds orders by the contact's email, which HubSpot holds IDNA-normalised.
    expect(lowerEmails).toContain(BUYER_HUBSPOT_EMAIL);

    await compareAllFields(code, 'placed', true);
  });

  it('paid, checked in, answer changed, email changed, canceled: real webhooks, HubSpot per the mapping modes', async () => {
    const { pretix: p, tap: t } = sys();
    const code = String(orderA.code);
    const pos1 = (orderA.positions as Json[])[0]!;
    const actionsSince = (since: number, c = code) => t.webhooks({ code: c, since }).map((h) => String(h.body?.action));
    const seen: string[] = [];

    // 0. a second order of the same buyer: append collects both order codes, the event list gains nothing new
    let since = Date.now();
    orderB = await createOrder({
      email: BUYER_EMAIL,
      locale: 'en',
      invoice_address: { name_parts: { _scheme: 'given_family', given_name: 'Ada', family_name: 'Buyer' }, company: 'Other GmbH', country: 'AT' },
      positions: [{ item: p.ids.items.workshop }],
    });
    const codeB = String(orderB.code);
    expect(actionsSince(since, codeB)).toEqual(['pretix.event.order.placed']);
    const recB = await waitForSync(codeB, since);
    expect(recB.skipped.map((s) => s.mappingId)).toEqual(['2']); // no attendee email: no attendee contact, as in pretix
    expect(contactByEmail(BUYER_HUBSPOT_EMAIL)!.properties).toMatchObject({
      pretix_order_codes: `${code};${codeB}`,
      pretix_events: 'otherconf;e2econ',
      company: 'Pre-existing Co',
    });
    expect(dealByCode(codeB)!.properties).toMatchObject({ amount: '25.00', dealstage: 'appointmentscheduled' });

    // 1. mark paid
    since = Date.now();
    await pxOk('POST', `${eventPath()}/orders/${code}/mark_paid/`, { send_email: false }, 200);
    seen.push(...actionsSince(since));
    expect(actionsSince(since)).toContain('pretix.event.order.paid');
    await waitForSync(code, since);
    expect(dealByCode(code)!.properties.dealstage).toBe('closedwon'); // overwrite through the value map
    expect(contactByEmail(BUYER_HUBSPOT_EMAIL)!.properties.pretix_last_order_status).toBe('paid');
    expect(contactByEmail(ADA_EMAIL)!.properties[prop('order_status')]).toBe('p');

    // 1b. check-ins (entry, exit, entry) – no order webhook for them; a manual sync picks them up
    for (const type of ['entry', 'exit', 'entry']) {
      const r = await pxOk('POST', `${orgPath()}/checkinrpc/redeem/`, { secret: pos1.secret, lists: [p.ids.checkinList], type }, 201);
      expect(r.status).toBe('ok');
      await new Promise((done) => setTimeout(done, 20)); // distinct check-in times
    }
    since = Date.now();
    await admin.post(`/connections/${connection.id}/events/${EVENT()}/orders/${code}/sync`);
    await waitForSync(code, since);
    await compareAllFields(code, 'paid + checked in', true);

    // 2. change an answer: position PATCH replaces the whole answer set
    since = Date.now();
    await pxOk('PATCH', `${eventPath()}/orderpositions/${String(pos1.id)}/`, { answers: allAnswers('Graz', 'shirtL') });
    seen.push(...actionsSince(since));
    expect(actionsSince(since)).toEqual(['pretix.event.order.modified']);
    await waitForSync(code, since);
    const ada = contactByEmail(ADA_EMAIL)!;
    expect(ada.properties[prop('question_city')]).toBe('Graz'); // overwrite
    expect(ada.properties.city).toBe('Vienna'); // if_empty: already filled
    expect(ada.properties[prop('question_shirt')]).toBe('SHIRT-L');
    expect(ada.properties.firstname).toBe('Ada'); // if_new
    await compareAllFields(code, 'answer changed', false);

    // 3. change the order email: a new buyer contact, the deal follows
    since = Date.now();
    await pxOk('PATCH', `${eventPath()}/orders/${code}/`, { email: NEW_BUYER_EMAIL });
    seen.push(...actionsSince(since));
    expect(actionsSince(since)).toEqual(['pretix.event.order.contact.changed']);
    await waitForSync(code, since);
    const newBuyer = contactByEmail(NEW_BUYER_EMAIL)!;
    expect(newBuyer.properties).toMatchObject({ pretix_order_codes: code, pretix_events: 'e2econ', firstname: 'Ada', company: 'Example GmbH' });
    expect(contactByEmail(BUYER_HUBSPOT_EMAIL)!.properties.pretix_order_codes).toBe(`${code};${codeB}`);
    const deal = dealByCode(code)!;
    expect(deal.properties.pretix_buyer_email).toBe(NEW_BUYER_EMAIL);
    expect(sys().hubspot.associations(PORTAL_ID, 'deals', deal.id, 'contacts')).toContain(newBuyer.id);
    await compareAllFields(code, 'email changed', false);

    // 4. cancel
    since = Date.now();
    await pxOk('POST', `${eventPath()}/orders/${code}/mark_canceled/`, { send_email: false }, 200);
    seen.push(...actionsSince(since));
    expect(actionsSince(since)).toEqual(['pretix.event.order.canceled']);
    await waitForSync(code, since);
    expect(dealByCode(code)!.properties.dealstage).toBe('closedlost');
    expect(contactByEmail(NEW_BUYER_EMAIL)!.properties.pretix_last_order_status).toBe('canceled');
    expect(contactByEmail(ADA_EMAIL)!.properties[prop('ticket_status')]).toBe('c');
    expect(contactByEmail(ADA_EMAIL)!.properties.pretix_events).toBe('e2econ'); // append: no duplicate after 5 syncs
    await compareAllFields(code, 'canceled', true);

    report.push(`actions the receiver got for ${code} after placing it: ${seen.join(', ')}`);
    expect(seen.every((a) => ORDER_ACTIONS.includes(a) || a === 'pretix.event.order.payment.confirmed' || a.startsWith('pretix.event.checkin'))).toBe(true);
  });

  it('backfill syncs an event with more than 50 orders created while the webhook was off (real pagination)', async () => {
    const { pretix: p, tap: t } = sys();
    await disableEvent();
    expect(await activeWebhook()).toBeUndefined();

    const since = Date.now();
    const codes = await timed('create 56 orders', async () => {
      const out: string[] = [];
      for (let i = 0; i < 56; i++) {
        const o = await createOrder({
          email: `bulk${i}@example.org`,
          invoice_address: { name_parts: { _scheme: 'given_family', given_name: 'Bulk', family_name: `No${i}` } },
          positions: [{ item: p.ids.items.workshop }],
        });
        out.push(String(o.code));
      }
      return out;
    });
    expect(t.webhooks({ since }), 'no webhook while the event is disabled').toEqual([]);
    const total = Number((await pxOk('GET', `${eventPath()}/orders/?page_size=1`)).count);
    expect(total).toBeGreaterThan(50);

    await enableEvent();
    const started = await timed('backfill', async () => {
      const res = await admin.post<{ backfill: Json }>(`/connections/${connection.id}/events/${EVENT()}/backfill`, {});
      const deadline = Date.now() + 120_000;
      let progress: Json = res.backfill;
      while (progress.state === 'running' || progress.state === undefined) {
        if (Date.now() > deadline) throw new Error(`backfill did not finish: ${JSON.stringify(progress)}`);
        await new Promise((done) => setTimeout(done, 200));
        progress = (await admin.get<{ backfill: Json }>(`/connections/${connection.id}/events/${EVENT()}/backfill`)).backfill;
      }
      return progress;
    });
    report.push(`backfill: ${JSON.stringify(started)}`);
    expect(started).toMatchObject({ state: 'done', total, processed: total, failed: 0 });

    for (const code of codes) {
      const deal = dealByCode(code);
      expect(deal, `deal for ${code}`).toBeDefined();
      expect(deal!.properties).toMatchObject({ dealname: `E2ECON-${code}`, amount: '25.00', dealstage: 'appointmentscheduled' });
    }
    expect(codes.every((_c, i) => contactByEmail(`bulk${i}@example.org`)?.properties.lastname === `No${i}`)).toBe(true);
    // Every order of the event is a deal, nothing twice.
    expect(deals().length).toBe(total);
    expect(new Set(deals().map((d) => d.properties.pretix_order_id)).size).toBe(total);
    const pages = readFileSync(p.serverLog, 'utf8').match(/GET \/api\/v1\/organizers\/e2eorg\/events\/e2econ\/orders\/\?[^ ]*page=2/g) ?? [];
    report.push(`backfill read ${total} orders; the receiver asked pretix for page 2 of the order list ${pages.length} time(s)`);
    expect(pages.length).toBeGreaterThan(0);
  });
});
