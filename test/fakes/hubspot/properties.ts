// Property definitions and value rules of the fake, after HubSpot's properties API (reference/hubspot.md §5).
// Values are checked the way HubSpot checks them, so a mapping that writes "abc" into a number or a label
// instead of an option's internal value fails here as it would in a real portal.
import type { HubSpotObjectType } from '../../../receiver/domain/mapping-schema';

export const PROPERTY_TYPES = ['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

export const FIELD_TYPES = [
  'booleancheckbox',
  'calculation_equation',
  'checkbox',
  'date',
  'file',
  'html',
  'number',
  'phonenumber',
  'radio',
  'select',
  'text',
  'textarea',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Which field types HubSpot accepts for each property type (HubSpot's "type and fieldType" table). */
export const FIELD_TYPES_BY_TYPE: Record<PropertyType, readonly FieldType[]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  string: ['file', 'text', 'textarea', 'calculation_equation', 'html', 'phonenumber'],
  number: ['number', 'calculation_equation'],
  phone_number: ['phonenumber'],
};

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: FieldType;
  groupName: string;
  description: string;
  hasUniqueValue: boolean;
  options: PropertyOption[];
  displayOrder: number;
  hidden: boolean;
  formField: boolean;
  calculated: boolean;
  externalOptions: boolean;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
  createdAt: string;
  updatedAt: string;
  archived: false;
}

/** What tests pass to define a property: the four essentials, the rest defaulted like HubSpot does. */
export type PropertyDefinitionInput = Partial<Omit<PropertyDefinition, 'options'>> &
  Pick<PropertyDefinition, 'name' | 'label' | 'type' | 'fieldType'> & {
    options?: Array<Pick<PropertyOption, 'label' | 'value'> & Partial<PropertyOption>>;
  };

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: false;
}

/** The property HubSpot stamps with the last write time differs per object type. */
export const LAST_MODIFIED_PROPERTY: Record<HubSpotObjectType, string> = {
  contacts: 'lastmodifieddate',
  deals: 'hs_lastmodifieddate',
  companies: 'hs_lastmodifieddate',
};

/** What a GET or batch read returns when the caller names no properties. */
export const DEFAULT_READ_PROPERTIES: Record<HubSpotObjectType, readonly string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
};

export const DEFAULT_GROUP: Record<HubSpotObjectType, string> = {
  contacts: 'contactinformation',
  deals: 'dealinformation',
  companies: 'companyinformation',
};

type Seed = Partial<PropertyDefinition> & Pick<PropertyDefinition, 'name' | 'label' | 'type' | 'fieldType'>;

const EPOCH = '2020-01-01T00:00:00.000Z';

export function completeDefinition(seed: Seed, groupName: string, at: string = EPOCH): PropertyDefinition {
  return {
    groupName,
    description: '',
    hasUniqueValue: false,
    options: [],
    displayOrder: -1,
    hidden: false,
    formField: false,
    calculated: false,
    externalOptions: false,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    createdAt: at,
    updatedAt: at,
    ...seed,
    archived: false,
  };
}

function options(values: Array<[value: string, label: string]>): PropertyOption[] {
  return values.map(([value, label], displayOrder) => ({ value, label, displayOrder, hidden: false }));
}

const readOnly = { archivable: false, readOnlyDefinition: true, readOnlyValue: true };
const builtIn = { archivable: false, readOnlyDefinition: true, readOnlyValue: false };

function systemProperties(type: HubSpotObjectType): Seed[] {
  return [
    { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', modificationMetadata: readOnly },
    { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', modificationMetadata: builtIn },
    {
      name: LAST_MODIFIED_PROPERTY[type],
      label: 'Last Modified Date',
      type: 'datetime',
      fieldType: 'date',
      modificationMetadata: readOnly,
    },
  ];
}

const CONTACT_PROPERTIES: Seed[] = [
  { name: 'email', label: 'Email', type: 'string', fieldType: 'text', formField: true, modificationMetadata: builtIn },
  { name: 'firstname', label: 'First Name', type: 'string', fieldType: 'text', formField: true },
  { name: 'lastname', label: 'Last Name', type: 'string', fieldType: 'text', formField: true },
  { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber', formField: true },
  { name: 'company', label: 'Company Name', type: 'string', fieldType: 'text', formField: true },
  { name: 'address', label: 'Street Address', type: 'string', fieldType: 'text', formField: true },
  { name: 'zip', label: 'Postal Code', type: 'string', fieldType: 'text', formField: true },
  { name: 'city', label: 'City', type: 'string', fieldType: 'text', formField: true },
  { name: 'hs_country_region_code', label: 'Country/Region Code', type: 'string', fieldType: 'text' },
  { name: 'jobtitle', label: 'Job Title', type: 'string', fieldType: 'text', formField: true },
  {
    name: 'lifecyclestage',
    label: 'Lifecycle Stage',
    type: 'enumeration',
    fieldType: 'radio',
    options: options([
      ['subscriber', 'Subscriber'],
      ['lead', 'Lead'],
      ['marketingqualifiedlead', 'Marketing Qualified Lead'],
      ['salesqualifiedlead', 'Sales Qualified Lead'],
      ['opportunity', 'Opportunity'],
      ['customer', 'Customer'],
      ['evangelist', 'Evangelist'],
      ['other', 'Other'],
    ]),
  },
];

const DEAL_PROPERTIES: Seed[] = [
  { name: 'dealname', label: 'Deal Name', type: 'string', fieldType: 'text' },
  { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number' },
  { name: 'closedate', label: 'Close Date', type: 'datetime', fieldType: 'date' },
  {
    name: 'dealstage',
    label: 'Deal Stage',
    type: 'enumeration',
    fieldType: 'radio',
    options: options([
      ['appointmentscheduled', 'Appointment Scheduled'],
      ['qualifiedtobuy', 'Qualified To Buy'],
      ['presentationscheduled', 'Presentation Scheduled'],
      ['decisionmakerboughtin', 'Decision Maker Bought-In'],
      ['contractsent', 'Contract Sent'],
      ['closedwon', 'Closed Won'],
      ['closedlost', 'Closed Lost'],
    ]),
  },
  { name: 'pipeline', label: 'Pipeline', type: 'enumeration', fieldType: 'select', options: options([['default', 'Sales Pipeline']]) },
];

const COMPANY_PROPERTIES: Seed[] = [
  { name: 'name', label: 'Company name', type: 'string', fieldType: 'text' },
  { name: 'domain', label: 'Company Domain Name', type: 'string', fieldType: 'text' },
];

export function defaultProperties(type: HubSpotObjectType): PropertyDefinition[] {
  const own = { contacts: CONTACT_PROPERTIES, deals: DEAL_PROPERTIES, companies: COMPANY_PROPERTIES }[type];
  return [...systemProperties(type), ...own].map((seed) => completeDefinition(seed, DEFAULT_GROUP[type]));
}

export function defaultGroups(type: HubSpotObjectType): PropertyGroup[] {
  const label = { contacts: 'Contact information', deals: 'Deal information', companies: 'Company information' }[type];
  return [{ name: DEFAULT_GROUP[type], label, displayOrder: -1, archived: false }];
}

/** Contacts are keyed by email even though `email` is not flagged hasUniqueValue. */
export function isIdProperty(type: HubSpotObjectType, definition: PropertyDefinition | undefined): boolean {
  if (!definition) return false;
  return definition.hasUniqueValue || (type === 'contacts' && definition.name === 'email');
}

/** Emails compare case-insensitively in HubSpot; HubSpot also stores them lower-cased. */
export function normalizeIdValue(type: HubSpotObjectType, property: string, value: string): string {
  return type === 'contacts' && property === 'email' ? value.trim().toLowerCase() : value;
}

export interface ValueProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
}

export type ValueCheck = { ok: true; value: string } | { ok: false; problem: ValueProblem };

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const EPOCH_MS = /^-?\d{1,15}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const MAX_STRING_LENGTH = 65_536;

function problem(definition: PropertyDefinition, error: string, message: string): ValueCheck {
  return {
    ok: false,
    problem: {
      isValid: false,
      message,
      error,
      name: definition.name,
      localizedErrorMessage: `Property "${definition.label}" is not valid`,
    },
  };
}

function isMidnightUtc(ms: number): boolean {
  return Number.isFinite(ms) && ms % 86_400_000 === 0;
}

/**
 * Checks one value against its definition. `''` clears a property and is valid for every type.
 * HubSpot accepts JSON numbers and booleans for properties, so those are stringified first.
 */
export function checkValue(type: HubSpotObjectType, definition: PropertyDefinition, raw: unknown): ValueCheck {
  if (raw === null || raw === undefined) return { ok: true, value: '' };
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return problem(definition, 'INVALID_TYPE', `${JSON.stringify(raw)} is not a valid property value`);
  }
  const value = String(raw);
  if (definition.modificationMetadata.readOnlyValue) {
    return problem(definition, 'READ_ONLY_VALUE', `"${definition.name}" is a read only property; its value cannot be set.`);
  }
  if (value === '') return { ok: true, value };
  switch (definition.type) {
    case 'number':
      return NUMBER.test(value.trim()) ? { ok: true, value: value.trim() } : problem(definition, 'INVALID_INTEGER', `${value} was not a valid number.`);
    case 'bool':
      return value === 'true' || value === 'false'
        ? { ok: true, value }
        : problem(definition, 'INVALID_BOOLEAN', `${value} was not a valid boolean (use true or false).`);
    case 'enumeration': {
      const allowed = new Set(definition.options.map((option) => option.value));
      // Multi-select checkboxes take several internal values separated by semicolons.
      const values = definition.fieldType === 'checkbox' ? value.split(';').filter((v) => v !== '') : [value];
      const bad = values.find((v) => !allowed.has(v));
      if (bad === undefined) return { ok: true, value };
      const list = definition.options.map((o) => `[label: "${o.label}" value: "${o.value}"]`).join(', ');
      return problem(definition, 'INVALID_OPTION', `${bad} was not one of the allowed options: ${list}`);
    }
    case 'date':
      if (ISO_DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return { ok: true, value };
      if (EPOCH_MS.test(value)) {
        return isMidnightUtc(Number(value))
          ? { ok: true, value: new Date(Number(value)).toISOString().slice(0, 10) }
          : problem(definition, 'INVALID_DATE', `${value} is at ${new Date(Number(value)).toISOString()}, which is not midnight!`);
      }
      return problem(definition, 'INVALID_DATE', `${value} was not a valid date (use YYYY-MM-DD or midnight UTC in epoch milliseconds).`);
    case 'datetime':
      if (EPOCH_MS.test(value)) return { ok: true, value: new Date(Number(value)).toISOString() };
      if ((ISO_DATE.test(value) || ISO_DATETIME.test(value)) && !Number.isNaN(Date.parse(value))) {
        return { ok: true, value: new Date(Date.parse(value)).toISOString() };
      }
      return problem(definition, 'INVALID_DATETIME', `${value} was not a valid datetime (use epoch milliseconds or ISO 8601).`);
    case 'phone_number':
    case 'string':
      if (value.length > MAX_STRING_LENGTH) {
        return problem(definition, 'INVALID_STRING_LENGTH', `Value of ${definition.name} is longer than ${MAX_STRING_LENGTH} characters.`);
      }
      if (type === 'contacts' && definition.name === 'email') {
        const email = value.trim().toLowerCase();
        return EMAIL.test(email) ? { ok: true, value: email } : problem(definition, 'INVALID_EMAIL', `Email address ${value} is invalid`);
      }
      return { ok: true, value };
  }
}

/** HubSpot embeds per-property problems as JSON in the message text; clients grep it, so keep the shape. */
export function propertyProblemsMessage(problems: ValueProblem[]): string {
  return `Property values were not valid: ${JSON.stringify(problems)}`;
}

export function unknownPropertyProblem(name: string): ValueProblem {
  return {
    isValid: false,
    message: `Property "${name}" does not exist`,
    error: 'PROPERTY_DOESNT_EXIST',
    name,
    localizedErrorMessage: `Property "${name}" does not exist`,
  };
}

export type DefinitionInput = Record<string, unknown>;

function isOption(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const option = value as Record<string, unknown>;
  return typeof option.value === 'string' && typeof option.label === 'string';
}

/** Validates a POST /crm/v3/properties body; returns problems in HubSpot's wording. */
export function validateDefinitionInput(input: DefinitionInput): string[] {
  const problems: string[] = [];
  for (const field of ['name', 'label', 'type', 'fieldType', 'groupName']) {
    if (typeof input[field] !== 'string' || input[field] === '') problems.push(`${field} is required`);
  }
  const { name, type, fieldType } = input;
  if (typeof name === 'string' && name !== '' && !/^[a-z][a-z0-9_]*$/.test(name)) {
    problems.push(`Property name '${name}' is invalid: use lower-case letters, digits and underscores, starting with a letter`);
  }
  if (typeof type === 'string' && !(PROPERTY_TYPES as readonly string[]).includes(type)) {
    problems.push(`type '${type}' is not one of ${PROPERTY_TYPES.join(', ')}`);
  }
  if (typeof fieldType === 'string' && !(FIELD_TYPES as readonly string[]).includes(fieldType)) {
    problems.push(`fieldType '${fieldType}' is not one of ${FIELD_TYPES.join(', ')}`);
  }
  if (
    typeof type === 'string' &&
    typeof fieldType === 'string' &&
    (PROPERTY_TYPES as readonly string[]).includes(type) &&
    (FIELD_TYPES as readonly string[]).includes(fieldType) &&
    !FIELD_TYPES_BY_TYPE[type as PropertyType].includes(fieldType as FieldType)
  ) {
    problems.push(`fieldType '${fieldType}' is not valid for type '${type}'`);
  }
  if (input.options !== undefined) {
    if (!Array.isArray(input.options)) problems.push('options must be an array');
    else if (input.options.some((o: unknown) => !isOption(o))) {
      problems.push('every option needs a string label and value');
    }
  }
  if (input.hasUniqueValue !== undefined && typeof input.hasUniqueValue !== 'boolean') problems.push('hasUniqueValue must be a boolean');
  return problems;
}
