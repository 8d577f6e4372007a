// The identifiers pretix puts in its API paths: event (and sub-event) slugs and order codes. Each one becomes a
// path segment of a request sent with the connection's API token, so each is checked at every boundary where it
// comes in (the webhook body, the signed card/settings API, the admin API, the CLI): a value like `..` would
// otherwise turn `…/events/../settings/` into a request for the organizer's own resources.
//
// pretix's own rules (pretix.base.models: Event.slug and Organizer.slug use a RegexValidator allowing letters,
// digits, "." and "-"; order codes are generated from upper-case letters and digits, and staff-entered ones are
// alphanumeric too). We accept what pretix accepts, a little more loosely in length, and never a value made of
// dots only, which a URL parser would read as a path step.
import { z } from 'zod';

/** `.`, `..` (and longer dot runs, which pretix never creates) would be path steps or look like them. */
export function isDotSegment(value: string): boolean {
  return /^\.+$/.test(value);
}

const SLUG = /^[A-Za-z0-9.-]+$/;

/** An event or sub-event short form as it appears in pretix URLs, e.g. `democon` or `democon-2026.berlin`. */
export const eventSlugSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(SLUG, 'is not a pretix event short form (letters, digits, "." and "-")')
  .refine((value) => !isDotSegment(value), 'is not a pretix event short form (it cannot be "." or "..")');

/** An order code, e.g. `Q7X3M`: letters and digits only. */
export const orderCodeSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9]+$/, 'is not a pretix order code (letters and digits)');
