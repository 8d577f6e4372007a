// zod schemas for the parts of pretix's REST API and webhook bodies that we read.
// pretix adds fields at any time, so every object schema is loose (unknown keys pass through untouched).
import { z } from 'zod';
import { eventSlugSchema, orderCodeSchema } from '../domain/pretix-identifiers';

/** A multi-lingual string as pretix sends it: `{"en": "…", "de": "…"}` (older data may hold a plain string). */
export const i18nString = z.union([z.string(), z.record(z.string(), z.string())]);
export type I18nString = z.infer<typeof i18nString>;

const nameParts = z.looseObject({ _scheme: z.string().optional() }).catchall(z.unknown());

export const webhookPayloadSchema = z.looseObject({
  notification_id: z.number().int().nonnegative(),
  organizer: z.string().min(1).max(200),
  // Both become path segments of pretix requests (../domain/pretix-identifiers.ts).
  event: eventSlugSchema,
  code: orderCodeSchema,
  action: z.string().min(1).max(200),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export const answerSchema = z.looseObject({
  question: z.number().int(),
  question_identifier: z.string().nullish(),
  answer: z.string().nullable(),
  options: z.array(z.number().int()).default([]),
  option_identifiers: z.array(z.string()).default([]),
});
export type PretixAnswer = z.infer<typeof answerSchema>;

export const checkinSchema = z.looseObject({
  id: z.number().int().optional(),
  list: z.number().int(),
  datetime: z.string(),
  type: z.string().default('entry'),
  successful: z.boolean().optional(),
});

export const positionSchema = z.looseObject({
  id: z.number().int(),
  order: z.string(),
  positionid: z.number().int(),
  canceled: z.boolean().default(false),
  item: z.number().int(),
  variation: z.number().int().nullable(),
  price: z.string(),
  attendee_name: z.string().nullable(),
  attendee_name_parts: nameParts.nullish(),
  attendee_email: z.string().nullable(),
  company: z.string().nullish(),
  street: z.string().nullish(),
  zipcode: z.string().nullish(),
  city: z.string().nullish(),
  country: z.string().nullish(),
  state: z.string().nullish(),
  voucher: z.number().int().nullish(),
  secret: z.string().optional(),
  addon_to: z.number().int().nullable(),
  subevent: z.number().int().nullable(),
  checkins: z.array(checkinSchema).default([]),
  answers: z.array(answerSchema).default([]),
});
export type PretixPosition = z.infer<typeof positionSchema>;

export const invoiceAddressSchema = z.looseObject({
  company: z.string().nullish(),
  is_business: z.boolean().optional(),
  name: z.string().nullish(),
  name_parts: nameParts.nullish(),
  street: z.string().nullish(),
  zipcode: z.string().nullish(),
  city: z.string().nullish(),
  country: z.string().nullish(),
  state: z.string().nullish(),
  vat_id: z.string().nullish(),
});

export const paymentSchema = z.looseObject({
  local_id: z.number().int(),
  state: z.string(),
  amount: z.string(),
  payment_date: z.string().nullable(),
  provider: z.string().nullish(),
});

export const orderSchema = z.looseObject({
  code: z.string(),
  event: z.string(),
  status: z.enum(['n', 'p', 'e', 'c', 'r']),
  testmode: z.boolean().default(false),
  secret: z.string().optional(),
  url: z.string().optional(),
  email: z.string().nullable(),
  phone: z.string().nullish(),
  locale: z.string().nullish(),
  datetime: z.string(),
  expires: z.string().nullish(),
  last_modified: z.string(),
  payment_date: z.string().nullish(),
  total: z.string(),
  require_approval: z.boolean().optional(),
  invoice_address: invoiceAddressSchema.nullable(),
  positions: z.array(positionSchema),
  payments: z.array(paymentSchema).default([]),
});
export type PretixOrder = z.infer<typeof orderSchema>;

export const eventSchema = z.looseObject({
  name: i18nString,
  slug: z.string(),
  live: z.boolean(),
  testmode: z.boolean().optional(),
  currency: z.string(),
  date_from: z.string().nullable(),
  date_to: z.string().nullish(),
  has_subevents: z.boolean().optional(),
  timezone: z.string().optional(),
  public_url: z.string().optional(),
});
export type PretixEvent = z.infer<typeof eventSchema>;

/** A date of an event series (`…/subevents/{id}/`). */
export const subEventSchema = z.looseObject({
  id: z.number().int(),
  name: i18nString,
  date_from: z.string().nullable(),
  date_to: z.string().nullish(),
  active: z.boolean().optional(),
});
export type PretixSubEvent = z.infer<typeof subEventSchema>;

export const organizerSchema = z.looseObject({ name: z.string(), slug: z.string() });

export const variationSchema = z.looseObject({ id: z.number().int(), value: i18nString });
export const itemSchema = z.looseObject({
  id: z.number().int(),
  name: i18nString,
  internal_name: z.string().nullish(),
  admission: z.boolean(),
  has_variations: z.boolean().optional(),
  variations: z.array(variationSchema).default([]),
});
export type PretixItem = z.infer<typeof itemSchema>;

export const questionTypeSchema = z.enum(['N', 'S', 'T', 'B', 'C', 'M', 'F', 'D', 'H', 'W', 'CC', 'TEL']);
export type QuestionType = z.infer<typeof questionTypeSchema>;
export const questionOptionSchema = z.looseObject({ id: z.number().int(), identifier: z.string(), answer: i18nString });
export const questionSchema = z.looseObject({
  id: z.number().int(),
  question: i18nString,
  type: questionTypeSchema,
  identifier: z.string(),
  options: z.array(questionOptionSchema).default([]),
  items: z.array(z.number().int()).default([]),
});
export type PretixQuestion = z.infer<typeof questionSchema>;

export const checkinListSchema = z.looseObject({ id: z.number().int(), name: z.string() });
export type PretixCheckinList = z.infer<typeof checkinListSchema>;

/** Event settings (`…/events/{e}/settings/`): only the keys the source-field catalogue needs. */
export const eventSettingsSchema = z.looseObject({
  locales: z.array(z.string()).optional(),
  locale: z.string().optional(),
  name_scheme: z.string().optional(),
});
export type PretixEventSettings = z.infer<typeof eventSettingsSchema>;

export function paginated<T extends z.ZodType>(item: T) {
  return z.looseObject({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });
}
