import { describe, expect, it } from 'vitest';
import { SyncConfigError } from '../../receiver/domain/errors';
import type { EventContext } from '../../receiver/sync/event-context';
import {
  sourceFieldCatalogue,
  sourceFieldValue,
  type FieldValue,
  type SourceField,
} from '../../receiver/sync/source-fields';
import type { PretixOrder, PretixPosition } from '../../receiver/pretix/schemas';
import { loadFixture } from '../fixtures';
import { fixtureContext, paidOrder, pendingOrder, position } from './event-context';

interface FixtureField {
  key: string;
  required_input: string;
  category_sort_index: number;
  category: string;
  label: string;
  type: string;
  type_label: string;
  choice_label: string;
  enum_opts: [string, string][] | null;
  deprecated: boolean;
  example_value_order_Q7X3M_position_1: FieldValue;
}
interface SourceFieldsFixture {
  fields: FixtureField[];
  required_inputs: Record<'Order' | 'OrderPosition', string[]>;
  legacy_fields_when_scheme_lacks_given_or_family_name: { key: string; label: string; deprecated: boolean }[];
}

const fixture = loadFixture<SourceFieldsFixture>('datasync-source-fields');

function valuesOf(order: PretixOrder, pos: PretixPosition | undefined, ctx: EventContext = fixtureContext()) {
  const values: Record<string, FieldValue> = {};
  for (const field of sourceFieldCatalogue(ctx, pos ? 'OrderPosition' : 'Order')) {
    values[field.key] = sourceFieldValue(field, { order, position: pos }, ctx);
  }
  return values;
}

function fieldByKey(ctx: EventContext, key: string): SourceField {
  const found = sourceFieldCatalogue(ctx).find((f) => f.key === key);
  if (!found) throw new Error(`no field ${key}`);
  return found;
}

describe('source-field catalogue for the fixture event', () => {
  const catalogue = sourceFieldCatalogue(fixtureContext());

  it('lists exactly the fixture fields, in pretix order', () => {
    expect(catalogue.map((f) => f.key)).toEqual(fixture.fields.map((f) => f.key));
  });

  it.each(fixture.fields.map((f) => [f.key, f] as const))('%s: label, type, category, input, options', (key, expected) => {
    const field = catalogue.find((f) => f.key === key);
    expect(field).toBeDefined();
    expect(field).toEqual({
      key,
      label: expected.label,
      type: expected.type,
      typeLabel: expected.type_label,
      displayLabel: expected.choice_label,
      category: { sortIndex: expected.category_sort_index, label: expected.category },
      requiredInput: expected.required_input,
      ...(expected.enum_opts ? { enumOptions: expected.enum_opts.map(([value, label]) => ({ value, label })) } : {}),
      deprecated: expected.deprecated,
    });
  });

  it('offers an Order mapping only the order and event fields', () => {
    const forOrder = sourceFieldCatalogue(fixtureContext(), 'Order');
    const allowed = new Set(fixture.required_inputs.Order);
    const expected = fixture.fields.filter((f) => allowed.has(f.required_input)).map((f) => f.key);
    expect(forOrder.map((f) => f.key)).toEqual(expected);
    expect(forOrder.map((f) => f.key)).not.toContain('attendee_email');
    expect(forOrder.map((f) => f.key)).not.toContain('event_date_from');
    expect(forOrder.map((f) => f.key)).toContain('event_slug');
    expect(sourceFieldCatalogue(fixtureContext(), 'OrderPosition')).toHaveLength(fixture.fields.length);
  });

  it('leaves out file-upload questions and sorts questions by position', () => {
    const ctx = fixtureContext();
    ctx.questions.push({
      ...structuredClone(ctx.questions[0]!),
      id: 99,
      identifier: 'CV',
      type: 'F',
      question: { en: 'Your CV' },
      position: -1,
    });
    ctx.questions.reverse();
    const keys = sourceFieldCatalogue(ctx).map((f) => f.key).filter((k) => k.startsWith('question_'));
    expect(keys).toEqual(fixture.fields.map((f) => f.key).filter((k) => k.startsWith('question_')));
  });

  it('labels i18n texts in the event default locale', () => {
    const ctx = fixtureContext({ settings: { locale: 'de', locales: ['de', 'en'], name_scheme: 'given_family' } });
    expect(fieldByKey(ctx, 'question_TSHIRT').label).toBe('Question: T-Shirt-Größe');
    expect(fieldByKey(ctx, 'question_INTERESTS').enumOptions).toContainEqual({ value: 'INT_AI', label: 'KI' });
    expect(fieldByKey(ctx, 'order_locale').enumOptions).toEqual([
      { value: 'de', label: 'de' },
      { value: 'en', label: 'en' },
    ]);
    // No default locale: the first event locale; a language without translation falls back to English.
    expect(fieldByKey(fixtureContext({ settings: { locales: ['de'] } }), 'question_ROLE').label).toBe(
      'Question: Was ist Ihre Position?',
    );
    expect(fieldByKey(fixtureContext({ settings: { locale: 'fr', locales: ['fr'] } }), 'question_ROLE').label).toBe(
      'Question: What is your job title?',
    );
  });
});

describe('name schemes', () => {
  it('adds one field per component, e.g. title_given_family, without legacy fields', () => {
    const ctx = fixtureContext({ settings: { locale: 'en', locales: ['en'], name_scheme: 'title_given_family' } });
    const keys = sourceFieldCatalogue(ctx).map((f) => f.key);
    expect(keys.slice(0, 4)).toEqual([
      'attendee_name',
      'attendee_name_title',
      'attendee_name_given_name',
      'attendee_name_family_name',
    ]);
    expect(fieldByKey(ctx, 'invoice_address_name_title')).toMatchObject({ label: 'Invoice address: Title', deprecated: false });
    expect(keys.filter((k) => k === 'attendee_name_given_name')).toHaveLength(1);
  });

  it('marks single-component parts deprecated and adds the auto-split given/family fields', () => {
    const ctx = fixtureContext({ settings: { locale: 'en', locales: ['en'] } }); // pretix default scheme: full
    const catalogue = sourceFieldCatalogue(ctx);
    expect(fieldByKey(ctx, 'attendee_name_full_name')).toMatchObject({ label: 'Attendee: Name', deprecated: true });
    const legacy = catalogue.filter((f) => fixture.legacy_fields_when_scheme_lacks_given_or_family_name.some((l) => l.key === f.key));
    expect(legacy.map((f) => ({ key: f.key, label: f.label, deprecated: f.deprecated }))).toEqual(
      expect.arrayContaining(
        fixture.legacy_fields_when_scheme_lacks_given_or_family_name.map((l) => ({
          key: l.key,
          label: l.label,
          deprecated: l.deprecated,
        })),
      ),
    );
    expect(legacy).toHaveLength(4);
    // Legacy fields come after everything else, as pretix appends them.
    expect(catalogue.slice(-4).map((f) => f.key)).toEqual([
      'attendee_name_given_name',
      'invoice_address_name_given_name',
      'attendee_name_family_name',
      'invoice_address_name_family_name',
    ]);
  });

  it('splits the full name on the last space for the legacy fields', () => {
    const ctx = fixtureContext({ settings: { locale: 'en', locales: ['en'], name_scheme: 'full' } });
    const order = paidOrder();
    const first = position(order, 1);
    first.attendee_name_parts = { _scheme: 'full', full_name: 'Anna Maria von Berg' };
    first.attendee_name = 'Anna Maria von Berg';
    order.invoice_address!.name_parts = { _scheme: 'full', full_name: 'Madonna' };
    order.invoice_address!.name = 'Madonna';
    const values = valuesOf(order, first, ctx);
    expect(values.attendee_name_full_name).toBe('Anna Maria von Berg');
    expect(values.attendee_name_given_name).toBe('Anna Maria von');
    expect(values.attendee_name_family_name).toBe('Berg');
    expect(values.invoice_address_name_given_name).toBe('Madonna');
    expect(values.invoice_address_name_family_name).toBe('');
  });

  it('builds the name from its parts when the API sends no attendee_name', () => {
    const order = paidOrder();
    const first = position(order, 1);
    first.attendee_name = null;
    first.attendee_name_parts = { _scheme: 'family_comma_given', given_name: 'Jane', family_name: 'Doe' };
    expect(valuesOf(order, first).attendee_name).toBe('Doe, Jane');
  });
});

describe('values for Q7X3M', () => {
  const order = paidOrder();
  const values = valuesOf(order, position(order, 1));

  // The fixture's placeholder text for presale_ticket_url is not a value; see the test below.
  it.each(fixture.fields.filter((f) => f.key !== 'presale_ticket_url').map((f) => [f.key, f.example_value_order_Q7X3M_position_1] as const))(
    'position 1: %s',
    (key, expected) => {
      expect(values[key]).toEqual(expected);
    },
  );

  it('position 1: presale_ticket_url approximated by the order page (the web secret is not in the API)', () => {
    expect(values.presale_ticket_url).toBe('https://pretix.eu/acmecorp/democon/order/Q7X3M/8hd7f6s5a4k3j2l1/');
  });

  it('position 2: every field', () => {
    expect(valuesOf(order, position(order, 2))).toEqual({
      attendee_name: 'John Smith',
      attendee_name_given_name: 'John',
      attendee_name_family_name: 'Smith',
      attendee_email: 'john.smith@example.org',
      attendee_or_order_email: 'john.smith@example.org',
      attendee_company: null,
      attendee_street: null,
      attendee_zipcode: null,
      attendee_city: null,
      attendee_country: '',
      invoice_address_company: 'Example Analytics GmbH',
      invoice_address_name: 'Jane Doe',
      invoice_address_name_given_name: 'Jane',
      invoice_address_name_family_name: 'Doe',
      invoice_address_street: 'Friedrichstraße 123',
      invoice_address_zipcode: '10117',
      invoice_address_city: 'Berlin',
      invoice_address_country: 'DE',
      email: 'jane.doe@example.com',
      email_domain: 'example.com',
      order_code: 'Q7X3M',
      event_order_code: 'DEMOCON-Q7X3M',
      order_total: '548.00',
      product: 'Conference ticket – Early bird',
      product_id: '101',
      product_is_admission: true,
      event_slug: 'democon',
      event_name: 'DemoCon 2025',
      event_date_from: '2025-05-20T07:00:00+00:00',
      event_date_to: '2025-05-21T16:00:00+00:00',
      // Voucher 7731: the order API has only its id, and this context has no voucher list.
      voucher_code: null,
      ticket_id: 'Q7X3M-2',
      ticket_price: '249.00',
      order_status: ['p'],
      ticket_status: ['p'],
      order_date: '2025-03-14T09:21:07.512345+00:00',
      payment_date: '2025-03-14T09:24:50.991034+00:00',
      order_locale: ['en'],
      position_id: '48214',
      presale_order_url: 'https://pretix.eu/acmecorp/democon/order/Q7X3M/8hd7f6s5a4k3j2l1/',
      presale_ticket_url: 'https://pretix.eu/acmecorp/democon/order/Q7X3M/8hd7f6s5a4k3j2l1/',
      checkin_date_44: null,
      question_ROLE: 'Backend Developer',
      question_TSHIRT: ['TS_L'],
      question_NEWSLETTER: false,
      question_INTERESTS: '',
      question_YEARS_EXP: '7',
      question_DOB: '',
      question_MOBILE: '',
      question_RES_COUNTRY: '',
    });
  });

  it('gives the voucher code when the context knows the voucher', () => {
    const ctx = fixtureContext({ vouchers: [{ id: 7731, code: 'EARLY50' }] });
    expect(sourceFieldValue(fieldByKey(ctx, 'voucher_code'), { order, position: position(order, 2) }, ctx)).toBe('EARLY50');
  });
});

describe('values for the pending order R2D9K (no invoice address)', () => {
  it('position 1: every field', () => {
    const order = pendingOrder();
    expect(valuesOf(order, position(order, 1))).toEqual({
      attendee_name: 'Max Mustermann',
      attendee_name_given_name: 'Max',
      attendee_name_family_name: 'Mustermann',
      attendee_email: null,
      attendee_or_order_email: 'max.mustermann@example.net',
      attendee_company: null,
      attendee_street: null,
      attendee_zipcode: null,
      attendee_city: null,
      attendee_country: '',
      invoice_address_company: '',
      invoice_address_name: '',
      invoice_address_name_given_name: '',
      invoice_address_name_family_name: '',
      invoice_address_street: '',
      invoice_address_zipcode: '',
      invoice_address_city: '',
      invoice_address_country: '',
      email: 'max.mustermann@example.net',
      email_domain: 'example.net',
      order_code: 'R2D9K',
      event_order_code: 'DEMOCON-R2D9K',
      order_total: '299.00',
      product: 'Conference ticket – Regular',
      product_id: '101',
      product_is_admission: true,
      event_slug: 'democon',
      event_name: 'DemoCon 2025',
      event_date_from: '2025-05-20T07:00:00+00:00',
      event_date_to: '2025-05-21T16:00:00+00:00',
      voucher_code: '',
      ticket_id: 'R2D9K-1',
      ticket_price: '299.00',
      order_status: ['n'],
      ticket_status: ['n'],
      order_date: '2025-03-15T16:02:44.120983+00:00',
      payment_date: null,
      order_locale: ['de'],
      position_id: '48390',
      presale_order_url: 'https://pretix.eu/acmecorp/democon/order/R2D9K/p0o9i8u7z6t5r4e3/',
      presale_ticket_url: 'https://pretix.eu/acmecorp/democon/order/R2D9K/p0o9i8u7z6t5r4e3/',
      checkin_date_44: null,
      question_ROLE: '',
      question_TSHIRT: ['TS_S'],
      question_NEWSLETTER: false,
      question_INTERESTS: '',
      question_YEARS_EXP: '',
      question_DOB: '',
      question_MOBILE: '',
      question_RES_COUNTRY: '',
    });
  });

  it('order-level values without a position', () => {
    const values = valuesOf(pendingOrder(), undefined);
    expect(values.invoice_address_name).toBe('');
    expect(values.payment_date).toBeNull();
    expect(Object.keys(values)).not.toContain('attendee_name');
  });
});

describe('value rules', () => {
  const ctx = fixtureContext();
  const value = (key: string, order: PretixOrder, pos?: PretixPosition) =>
    sourceFieldValue(fieldByKey(ctx, key), { order, position: pos }, ctx);

  it('add-on positions fall back to their parent for name, email and answers, but keep their own answers', () => {
    const order = paidOrder();
    const parent = position(order, 1);
    const addon: PretixPosition = {
      ...structuredClone(parent),
      id: 48215,
      positionid: 3,
      item: 102,
      variation: null,
      price: '149.00',
      addon_to: parent.id,
      attendee_name: null,
      attendee_name_parts: {},
      attendee_email: null,
      company: null,
      country: null,
      answers: [{ question: 11, question_identifier: 'ROLE', answer: 'Workshop lead', options: [], option_identifiers: [] }],
    };
    order.positions.push(addon);
    expect(value('attendee_name', order, addon)).toBe('Jane Doe');
    expect(value('attendee_name_given_name', order, addon)).toBe('Jane');
    expect(value('attendee_email', order, addon)).toBe('jane.doe@example.com');
    expect(value('attendee_or_order_email', order, addon)).toBe('jane.doe@example.com');
    expect(value('attendee_company', order, addon)).toBe('Example Analytics GmbH');
    expect(value('attendee_country', order, addon)).toBe('DE');
    expect(value('question_TSHIRT', order, addon)).toEqual(['TS_M']);
    expect(value('question_NEWSLETTER', order, addon)).toBe(true);
    expect(value('question_ROLE', order, addon)).toBe('Workshop lead');
    expect(value('product', order, addon)).toBe('WS-DATA');
    expect(value('product_is_admission', order, addon)).toBe(false);
    expect(value('ticket_id', order, addon)).toBe('Q7X3M-3');
  });

  it('IDNA-encodes email domains and keeps the local part', () => {
    const order = paidOrder();
    order.email = 'Jürgen@Bücher.example';
    position(order, 1).attendee_email = 'info@münchen.de';
    expect(value('email', order)).toBe('Jürgen@xn--bcher-kva.example');
    expect(value('email_domain', order)).toBe('xn--bcher-kva.example');
    expect(value('attendee_email', order, position(order, 1))).toBe('info@xn--mnchen-3ya.de');
  });

  it('check-in date: the latest successful entry on that list only (as real pretix reports it)', () => {
    const order = paidOrder();
    const first = position(order, 1);
    first.checkins = [
      { list: 44, datetime: '2025-05-20T09:00:00Z', type: 'exit' },
      { list: 44, datetime: '2025-05-20T08:30:00Z', type: 'entry', successful: false },
      { list: 45, datetime: '2025-05-20T07:00:00Z', type: 'entry' },
      { list: 44, datetime: '2025-05-20T10:15:00Z', type: 'entry' },
      { list: 44, datetime: '2025-05-20T08:45:00Z', type: 'entry' },
    ];
    expect(value('checkin_date_44', order, first)).toBe('2025-05-20T10:15:00+00:00');
  });

  it('ticket status is "c" for a canceled position, else the order status', () => {
    const order = paidOrder();
    position(order, 2).canceled = true;
    expect(value('ticket_status', order, position(order, 2))).toEqual(['c']);
    expect(value('ticket_status', order, position(order, 1))).toEqual(['p']);
    order.status = 'e';
    expect(value('order_status', order)).toEqual(['e']);
  });

  it('payment date: null while pending, else the latest payment date', () => {
    const order = paidOrder();
    order.payments = [
      { local_id: 1, state: 'refunded', amount: '10.00', payment_date: '2025-03-14T09:00:00Z' },
      { local_id: 2, state: 'confirmed', amount: '548.00', payment_date: '2025-03-16T12:00:00.5Z' },
      { local_id: 3, state: 'failed', amount: '548.00', payment_date: null },
    ];
    expect(value('payment_date', order)).toBe('2025-03-16T12:00:00.5+00:00');
    order.status = 'n';
    expect(value('payment_date', order)).toBeNull();
  });

  it('uses the date of a subevent when the position has one', () => {
    const order = paidOrder();
    const first = position(order, 1);
    first.subevent = 7;
    const series = fixtureContext({ subevents: [{ id: 7, date_from: '2025-06-01T08:00:00Z', date_to: null }] });
    const field = fieldByKey(series, 'event_date_from');
    expect(sourceFieldValue(field, { order, position: first }, series)).toBe('2025-06-01T08:00:00+00:00');
    expect(sourceFieldValue(fieldByKey(series, 'event_date_to'), { order, position: first }, series)).toBeNull();
    expect(sourceFieldValue(field, { order, position: first }, fixtureContext())).toBeNull();
  });

  it('maps choice answers given only as option ids to identifiers', () => {
    const order = paidOrder();
    const first = position(order, 1);
    first.answers = [{ question: 14, question_identifier: 'INTERESTS', answer: 'AI, DevOps', options: [24, 25], option_identifiers: [] }];
    expect(value('question_INTERESTS', order, first)).toEqual(['INT_AI', 'INT_DEVOPS']);
  });

  it('refuses a position field without a position', () => {
    expect(() => value('attendee_email', paidOrder())).toThrow(SyncConfigError);
  });
});
