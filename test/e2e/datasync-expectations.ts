// What pretix's datasync would put into each source field, computed independently of the receiver from the raw
// REST JSON of a real pretix (order with include_canceled_positions=true, event, items, questions, check-in lists).
//
// Written from /work/shared/reference/pretix.md §3 ("Source fields") and checked against the getters of the
// installed pretix 2026.8.0 (pretix/base/datasync/sourcefields.py). Where the two disagree, this follows pretix
// and says so in a comment. Deliberately shares no code with receiver/sync/: this is the yardstick for it.
//
// Values are pretix's raw getter results: string | boolean | string[] (choice fields) | null.
// `asHubSpotText()` turns one into what a HubSpot string property holds after our receiver wrote it.

type Json = Record<string, unknown>;
export type PretixValue = string | boolean | string[] | null;

export interface PretixRefs {
  baseUrl: string;
  organizer: string;
  event: Json;
  /** GET …/settings/ (name_scheme, locales). */
  settings: Json;
  items: Json[];
  questions: Json[];
  checkinLists: Json[];
  /** Web secrets of positions by id: pretix's ticket link needs them, and the REST API does not expose them. */
  webSecrets?: Map<number, string>;
}

/** The source-field keys pretix offers for an event (get_data_fields), computed from the raw REST data. */
export function expectedFieldKeys(refs: PretixRefs): string[] {
  const parts = nameSchemeParts(String(refs.settings.name_scheme ?? 'full'));
  const keys = [
    'attendee_name',
    ...parts.map((p) => `attendee_name_${p}`),
    'attendee_email',
    'attendee_or_order_email',
    'attendee_company',
    'attendee_street',
    'attendee_zipcode',
    'attendee_city',
    'attendee_country',
    'invoice_address_company',
    'invoice_address_name',
    ...parts.map((p) => `invoice_address_name_${p}`),
    'invoice_address_street',
    'invoice_address_zipcode',
    'invoice_address_city',
    'invoice_address_country',
    'email',
    'email_domain',
    'order_code',
    'event_order_code',
    'order_total',
    'product',
    'product_id',
    'product_is_admission',
    'event_slug',
    'event_name',
    'event_date_from',
    'event_date_to',
    'voucher_code',
    'ticket_id',
    'ticket_price',
    'order_status',
    'ticket_status',
    'order_date',
    'payment_date',
    'order_locale',
    'position_id',
    'presale_order_url',
    'presale_ticket_url',
    ...refs.checkinLists.map((l) => `checkin_date_${String(l.id)}`),
    ...refs.questions.filter((q) => q.type !== 'F').map((q) => `question_${String(q.identifier)}`),
  ];
  for (const part of ['given_name', 'family_name']) {
    if (!parts.includes(part)) keys.push(`attendee_name_${part}`, `invoice_address_name_${part}`);
  }
  return keys;
}

/** Component keys of pretix's PERSON_NAME_SCHEMES for the schemes our tests use. */
function nameSchemeParts(scheme: string): string[] {
  const known: Record<string, string[]> = {
    full: ['full_name'],
    given_family: ['given_name', 'family_name'],
    title_given_family: ['title', 'given_name', 'family_name'],
    family_given: ['family_name', 'given_name'],
  };
  const parts = known[scheme];
  if (!parts) throw new Error(`datasync-expectations: add the parts of name scheme ${scheme}`);
  return parts;
}

/**
 * Python's `str.encode("idna")` for the domains the tests use. Hard-coded on purpose: computing punycode here
 * with the same library the receiver uses would prove nothing.
 */
const IDNA: Record<string, string> = {
  'bücher.example': 'xn--bcher-kva.example',
};

function idnaHost(host: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(host)) return host;
  const ascii = IDNA[host.toLowerCase()];
  if (!ascii) throw new Error(`datasync-expectations: add the IDNA form of ${host}`);
  return ascii;
}

/** pretix normalize_email: the host IDNA-encoded, the local part (and its case) as stored. */
export function normalizeEmail(email: unknown): string | null {
  if (typeof email !== 'string' || email === '') return null;
  const at = email.lastIndexOf('@');
  return `${email.slice(0, at)}@${idnaHost(email.slice(at + 1))}`;
}

/**
 * Python's `datetime.isoformat()` of an aware UTC datetime, from the REST API's rendering of the same value (DRF
 * writes `+00:00` as `Z`; microseconds are kept by both).
 */
export function pyIso(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  return value.endsWith('Z') ? `${value.slice(0, -1)}+00:00` : value;
}

/** `str(LazyI18nString)` with no language activated, as in pretix's sync task: settings.LANGUAGE_CODE (en). */
function i18n(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const map = value as Record<string, string>;
    return map.en || Object.values(map).find((v) => v) || '';
  }
  return '';
}

const truthy = (v: unknown): boolean => v !== null && v !== undefined && v !== '' && v !== false;
/** Python's `a or b or c` for JSON values ({} and [] are falsy too). */
function or(...values: unknown[]): unknown {
  for (const v of values) {
    if (v && typeof v === 'object' && Object.keys(v).length === 0) continue;
    if (truthy(v)) return v;
  }
  return values[values.length - 1];
}

const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Every (position, key) value pretix's getters give for an OrderPosition mapping (order and event fields included). */
export function expectedPositionValues(order: Json, position: Json, refs: PretixRefs): Record<string, PretixValue> {
  const out: Record<string, PretixValue> = {};
  for (const key of expectedFieldKeys(refs)) out[key] = expectedValue(key, order, position, refs);
  return out;
}

export function expectedValue(key: string, order: Json, position: Json, refs: PretixRefs): PretixValue {
  const positions = asArray(order.positions);
  const parent = position.addon_to == null ? undefined : positions.find((p) => p.id === position.addon_to);
  const ia = (order.invoice_address as Json | null) ?? null;
  const item = refs.items.find((i) => i.id === position.item);
  const code = String(order.code);
  const eventSlug = String(refs.event.slug);
  const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  const schemeParts = nameSchemeParts(String(refs.settings.name_scheme ?? 'full'));

  // Name parts: `position.attendee_name_parts or parent's or {}`, then `.get(k, "")`.
  if (key.startsWith('attendee_name_') && schemeParts.includes(key.slice('attendee_name_'.length))) {
    const parts = or(position.attendee_name_parts, parent?.attendee_name_parts, {}) as Json;
    return str(parts[key.slice('attendee_name_'.length)]) ?? '';
  }
  if (key.startsWith('invoice_address_name_') && schemeParts.includes(key.slice('invoice_address_name_'.length))) {
    const parts = (or(ia?.name_parts, {}) as Json) ?? {};
    return str(parts[key.slice('invoice_address_name_'.length)]) ?? '';
  }
  if (key === 'attendee_name_given_name' || key === 'attendee_name_family_name') {
    // Deprecated auto-split, only offered for schemes without that component.
    const name = String(position.attendee_name ?? '');
    return splitOnLastSpace(name, key.endsWith('given_name') ? 0 : 1);
  }
  if (key === 'invoice_address_name_given_name' || key === 'invoice_address_name_family_name') {
    return splitOnLastSpace(String(ia?.name ?? ''), key.endsWith('given_name') ? 0 : 1);
  }
  if (key.startsWith('checkin_date_')) {
    // pretix: position.checkins.filter(list=…, type=entry).first(), and Checkin's default ordering is
    // -datetime: the LATEST successful entry scan. (reference/pretix.md says "first entry check-in"; pretix's code
    // gives the most recent one.) The REST API lists only successful check-ins.
    const listId = Number(key.slice('checkin_date_'.length));
    const entries = asArray(position.checkins).filter((c) => c.list === listId && (c.type ?? 'entry') === 'entry');
    if (entries.length === 0) return null;
    const latest = entries.reduce((a, b) => (Date.parse(String(b.datetime)) > Date.parse(String(a.datetime)) ? b : a));
    return pyIso(latest.datetime);
  }
  if (key.startsWith('question_')) {
    const identifier = key.slice('question_'.length);
    const question = refs.questions.find((q) => q.identifier === identifier);
    if (!question) throw new Error(`no question ${identifier}`);
    const find = (p: Json | undefined) => asArray(p?.answers).find((a) => a.question_identifier === identifier);
    // pretix looks at the parent first and lets the position's own answer win.
    const answer = find(position) ?? find(parent);
    if (!answer) return '';
    if (question.type === 'C' || question.type === 'M') return asArray(answer.option_identifiers).map(String);
    if (question.type === 'B') return answer.answer === 'True';
    return str(answer.answer);
  }

  switch (key) {
    case 'attendee_name':
      return str(or(position.attendee_name, parent?.attendee_name ?? null));
    case 'attendee_email':
      return normalizeEmail(or(position.attendee_email, parent?.attendee_email ?? null));
    case 'attendee_or_order_email':
      return normalizeEmail(or(position.attendee_email, parent?.attendee_email ?? null, order.email));
    case 'attendee_company':
    case 'attendee_street':
    case 'attendee_zipcode':
    case 'attendee_city': {
      const field = key.slice('attendee_'.length);
      return str(or(position[field], parent?.[field] ?? null));
    }
    case 'attendee_country':
      // pretix: str(position.country or (position.addon_to.attendee_name if position.addon_to else "")) – the
      // parent's *name*, a slip in pretix; only add-ons without their own country are affected (none here).
      return String(or(position.country, parent ? parent.attendee_name : '') ?? '');
    case 'invoice_address_company':
    case 'invoice_address_street':
    case 'invoice_address_zipcode':
    case 'invoice_address_city':
    case 'invoice_address_country':
    case 'invoice_address_name':
      // No invoice address: pretix reads an unsaved InvoiceAddress() whose text fields are "".
      return str(ia?.[key.slice('invoice_address_'.length)]) ?? '';
    case 'email':
      return normalizeEmail(order.email);
    case 'email_domain': {
      const email = normalizeEmail(order.email);
      return email === null ? null : email.slice(email.lastIndexOf('@') + 1);
    }
    case 'order_code':
      return code;
    case 'event_order_code':
      return `${eventSlug.toUpperCase()}-${code}`;
    case 'order_total':
      return str(order.total);
    case 'product': {
      if (!item) return null;
      const base = i18n(item.internal_name) || i18n(item.name);
      const variation = asArray(item.variations).find((v) => v.id === position.variation);
      return variation ? `${base} – ${i18n(variation.value)}` : base;
    }
    case 'product_id':
      return String(position.item);
    case 'product_is_admission':
      return item ? item.admission === true : null;
    case 'event_slug':
      return eventSlug;
    case 'event_name':
      return i18n(refs.event.name);
    case 'event_date_from':
    case 'event_date_to':
      if (position.subevent != null) throw new Error('datasync-expectations: subevents are not modelled');
      return pyIso(refs.event[key.slice('event_'.length)]);
    case 'voucher_code':
      if (position.voucher == null) return '';
      throw new Error('datasync-expectations: vouchers are not modelled');
    case 'ticket_id':
      return `${code}-${String(position.positionid)}`;
    case 'ticket_price':
      return str(position.price);
    case 'order_status':
      return [String(order.status)];
    case 'ticket_status':
      return [position.canceled === true ? 'c' : String(order.status)];
    case 'order_date':
      return pyIso(order.datetime);
    case 'payment_date': {
      // None while pending, else Max(payment_date) over all payments, whatever their state.
      if (order.status === 'n') return null;
      const dates = asArray(order.payments).map((p) => p.payment_date).filter((d): d is string => typeof d === 'string');
      if (dates.length === 0) return null;
      return pyIso(dates.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)));
    }
    case 'order_locale':
      return [String(order.locale)];
    case 'position_id':
      return String(position.id);
    case 'presale_order_url':
      return `${refs.baseUrl}/${refs.organizer}/${eventSlug}/order/${code}/${String(order.secret)}/`;
    case 'presale_ticket_url': {
      const webSecret = refs.webSecrets?.get(Number(position.id));
      if (!webSecret) return null;
      return `${refs.baseUrl}/${refs.organizer}/${eventSlug}/ticket/${code}/${String(position.positionid)}/${webSecret}/`;
    }
    default:
      throw new Error(`datasync-expectations: no expectation for field ${key}`);
  }
}

function splitOnLastSpace(name: string, part: 0 | 1): string {
  const at = name.lastIndexOf(' ');
  const pieces = at < 0 ? [name] : [name.slice(0, at), name.slice(at + 1)];
  return pieces[part] ?? '';
}

/**
 * The text a HubSpot string property holds once our receiver wrote a pretix value with mode overwrite:
 * lists joined with ";" (the receiver's joiner for HubSpot; pretix's own default is ","), booleans as
 * "true"/"false", and null or "" as no value at all (HubSpot clears a property set to "").
 */
export function asHubSpotText(value: PretixValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return value.join(';');
  return value;
}

/**
 * The Python script that asks the installed pretix itself: every field of get_data_fields(event), evaluated by
 * pretix's own getters for every position of the order, plus each position's web secret. Prints one line
 * `E2E_DATASYNC_JSON=<json>`.
 */
export function pretixOwnValuesScript(organizer: string, event: string, code: string): string {
  return `
import json
from django_scopes import scopes_disabled
from pretix.base.models import Event, Question
from pretix.base.datasync.sourcefields import get_data_fields

with scopes_disabled():
    ev = Event.objects.get(organizer__slug=${JSON.stringify(organizer)}, slug=${JSON.stringify(event)})
    fields = get_data_fields(ev)
    order = ev.orders.get(code=${JSON.stringify(code)})
    type_labels = {k: str(v) for k, v in Question.TYPE_CHOICES}
    out = {
        "keys": [f.key for f in fields],
        "fields": [
            {
                "key": f.key,
                "label": str(f.label),
                "type": f.type,
                "typeLabel": type_labels.get(f.type),
                "category": [f.category.sort_index, str(f.category.label)],
                "requiredInput": f.required_input,
                "deprecated": bool(f.deprecated),
                "enum": [[str(k), str(v)] for k, v in (f.enum_opts or [])],
            }
            for f in fields
        ],
        "positions": {},
        "webSecrets": {},
    }
    for op in order.all_positions.all():
        inputs = {"position": op, "order": order, "event": ev, "event_or_subevent": op.subevent or ev}
        out["positions"][str(op.pk)] = {f.key: f.getter(inputs[f.required_input]) for f in fields}
        out["webSecrets"][str(op.pk)] = op.web_secret
    print("E2E_DATASYNC_JSON=" + json.dumps(out, default=str))
`;
}

export interface PretixFieldInfo {
  key: string;
  label: string;
  type: string;
  typeLabel: string | null;
  category: [number, string];
  requiredInput: string;
  deprecated: boolean;
  /** [value, label] pairs of choice fields, [] otherwise. */
  enum: [string, string][];
}

export interface PretixOwnValues {
  keys: string[];
  /** get_data_fields(event) as pretix describes each field (labels in English). */
  fields: PretixFieldInfo[];
  positions: Record<string, Record<string, PretixValue>>;
  webSecrets: Record<string, string>;
}

export function parsePretixOwnValues(stdout: string): PretixOwnValues {
  const line = stdout.split('\n').find((l) => l.startsWith('E2E_DATASYNC_JSON='));
  if (!line) throw new Error(`pretix shell printed no E2E_DATASYNC_JSON line:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('E2E_DATASYNC_JSON='.length)) as PretixOwnValues;
}
