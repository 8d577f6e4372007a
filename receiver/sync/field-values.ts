// Value getters for the datasync source fields, reproducing pretix's `get_data_fields` getters
// (pretix/pretix: src/pretix/base/datasync/sourcefields.py) on top of REST API data instead of Django models.
// Pure: no I/O, everything comes from the order and the event context.
import { domainToASCII } from 'node:url';
import type { I18nString, PretixOrder, PretixPosition, PretixQuestion } from '../pretix/schemas';
import type { EventContext } from './event-context';

/** What a getter returns, as in pretix: choice fields give lists, booleans stay booleans, the rest strings or null. */
export type FieldValue = string | boolean | string[] | null;

export interface FieldInput {
  order: PretixOrder;
  position?: PretixPosition;
}

// ---------------------------------------------------------------------------------------------------------------
// Name schemes (pretix `PERSON_NAME_SCHEMES`): the keys and labels of each component, and how pretix joins them.
// ---------------------------------------------------------------------------------------------------------------

type NameParts = Record<string, unknown>;

export interface NameScheme {
  fields: readonly { key: string; label: string }[];
  concatenate: (parts: NameParts) => string;
}

const part = (parts: NameParts, key: string): string => {
  const value = parts[key];
  return typeof value === 'string' ? value : value == null ? '' : String(value);
};
const joinNonEmpty = (values: string[], separator = ' '): string => values.filter((v) => v !== '').join(separator);

const GIVEN = { key: 'given_name', label: 'Given name' };
const FIRST = { key: 'given_name', label: 'First name' };
const FAMILY = { key: 'family_name', label: 'Family name' };
const TITLE = { key: 'title', label: 'Title' };
const MIDDLE = { key: 'middle_name', label: 'Middle name' };
const FULL = { key: 'full_name', label: 'Full name' };
const SALUTATION = { key: 'salutation', label: 'Salutation' };

export const NAME_SCHEMES: Record<string, NameScheme> = {
  given_family: {
    fields: [GIVEN, FAMILY],
    concatenate: (p) => joinNonEmpty([part(p, 'given_name'), part(p, 'family_name')]),
  },
  title_given_family: {
    fields: [TITLE, GIVEN, FAMILY],
    concatenate: (p) => joinNonEmpty([part(p, 'title'), part(p, 'given_name'), part(p, 'family_name')]),
  },
  given_middle_family: {
    fields: [FIRST, MIDDLE, FAMILY],
    concatenate: (p) => joinNonEmpty([part(p, 'given_name'), part(p, 'middle_name'), part(p, 'family_name')]),
  },
  title_given_middle_family: {
    fields: [TITLE, FIRST, MIDDLE, FAMILY],
    concatenate: (p) =>
      joinNonEmpty([part(p, 'title'), part(p, 'given_name'), part(p, 'middle_name'), part(p, 'family_name')]),
  },
  family_given: {
    fields: [FAMILY, GIVEN],
    concatenate: (p) => joinNonEmpty([part(p, 'family_name'), part(p, 'given_name')]),
  },
  family_nospace_given: {
    fields: [GIVEN, FAMILY],
    concatenate: (p) => joinNonEmpty([part(p, 'family_name'), part(p, 'given_name')], ''),
  },
  family_comma_given: {
    fields: [GIVEN, FAMILY],
    concatenate: (p) => joinNonEmpty([part(p, 'family_name'), part(p, 'given_name')], ', '),
  },
  full: { fields: [{ key: 'full_name', label: 'Name' }], concatenate: (p) => part(p, 'full_name') },
  calling_full: {
    fields: [{ key: 'calling_name', label: 'Calling name' }, FULL],
    concatenate: (p) => part(p, 'full_name'),
  },
  full_transcription: {
    fields: [FULL, { key: 'latin_transcription', label: 'Latin transcription' }],
    concatenate: (p) => part(p, 'full_name'),
  },
  // The salutation schemes exist in newer pretix releases than the stored settings.py snapshot; their labels are
  // pretix's wording, the salutation itself is not part of the displayed name.
  salutation_given_family: {
    fields: [SALUTATION, GIVEN, FAMILY],
    concatenate: (p) => joinNonEmpty([part(p, 'given_name'), part(p, 'family_name')]),
  },
  salutation_title_given_family: {
    fields: [SALUTATION, TITLE, GIVEN, FAMILY],
    concatenate: (p) => joinNonEmpty([part(p, 'title'), part(p, 'given_name'), part(p, 'family_name')]),
  },
  salutation_title_given_family_degree: {
    fields: [SALUTATION, TITLE, GIVEN, FAMILY, { key: 'degree', label: 'Degree (after name)' }],
    concatenate: (p) =>
      joinNonEmpty([
        joinNonEmpty([part(p, 'title'), part(p, 'given_name'), part(p, 'family_name')]),
        part(p, 'degree'),
      ], ', '),
  },
};

/** pretix's default scheme is `full`; an unknown scheme (a newer pretix) is treated like it rather than failing. */
export function eventNameScheme(ctx: EventContext): NameScheme {
  return NAME_SCHEMES[ctx.settings.name_scheme ?? 'full'] ?? (NAME_SCHEMES.full as NameScheme);
}

/** The displayed name for stored name parts, like pretix's `attendee_name` / `InvoiceAddress.name` properties. */
export function nameFromParts(parts: NameParts | null | undefined, ctx: EventContext): string | null {
  if (!hasNameParts(parts)) return null;
  if (typeof parts._legacy === 'string') return parts._legacy;
  const scheme = (typeof parts._scheme === 'string' && NAME_SCHEMES[parts._scheme]) || eventNameScheme(ctx);
  return scheme.concatenate(parts).trim();
}

/** pretix treats `{}` as "no name"; `{"_scheme": …}` alone still counts as a (blank) name, as in Python. */
function hasNameParts(parts: NameParts | null | undefined): parts is NameParts {
  return parts != null && Object.keys(parts).length > 0;
}

function splitNameOnLastSpace(name: string | null, index: 0 | 1): string {
  if (!name) return '';
  const at = name.lastIndexOf(' ');
  const pieces = at < 0 ? [name] : [name.slice(0, at), name.slice(at + 1)];
  return pieces[index] ?? '';
}

// ---------------------------------------------------------------------------------------------------------------
// Small value helpers
// ---------------------------------------------------------------------------------------------------------------

/** The language pretix renders the event in: its default locale, else its first locale, else English. */
export function eventLocale(ctx: EventContext): string {
  return ctx.settings.locale ?? ctx.settings.locales?.[0] ?? 'en';
}

/** Like `str(LazyI18nString)`: the wanted language, its base language, English, then any non-empty translation. */
export function localize(value: I18nString | null | undefined, locale: string): string {
  if (value == null) return '';
  if (typeof value === 'string') return value;
  const base = locale.split('-')[0] ?? locale;
  for (const candidate of [locale, base, 'en']) {
    const text = value[candidate];
    if (text) return text;
  }
  return Object.values(value).find((text) => text !== '') ?? '';
}

/** pretix `normalize_email`: IDNA (punycode) for the domain; the local part is kept as typed. */
export function normalizeEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  if (at < 0) return email;
  const host = email.slice(at + 1);
  // domainToASCII returns '' for a host it cannot encode; keep what pretix stored rather than losing the address.
  return `${email.slice(0, at)}@${domainToASCII(host) || host}`;
}

export function emailDomain(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  return at < 0 ? null : email.slice(at + 1);
}

/**
 * pretix serialises datetimes with Python's `isoformat()`, which writes UTC as `+00:00`; the REST API writes `Z`.
 * Both are ISO 8601; converting keeps our values identical to pretix's own datasync output.
 */
export function isoDateTime(value: string | null | undefined): string | null {
  if (!value) return null;
  return value.endsWith('Z') ? `${value.slice(0, -1)}+00:00` : value;
}

function parentOf(position: PretixPosition, order: PretixOrder): PretixPosition | undefined {
  if (position.addon_to == null) return undefined;
  return order.positions.find((candidate) => candidate.id === position.addon_to);
}

// ---------------------------------------------------------------------------------------------------------------
// Getters
// ---------------------------------------------------------------------------------------------------------------

type Getter = (input: Required<FieldInput>, ctx: EventContext) => FieldValue;
type OrderGetter = (order: PretixOrder, ctx: EventContext) => FieldValue;

function attendeeName(position: PretixPosition, order: PretixOrder, ctx: EventContext): string | null {
  const own = nameFromParts(position.attendee_name_parts, ctx) || position.attendee_name;
  if (own) return own;
  const parent = parentOf(position, order);
  return parent ? nameFromParts(parent.attendee_name_parts, ctx) || parent.attendee_name || null : null;
}

function attendeeEmail(position: PretixPosition, order: PretixOrder): string | null {
  return position.attendee_email || parentOf(position, order)?.attendee_email || null;
}

/** Attendee address fields fall back to the parent position for add-ons, as pretix does. */
function attendeeAttribute(key: 'company' | 'street' | 'zipcode' | 'city'): Getter {
  return ({ position, order }) => position[key] || parentOf(position, order)?.[key] || null;
}

function invoiceAttribute(key: 'company' | 'street' | 'zipcode' | 'city' | 'country'): OrderGetter {
  // pretix reads an unsaved, empty InvoiceAddress when there is none, whose text fields are ''.
  return (order) => order.invoice_address?.[key] ?? '';
}

function invoiceName(order: PretixOrder, ctx: EventContext): string {
  const address = order.invoice_address;
  if (!address) return '';
  return nameFromParts(address.name_parts, ctx) || address.name || '';
}

function productName(position: PretixPosition, ctx: EventContext): string | null {
  const item = ctx.items.find((candidate) => candidate.id === position.item);
  if (!item) return null;
  const locale = eventLocale(ctx);
  const name = item.internal_name || localize(item.name, locale);
  const variation = position.variation == null ? undefined : item.variations.find((v) => v.id === position.variation);
  return variation ? `${name} – ${localize(variation.value, locale)}` : name;
}

/** pretix: `None` while pending, else the latest `payment_date` over all payments (confirmed or since refunded). */
function paymentDate(order: PretixOrder): string | null {
  if (order.status === 'n') return null;
  let latest: string | null = null;
  for (const payment of order.payments) {
    if (payment.payment_date && (latest === null || Date.parse(payment.payment_date) > Date.parse(latest))) {
      latest = payment.payment_date;
    }
  }
  return isoDateTime(latest);
}

function voucherCode(position: PretixPosition, ctx: EventContext): string | null {
  if (position.voucher == null) return '';
  // The order API exposes only the voucher's id; its code is known only if the caller loaded the event's vouchers.
  return ctx.vouchers?.find((voucher) => voucher.id === position.voucher)?.code ?? null;
}

function eventOrSubeventDate(which: 'date_from' | 'date_to'): Getter {
  return ({ position }, ctx) => {
    if (position.subevent == null) return isoDateTime(ctx.event[which]);
    const subevent = ctx.subevents?.find((candidate) => candidate.id === position.subevent);
    // A date of a series we know nothing about: the series' own dates would be wrong, so report no value.
    return subevent ? isoDateTime(subevent[which]) : null;
  };
}

/** The first successful entry scan on the list (pretix: `checkins.filter(list, type=entry).first()`). */
/**
 * The entry scan on that list that pretix reports: its getter takes `.first()` of the check-ins ordered by
 * `-datetime`, i.e. the LATEST entry (the reference's "first entry check-in" reads otherwise; real pretix decides).
 */
function latestEntryCheckin(position: PretixPosition, listId: number): string | null {
  let latest: string | null = null;
  for (const checkin of position.checkins) {
    if (checkin.list !== listId || checkin.type !== 'entry' || checkin.successful === false) continue;
    if (latest === null || Date.parse(checkin.datetime) > Date.parse(latest)) latest = checkin.datetime;
  }
  return isoDateTime(latest);
}

function answerValue(position: PretixPosition, order: PretixOrder, question: PretixQuestion): FieldValue {
  const find = (p: PretixPosition | undefined) =>
    p?.answers.find((a) => a.question === question.id || a.question_identifier === question.identifier);
  const answer = find(position) ?? find(parentOf(position, order));
  if (!answer) return '';
  if (question.type === 'C' || question.type === 'M') {
    if (answer.option_identifiers.length > 0 || answer.options.length === 0) return [...answer.option_identifiers];
    // Older API data may carry only option ids: translate them through the question's options.
    return answer.options.flatMap((id) => question.options.find((o) => o.id === id)?.identifier ?? []);
  }
  if (question.type === 'B') return answer.answer === 'True';
  return answer.answer ?? '';
}

const ORDER_GETTERS: Record<string, OrderGetter> = {
  invoice_address_company: invoiceAttribute('company'),
  invoice_address_name: invoiceName,
  invoice_address_street: invoiceAttribute('street'),
  invoice_address_zipcode: invoiceAttribute('zipcode'),
  invoice_address_city: invoiceAttribute('city'),
  invoice_address_country: invoiceAttribute('country'),
  email: (order) => normalizeEmail(order.email),
  email_domain: (order) => emailDomain(normalizeEmail(order.email)),
  order_code: (order) => order.code,
  event_order_code: (order, ctx) => `${ctx.event.slug.toUpperCase()}-${order.code}`,
  order_total: (order) => order.total,
  event_slug: (_order, ctx) => ctx.event.slug,
  event_name: (_order, ctx) => localize(ctx.event.name, eventLocale(ctx)),
  order_status: (order) => [order.status],
  order_date: (order) => isoDateTime(order.datetime),
  payment_date: paymentDate,
  order_locale: (order) => (order.locale ? [order.locale] : []),
  presale_order_url: (order) => order.url ?? null,
};

const POSITION_GETTERS: Record<string, Getter> = {
  attendee_name: ({ position, order }, ctx) => attendeeName(position, order, ctx),
  attendee_email: ({ position, order }) => normalizeEmail(attendeeEmail(position, order)),
  attendee_or_order_email: ({ position, order }) => normalizeEmail(attendeeEmail(position, order) || order.email),
  attendee_company: attendeeAttribute('company'),
  attendee_street: attendeeAttribute('street'),
  attendee_zipcode: attendeeAttribute('zipcode'),
  attendee_city: attendeeAttribute('city'),
  // pretix falls back to the parent's *name* here (a slip in sourcefields.py); the parent's country is meant.
  attendee_country: ({ position, order }) => position.country || parentOf(position, order)?.country || '',
  product: ({ position }, ctx) => productName(position, ctx),
  product_id: ({ position }) => String(position.item),
  product_is_admission: ({ position }, ctx) => {
    const item = ctx.items.find((candidate) => candidate.id === position.item);
    return item ? item.admission : null;
  },
  event_date_from: eventOrSubeventDate('date_from'),
  event_date_to: eventOrSubeventDate('date_to'),
  voucher_code: ({ position }, ctx) => voucherCode(position, ctx),
  ticket_id: ({ position, order }) => `${order.code}-${position.positionid}`,
  ticket_price: ({ position }) => position.price,
  ticket_status: ({ position, order }) => [position.canceled ? 'c' : order.status],
  position_id: ({ position }) => String(position.id),
  // The real ticket page is `<event URL>/ticket/<code>/<positionid>/<web secret>/`, and the REST API does not expose
  // the position's web secret. The order page (order.url) lists this ticket too, so it is the closest working link.
  presale_ticket_url: ({ order }) => order.url ?? null,
};

/**
 * Computes one field's raw value (before value maps and list joining). The caller, the catalogue, has already
 * checked that the key exists for this event and that a position is given for position fields.
 */
export function computeFieldValue(key: string, input: FieldInput, ctx: EventContext): FieldValue {
  const orderGetter = ORDER_GETTERS[key];
  if (orderGetter) return orderGetter(input.order, ctx);
  if (key.startsWith('invoice_address_name_')) {
    return invoiceNamePart(key.slice('invoice_address_name_'.length), input.order, ctx);
  }

  const { position } = input;
  if (!position) throw new Error(`field ${key} needs an order position`);
  const full = { order: input.order, position };
  const positionGetter = POSITION_GETTERS[key];
  if (positionGetter) return positionGetter(full, ctx);
  if (key.startsWith('attendee_name_')) return attendeeNamePart(key.slice('attendee_name_'.length), full, ctx);
  if (key.startsWith('checkin_date_')) return latestEntryCheckin(position, Number(key.slice('checkin_date_'.length)));
  if (key.startsWith('question_')) {
    const identifier = key.slice('question_'.length);
    const question = ctx.questions.find((q) => q.identifier === identifier);
    if (question) return answerValue(position, input.order, question);
  }
  throw new Error(`no getter for field ${key}`);
}

function schemeHas(ctx: EventContext, partKey: string): boolean {
  return eventNameScheme(ctx).fields.some((f) => f.key === partKey);
}

function attendeeNamePart(partKey: string, { position, order }: Required<FieldInput>, ctx: EventContext): string {
  if (!schemeHas(ctx, partKey)) {
    // The deprecated auto-split fields, offered when the scheme has no given/family component.
    return splitNameOnLastSpace(attendeeName(position, order, ctx), partKey === 'given_name' ? 0 : 1);
  }
  const own = position.attendee_name_parts;
  const parts = hasNameParts(own) ? own : parentOf(position, order)?.attendee_name_parts;
  return hasNameParts(parts) ? part(parts, partKey) : '';
}

function invoiceNamePart(partKey: string, order: PretixOrder, ctx: EventContext): string {
  if (!schemeHas(ctx, partKey)) {
    return splitNameOnLastSpace(invoiceName(order, ctx), partKey === 'given_name' ? 0 : 1);
  }
  const parts = order.invoice_address?.name_parts;
  return hasNameParts(parts) ? part(parts, partKey) : '';
}
