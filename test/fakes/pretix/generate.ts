// Deterministic, lazily materialised orders for load tests. A generated order is stored as a small summary
// (code, email, status, times); its full JSON is rebuilt from (batch seed, index) whenever it is served, so the fake
// can hold 100,000 orders in a few tens of MB. `summarize` and `materialize` draw from the same random sequence in
// the same order, so the summary always agrees with the JSON.
import type { Json } from './types';

export type OrderStatus = 'n' | 'p' | 'e' | 'c';

export interface GenerateOptions {
  /** Default: a fixed seed per call, so runs are reproducible. */
  seed?: number;
  /** One status for all orders, or weights per status (default p 75, n 15, c 7, e 3). */
  status?: OrderStatus | Partial<Record<OrderStatus, number>>;
  /** Share of test-mode orders (default 0). */
  testmodeRate?: number;
  /** Share of orders with a second position (default 0.3). */
  secondPositionRate?: number;
  /** Share of two-position orders whose second position is canceled (default 0.1). */
  canceledPositionRate?: number;
  /** Creation time of the first order (default: after the event's newest order, or 2025-02-01). */
  startDate?: string | Date;
  /** Time between two orders (default 60 s). */
  spacingMs?: number;
}

export interface GenBatch {
  seed: number;
  organizer: string;
  event: string;
  nameScheme: string;
  currency: string;
  publicUrl: string;
  startMs: number;
  spacingMs: number;
  statusWeights: [OrderStatus, number][];
  testmodeRate: number;
  secondPositionRate: number;
  canceledPositionRate: number;
  /** First position id of this batch; order i uses ids positionIdBase + 2i and + 2i + 1. */
  positionIdBase: number;
  items: Json[];
  questions: Json[];
}

export interface OrderSummary {
  code: string;
  email: string;
  status: OrderStatus;
  testmode: boolean;
  datetimeMs: number;
  lastModifiedMs: number;
}

const GIVEN = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia',
  'Tim', 'Hedy', 'Donald', 'Karen', 'John', 'Sophie', 'Lukas', 'Mia', 'Jonas', 'Emma', 'Noah', 'Lea', 'Finn', 'Anna',
  'Paul', 'Clara', 'Felix', 'Marie', 'Elias', 'Zoë', 'José', 'Łukasz', 'Aiko', 'Chidi', 'Priya'];
const FAMILY = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen',
  'Dijkstra', 'Perlman', 'Berners-Lee', 'Lamarr', 'Knuth', 'Spärck Jones', 'Backus', 'Müller', 'Schmidt', 'Schneider',
  'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Hoffmann', 'Schulz', 'Koch', 'Richter', 'Klein', 'Wolf',
  'García', 'Nakamura', 'Okafor', 'Patel', 'Nowak', 'Jensen'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.de', 'corp.example'];
const COMPANIES = ['Example Analytics GmbH', 'Acme Widgets Ltd', 'Initech AG', 'Globex SE', 'Umbrella BV', 'Hooli Inc.'];
const ROLES = ['Head of Data', 'Backend Developer', 'CTO', 'Product Manager', 'Student', 'Designer', 'SRE', 'Researcher'];
const ADDRESSES: { country: string; city: string; zipcode: string; street: string; state: string }[] = [
  { country: 'DE', city: 'Berlin', zipcode: '10117', street: 'Friedrichstraße 123', state: '' },
  { country: 'DE', city: 'München', zipcode: '80331', street: 'Marienplatz 8', state: '' },
  { country: 'AT', city: 'Wien', zipcode: '1010', street: 'Graben 21', state: '' },
  { country: 'CH', city: 'Zürich', zipcode: '8001', street: 'Bahnhofstrasse 1', state: '' },
  { country: 'NL', city: 'Amsterdam', zipcode: '1012 JS', street: 'Damrak 70', state: '' },
  { country: 'GB', city: 'London', zipcode: 'EC1A 1BB', street: '1 King Street', state: '' },
  { country: 'US', city: 'San Francisco', zipcode: '94103', street: '500 Howard St', state: 'US-CA' },
];
const CODE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CODE_SPACE = 36 ** 5;
// Odd and not a multiple of 3, hence coprime to 36^5: n → n·K mod 36^5 visits every 5-character code once.
const CODE_STRIDE = 16_777_619;

/** The n-th code of a fake-wide sequence: unique for n < 36^5, and spread out so codes look random. */
export function codeForSequence(n: number): string {
  let value = (n * CODE_STRIDE + 9_876_543) % CODE_SPACE;
  let code = '';
  for (let i = 0; i < 5; i += 1) {
    code = CODE_CHARS[value % 36]! + code;
    value = Math.floor(value / 36);
  }
  return code;
}

/** mulberry32: tiny, fast and good enough for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const iso = (ms: number) => new Date(ms).toISOString();
const money = (cents: number) => (cents / 100).toFixed(2);

const emailLocals = new Map<string, string>();
function emailLocal(given: string, family: string): string {
  const key = `${given}.${family}`;
  let local = emailLocals.get(key);
  if (local === undefined) {
    local = key
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/ł/gi, 'l')
      .replace(/[^A-Za-z.-]/g, '')
      .toLowerCase();
    emailLocals.set(key, local);
  }
  return local;
}

function nameParts(scheme: string, given: string, family: string): Json {
  if (scheme === 'full') return { _scheme: 'full', full_name: `${given} ${family}` };
  // given_family and the other given/family-based schemes; the extra parts (title, salutation) stay empty.
  return { _scheme: scheme, given_name: given, family_name: family };
}

export function statusWeights(status: GenerateOptions['status']): [OrderStatus, number][] {
  if (typeof status === 'string') return [[status, 1]];
  const weights = status ?? { p: 75, n: 15, c: 7, e: 3 };
  return (Object.entries(weights) as [OrderStatus, number][]).filter(([, w]) => w > 0);
}

function drawStatus(random: () => number, weights: [OrderStatus, number][]): OrderStatus {
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [status, w] of weights) {
    r -= w;
    if (r < 0) return status;
  }
  return weights[weights.length - 1]![0];
}

interface Drawn extends OrderSummary {
  random: () => number;
  given: string;
  family: string;
}

/** The first draws of an order's sequence: exactly what the store needs to filter and sort. */
/** A pending order's last_modified is this long after its creation (the order's emails and its log entry). */
export const PENDING_MODIFIED_AFTER_MS = 400;

function draw(batch: GenBatch, index: number, sequence: number): Drawn {
  const random = rng((batch.seed * 1_000_003 + index) ^ 0x5bd1e995);
  const status = drawStatus(random, batch.statusWeights);
  const testmode = random() < batch.testmodeRate;
  const given = pick(random, GIVEN);
  const family = pick(random, FAMILY);
  const domain = pick(random, DOMAINS);
  const datetimeMs = batch.startMs + index * batch.spacingMs + Math.floor(random() * batch.spacingMs * 0.9);
  // Paid orders were touched again at payment, a few minutes later; others shortly after creation.
  const lastModifiedMs = datetimeMs + (status === 'n' ? PENDING_MODIFIED_AFTER_MS : Math.floor(60_000 + random() * 600_000));
  return {
    code: codeForSequence(sequence),
    email: `${emailLocal(given, family)}.${sequence}@${domain}`,
    status,
    testmode,
    datetimeMs,
    lastModifiedMs,
    random,
    given,
    family,
  };
}

export function summarize(batch: GenBatch, index: number, sequence: number): OrderSummary {
  const { code, email, status, testmode, datetimeMs, lastModifiedMs } = draw(batch, index, sequence);
  return { code, email, status, testmode, datetimeMs, lastModifiedMs };
}

/** Lower-case alphanumerics like pretix's secrets; eight base-36 digits per draw keeps this cheap. */
function secret(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 36 ** 8).toString(36).padStart(8, '0');
  return out.slice(0, length);
}

function i18nText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const map = value as Record<string, string>;
    return map.en ?? Object.values(map)[0] ?? '';
  }
  return '';
}

function answerFor(random: () => number, question: Json, address: (typeof ADDRESSES)[number]): Json | null {
  const options = (question.options as Json[] | undefined) ?? [];
  const base = { question: question.id, question_identifier: question.identifier };
  const plain = (answer: string) => ({ ...base, answer, options: [], option_identifiers: [] });
  switch (question.type) {
    case 'S':
      return plain(pick(random, ROLES));
    case 'T':
      return plain(`Looking forward to the ${pick(random, ['talks', 'workshops', 'hallway track'])}.`);
    case 'N':
      return plain(String(1 + Math.floor(random() * 25)));
    case 'B':
      return plain(random() < 0.6 ? 'True' : 'False');
    case 'D':
      return plain(`19${60 + Math.floor(random() * 40)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`);
    case 'H':
      return plain(`${10 + Math.floor(random() * 8)}:00:00`);
    case 'W':
      return plain('2025-05-20T09:00:00Z');
    case 'TEL':
      return plain(`+49151${String(Math.floor(random() * 1e8)).padStart(8, '0')}`);
    case 'CC':
      return plain(address.country);
    case 'C':
    case 'M': {
      if (options.length === 0) return null;
      const chosen = question.type === 'C' ? [pick(random, options)] : options.filter(() => random() < 0.5);
      if (chosen.length === 0) chosen.push(options[0]!);
      return {
        ...base,
        answer: chosen.map((o) => i18nText(o.answer)).join(', '),
        options: chosen.map((o) => o.id),
        option_identifiers: chosen.map((o) => o.identifier),
      };
    }
    default:
      // File uploads (F) and unknown types: left unanswered.
      return null;
  }
}

function productFor(random: () => number, items: Json[]): { item: number; variation: number | null; cents: number } {
  const admission = items.filter((i) => i.admission !== false);
  const item = pick(random, admission.length > 0 ? admission : items);
  const variations = (item.variations as Json[] | undefined) ?? [];
  const variation = variations.length > 0 ? pick(random, variations) : null;
  const price = (variation?.price ?? variation?.default_price ?? item.default_price ?? '0.00') as string;
  return { item: item.id as number, variation: (variation?.id as number | undefined) ?? null, cents: Math.round(Number(price) * 100) };
}

/** The full order JSON as pretix's order detail endpoint returns it with `include_canceled_positions=true`. */
export function materialize(batch: GenBatch, index: number, sequence: number): Json {
  const d = draw(batch, index, sequence);
  const { random } = d;
  const address = pick(random, ADDRESSES);
  const isBusiness = random() < 0.35;
  const company = isBusiness ? pick(random, COMPANIES) : '';
  const hasInvoiceAddress = random() < 0.85;
  const positionCount = random() < batch.secondPositionRate ? 2 : 1;
  const secondCanceled = positionCount === 2 && random() < batch.canceledPositionRate;
  const orderSecret = secret(random, 16);

  const positions: Json[] = [];
  let totalCents = 0;
  for (let p = 0; p < positionCount; p += 1) {
    const attendeeGiven = p === 0 ? d.given : pick(random, GIVEN);
    const attendeeFamily = p === 0 ? d.family : pick(random, FAMILY);
    const product = productFor(random, batch.items);
    const canceled = p === 1 && secondCanceled;
    if (!canceled) totalCents += product.cents;
    const answers: Json[] = [];
    for (const question of batch.questions) {
      const forItems = (question.items as number[] | undefined) ?? [];
      if (forItems.length > 0 && !forItems.includes(product.item)) continue;
      if (!question.required && random() < 0.2) continue;
      const answer = answerFor(random, question, address);
      if (answer) answers.push(answer);
    }
    const id = batch.positionIdBase + index * 2 + p;
    positions.push({
      id,
      order: d.code,
      positionid: p + 1,
      canceled,
      item: product.item,
      variation: product.variation,
      price: money(product.cents),
      attendee_name: `${attendeeGiven} ${attendeeFamily}`,
      attendee_name_parts: nameParts(batch.nameScheme, attendeeGiven, attendeeFamily),
      attendee_email: p === 0 ? d.email : `${emailLocal(attendeeGiven, attendeeFamily)}.${sequence}-${p + 1}@${pick(random, DOMAINS)}`,
      company: p === 0 && isBusiness ? company : null,
      street: null,
      zipcode: null,
      city: null,
      country: p === 0 ? address.country : null,
      state: null,
      voucher: null,
      voucher_budget_use: null,
      tax_rate: '19.00',
      tax_rule: 1,
      tax_value: money(Math.round(product.cents - product.cents / 1.19)),
      tax_code: null,
      secret: secret(random, 32),
      addon_to: null,
      subevent: null,
      valid_from: null,
      valid_until: null,
      blocked: null,
      discount: null,
      pseudonymization_id: secret(random, 10).toUpperCase(),
      seat: null,
      checkins: [],
      print_logs: [],
      answers,
      downloads: [],
      plugin_data: {},
    });
  }

  const total = money(totalCents);
  const datetime = iso(d.datetimeMs);
  const paidAt = iso(d.lastModifiedMs - 150);
  const paymentState = { p: 'confirmed', n: 'created', c: 'canceled', e: 'canceled' }[d.status];
  return {
    code: d.code,
    event: batch.event,
    status: d.status,
    testmode: d.testmode,
    secret: orderSecret,
    url: `${batch.publicUrl}order/${d.code}/${orderSecret}/`,
    email: d.email,
    phone: null,
    customer: null,
    locale: 'en',
    sales_channel: 'web',
    datetime,
    expires: iso(d.datetimeMs + 14 * 86_400_000),
    last_modified: iso(d.lastModifiedMs),
    payment_date: d.status === 'p' ? paidAt.slice(0, 10) : null,
    payment_provider: 'banktransfer',
    fees: [],
    total,
    tax_rounding_mode: 'line',
    comment: '',
    api_meta: {},
    custom_followup_at: null,
    checkin_attention: false,
    checkin_text: null,
    require_approval: false,
    valid_if_pending: false,
    invoice_address: hasInvoiceAddress
      ? {
          last_modified: datetime,
          company,
          is_business: isBusiness,
          name: `${d.given} ${d.family}`,
          name_parts: nameParts(batch.nameScheme, d.given, d.family),
          street: address.street,
          zipcode: address.zipcode,
          city: address.city,
          country: address.country,
          state: address.state,
          internal_reference: '',
          custom_field: null,
          vat_id: isBusiness && address.country !== 'US' ? `${address.country}${100_000_000 + sequence}` : '',
          vat_id_validated: false,
          transmission_type: 'email',
          // pretix 2026.8.0 answers null here for the default transmission type "email".
          transmission_info: null,
        }
      : null,
    positions,
    downloads: [],
    payments: [
      {
        local_id: 1,
        state: paymentState,
        amount: total,
        created: datetime,
        payment_date: d.status === 'p' ? paidAt : null,
        // Only a payment still to be made has a link to pay it (pretix: state "created").
        payment_url: paymentState === 'created' ? `${batch.publicUrl}order/${d.code}/${orderSecret}/pay/1/` : null,
        details: {},
        provider: 'banktransfer',
      },
    ],
    refunds: [],
    cancellation_date: d.status === 'c' ? iso(d.lastModifiedMs) : null,
    plugin_data: {},
  };
}
