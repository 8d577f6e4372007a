// The catalogue of pretix datasync source fields (pretix `get_data_fields(event, for_model)`): keys, labels, types
// and categories exactly as pretix shows them, so mappings written for pretix's own HubSpot plugin read unchanged.
import type { PretixOrder, PretixPosition, PretixQuestion, QuestionType } from '../pretix/schemas';
import { SyncConfigError } from '../domain/errors';
import type { EventContext } from './event-context';
import { computeFieldValue, eventLocale, eventNameScheme, localize, type FieldValue } from './field-values';

export type RequiredInput = 'order' | 'position' | 'event' | 'event_or_subevent';

export interface SourceField {
  key: string;
  label: string;
  type: QuestionType;
  typeLabel: string;
  /** `Label [Type label]`, as in pretix's field choice list. */
  displayLabel: string;
  category: { sortIndex: number; label: string };
  requiredInput: RequiredInput;
  enumOptions?: { value: string; label: string }[];
  deprecated: boolean;
}

export type PretixModel = 'Order' | 'OrderPosition';

/** Which inputs each pretix model provides (pretix `AVAILABLE_MODELS`). */
export const MODEL_INPUTS: Record<PretixModel, readonly RequiredInput[]> = {
  OrderPosition: ['position', 'order', 'event_or_subevent', 'event'],
  Order: ['order', 'event'],
};

export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  N: 'Number',
  S: 'Text (one line)',
  T: 'Multiline text',
  B: 'Yes/No',
  C: 'Choose one from a list',
  M: 'Choose multiple from a list',
  F: 'File upload',
  D: 'Date',
  H: 'Time',
  W: 'Date and time',
  CC: 'Country code (ISO 3166-1 alpha-2)',
  TEL: 'Phone number',
};

export const CATEGORIES = {
  orderPosition: { sortIndex: 10, label: 'Order position details' },
  attendee: { sortIndex: 11, label: 'Attendee details' },
  questions: { sortIndex: 12, label: 'Questions' },
  product: { sortIndex: 20, label: 'Product details' },
  order: { sortIndex: 21, label: 'Order details' },
  invoiceAddress: { sortIndex: 22, label: 'Invoice address' },
  event: { sortIndex: 30, label: 'Event information' },
  eventOrSubevent: { sortIndex: 31, label: 'Event or date information' },
} as const;

type Category = (typeof CATEGORIES)[keyof typeof CATEGORIES];

/** pretix `Order.STATUS_CHOICE`. */
const ORDER_STATUS_OPTIONS = [
  { value: 'n', label: 'pending' },
  { value: 'p', label: 'paid' },
  { value: 'e', label: 'expired' },
  { value: 'c', label: 'canceled' },
];

const LEGACY_SUFFIX = ' (⚠️ auto-generated, not recommended)';

function field(
  requiredInput: RequiredInput,
  category: Category,
  key: string,
  label: string,
  type: QuestionType,
  extra: { enumOptions?: SourceField['enumOptions']; deprecated?: boolean } = {},
): SourceField {
  const typeLabel = QUESTION_TYPE_LABELS[type];
  return {
    key,
    label,
    type,
    typeLabel,
    displayLabel: `${label} [${typeLabel}]`,
    category: { sortIndex: category.sortIndex, label: category.label },
    requiredInput,
    ...(extra.enumOptions ? { enumOptions: extra.enumOptions } : {}),
    deprecated: extra.deprecated ?? false,
  };
}

/**
 * Every source field of the event, in pretix's order. With `forModel`, only the fields whose input that model
 * provides (an `Order` mapping cannot use position fields).
 */
export function sourceFieldCatalogue(ctx: EventContext, forModel?: PretixModel): SourceField[] {
  const all = allFields(ctx);
  if (!forModel) return all;
  const available = MODEL_INPUTS[forModel];
  return all.filter((f) => available.includes(f.requiredInput));
}

function allFields(ctx: EventContext): SourceField[] {
  const locale = eventLocale(ctx);
  const scheme = eventNameScheme(ctx);
  const singlePartScheme = scheme.fields.length === 1;
  const S = 'S' as const;
  const { attendee, invoiceAddress, order, product, event, eventOrSubevent, orderPosition, questions } = CATEGORIES;
  const locales = ctx.settings.locales ?? (ctx.settings.locale ? [ctx.settings.locale] : []);

  const fields: SourceField[] = [
    field('position', attendee, 'attendee_name', 'Attendee name', S),
    ...scheme.fields.map((p) =>
      field('position', attendee, `attendee_name_${p.key}`, `Attendee: ${p.label}`, S, { deprecated: singlePartScheme }),
    ),
    field('position', attendee, 'attendee_email', 'Attendee email', S),
    field('position', attendee, 'attendee_or_order_email', 'Attendee or order email', S),
    field('position', attendee, 'attendee_company', 'Attendee company', S),
    field('position', attendee, 'attendee_street', 'Attendee address street', S),
    field('position', attendee, 'attendee_zipcode', 'Attendee address ZIP code', S),
    field('position', attendee, 'attendee_city', 'Attendee address city', S),
    field('position', attendee, 'attendee_country', 'Attendee address country', 'CC'),
    field('order', invoiceAddress, 'invoice_address_company', 'Invoice address company', S),
    field('order', invoiceAddress, 'invoice_address_name', 'Invoice address name', S),
    ...scheme.fields.map((p) =>
      field('order', invoiceAddress, `invoice_address_name_${p.key}`, `Invoice address: ${p.label}`, S, {
        deprecated: singlePartScheme,
      }),
    ),
    field('order', invoiceAddress, 'invoice_address_street', 'Invoice address street', S),
    field('order', invoiceAddress, 'invoice_address_zipcode', 'Invoice address ZIP code', S),
    field('order', invoiceAddress, 'invoice_address_city', 'Invoice address city', S),
    field('order', invoiceAddress, 'invoice_address_country', 'Invoice address country', 'CC'),
    field('order', order, 'email', 'Order email', S),
    field('order', order, 'email_domain', 'Order email domain', S),
    field('order', order, 'order_code', 'Order code', S),
    field('order', order, 'event_order_code', 'Event and order code', S),
    field('order', order, 'order_total', 'Order total', 'N'),
    field('position', product, 'product', 'Product and variation name', S),
    field('position', product, 'product_id', 'Product ID', 'N'),
    field('position', product, 'product_is_admission', 'Product is admission product', 'B'),
    field('event', event, 'event_slug', 'Event short form', S),
    field('event', event, 'event_name', 'Event name', S),
    field('event_or_subevent', eventOrSubevent, 'event_date_from', 'Event start date', 'W'),
    field('event_or_subevent', eventOrSubevent, 'event_date_to', 'Event end date', 'W'),
    field('position', orderPosition, 'voucher_code', 'Voucher code', S),
    field('position', orderPosition, 'ticket_id', 'Order code and position number', S),
    field('position', orderPosition, 'ticket_price', 'Ticket price', 'N'),
    field('order', order, 'order_status', 'Order status', 'C', { enumOptions: ORDER_STATUS_OPTIONS }),
    field('position', orderPosition, 'ticket_status', 'Ticket status', 'C', { enumOptions: ORDER_STATUS_OPTIONS }),
    field('order', order, 'order_date', 'Order date and time', 'W'),
    field('order', order, 'payment_date', 'Payment date and time', 'W'),
    field('order', order, 'order_locale', 'Order locale', 'C', {
      enumOptions: locales.map((lc) => ({ value: lc, label: lc })),
    }),
    field('position', orderPosition, 'position_id', 'Order position ID', 'N'),
    field('order', order, 'presale_order_url', 'Order link', S),
    field('position', orderPosition, 'presale_ticket_url', 'Ticket link', S),
    ...ctx.checkinLists.map((list) =>
      field('position', orderPosition, `checkin_date_${list.id}`, `Check-in datetime on list ${list.name}`, 'W'),
    ),
    ...sortedQuestions(ctx.questions)
      .filter((q) => q.type !== 'F')
      .map((q) =>
        field('position', questions, `question_${q.identifier}`, `Question: ${localize(q.question, locale)}`, q.type, {
          ...(q.type === 'C' || q.type === 'M'
            ? { enumOptions: q.options.map((o) => ({ value: o.identifier, label: localize(o.answer, locale) })) }
            : {}),
        }),
      ),
  ];

  // Schemes without a given/family component still offer those two, split on the last space and marked deprecated.
  for (const partKey of ['given_name', 'family_name'] as const) {
    if (scheme.fields.some((p) => p.key === partKey)) continue;
    const partLabel = partKey === 'given_name' ? 'Given name' : 'Family name';
    fields.push(
      field('position', attendee, `attendee_name_${partKey}`, `Attendee: ${partLabel}${LEGACY_SUFFIX}`, S, {
        deprecated: true,
      }),
      field('order', invoiceAddress, `invoice_address_name_${partKey}`, `Invoice address: ${partLabel}${LEGACY_SUFFIX}`, S, {
        deprecated: true,
      }),
    );
  }
  return fields;
}

/** pretix lists questions by their `position`, then id. */
function sortedQuestions(questions: PretixQuestion[]): PretixQuestion[] {
  const rank = (q: PretixQuestion) => (typeof q.position === 'number' ? q.position : 0);
  return [...questions].sort((a, b) => rank(a) - rank(b) || a.id - b.id);
}

/**
 * The raw value pretix's getter gives for this field: lists for choice fields, booleans for Yes/No, otherwise a
 * string or null. Value maps and list joining happen later, in the mapping engine.
 */
export function sourceFieldValue(
  field: SourceField,
  input: { order: PretixOrder; position?: PretixPosition },
  ctx: EventContext,
): FieldValue {
  if ((field.requiredInput === 'position' || field.requiredInput === 'event_or_subevent') && !input.position) {
    throw new SyncConfigError(`Field "${field.key}" needs an order position and cannot be used for a whole order.`);
  }
  return computeFieldValue(field.key, input, ctx);
}

export type { FieldValue } from './field-values';
