// Whether a pretix source field fits a HubSpot property, for the ⚠ marker and its tooltip in the mapping UI.
// Base table from pretix's HubSpot guide (Text → string, Number → number or string, Choose one → enumeration,
// Date and time → datetime), extended to every pretix type. A mismatch is a warning, not a block: HubSpot is the
// final judge when it validates the upsert.
import type { QuestionType } from '../pretix/schemas';
import { QUESTION_TYPE_LABELS } from './source-fields';

export interface Compatibility {
  ok: boolean;
  /** Why it does not fit and what to pick instead, or (when ok) what to watch out for. */
  hint?: string;
}

/** HubSpot property `type`s (CRM properties API). */
const HUBSPOT_TYPES = ['string', 'number', 'bool', 'enumeration', 'date', 'datetime', 'phone_number'] as const;
type HubSpotType = (typeof HUBSPOT_TYPES)[number];

const TYPE_NAMES: Record<HubSpotType, string> = {
  string: 'text (string)',
  number: 'number',
  bool: 'single checkbox (bool)',
  enumeration: 'dropdown, radio or checkboxes (enumeration)',
  date: 'date picker (date)',
  datetime: 'date and time picker (datetime)',
  phone_number: 'phone number',
};

/** HubSpot types each pretix type fits, best first. */
const ACCEPTED: Record<QuestionType, readonly HubSpotType[]> = {
  S: ['string'],
  T: ['string'],
  N: ['number', 'string'],
  B: ['bool', 'enumeration', 'string'],
  C: ['enumeration'],
  M: ['enumeration'],
  F: [],
  D: ['date', 'string'],
  H: ['string'],
  W: ['datetime'],
  CC: ['string', 'enumeration'],
  TEL: ['phone_number', 'string'],
};

/** Specific advice for common wrong choices, keyed `<pretix type>:<HubSpot type>`. */
const MISMATCH_HINTS: Record<string, string> = {
  'W:date':
    'HubSpot date properties only take midnight UTC, so most pretix date-and-time values would be rejected. Use a date and time (datetime) property.',
  'W:string':
    'The value would be stored as ISO 8601 text (e.g. 2025-03-14T09:21:07+00:00) and could not be filtered by date. Use a date and time (datetime) property.',
  'D:datetime': 'pretix sends a plain date (YYYY-MM-DD). Use a date picker (date) property.',
  'C:string':
    'The option identifier (or its value-mapped value) would be stored as plain text. Use a dropdown or radio select (enumeration) property.',
  'M:string':
    'The option identifiers would be stored as one comma-separated text. Use a multiple checkboxes (enumeration) property.',
  'S:number': 'Text that is not a number is rejected by a number property. Use a single-line text (string) property.',
  'T:number': 'Text that is not a number is rejected by a number property. Use a multi-line text (string) property.',
  'S:enumeration':
    'Free text matches a dropdown only if it equals one of its options exactly. Use a single-line text (string) property.',
  'N:enumeration': 'Numbers match a dropdown only if they equal one of its options exactly. Use a number property.',
  'B:number': 'Yes/No is sent as "true"/"false", which a number property rejects. Use a single checkbox (bool) property.',
};

export function compatibility(sourceType: QuestionType, hubspotType: string, hubspotFieldType?: string): Compatibility {
  const typeLabel = QUESTION_TYPE_LABELS[sourceType];
  if (sourceType === 'F') return { ok: false, hint: 'File uploads are not offered as source fields.' };
  if (hubspotFieldType === 'calculation_equation') {
    return { ok: false, hint: 'Calculated HubSpot properties are read-only and cannot be written.' };
  }
  if (!isHubSpotType(hubspotType)) {
    return { ok: false, hint: `Unknown HubSpot property type "${hubspotType}".` };
  }

  const accepted = ACCEPTED[sourceType];
  if (!accepted.includes(hubspotType)) {
    const best = TYPE_NAMES[accepted[0] ?? 'string'];
    return {
      ok: false,
      hint:
        MISMATCH_HINTS[`${sourceType}:${hubspotType}`] ??
        `"${typeLabel}" values do not fit a ${TYPE_NAMES[hubspotType]} property. Use a ${best} property.`,
    };
  }
  return fitNotes(sourceType, hubspotType, hubspotFieldType);
}

/** Accepted pairs that still need care. */
function fitNotes(sourceType: QuestionType, hubspotType: HubSpotType, fieldType: string | undefined): Compatibility {
  if (sourceType === 'M' && fieldType !== undefined && fieldType !== 'checkbox') {
    return {
      ok: false,
      hint: 'A dropdown or radio select holds one option, but several can be chosen in pretix. Use a multiple checkboxes property.',
    };
  }
  if (hubspotType === 'enumeration') {
    if (sourceType === 'B') {
      return { ok: true, hint: 'The property needs the options "true" and "false" (or a value map to its options).' };
    }
    if (sourceType === 'CC') {
      return { ok: true, hint: 'The property\'s option values must be ISO 3166-1 alpha-2 codes such as "DE".' };
    }
    const listNote =
      sourceType === 'M'
        ? ' Several choices are sent as one list; HubSpot separates checkbox values with ";", so the list separator must be ";".'
        : '';
    return {
      ok: true,
      hint: `pretix sends option identifiers; they must equal the property's internal option values, or set a value map.${listNote}`,
    };
  }
  if (sourceType === 'N' && hubspotType === 'string') {
    return { ok: true, hint: 'Stored as text: HubSpot cannot sum or compare it as a number.' };
  }
  return { ok: true };
}

function isHubSpotType(value: string): value is HubSpotType {
  return (HUBSPOT_TYPES as readonly string[]).includes(value);
}
