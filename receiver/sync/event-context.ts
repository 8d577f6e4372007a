// What the source fields and mapping engine know about an event besides the order: read once per event from pretix
// (see event-context-cache.ts). Its own module, so that source-fields.ts and field-values.ts need not import each other.
import type { PretixCheckinList, PretixEvent, PretixEventSettings, PretixItem, PretixQuestion } from '../pretix/schemas';

export interface EventContext {
  organizer: string;
  event: PretixEvent;
  settings: PretixEventSettings;
  items: PretixItem[];
  questions: PretixQuestion[];
  checkinLists: PretixCheckinList[];
  /** Optional: the order API gives only voucher ids; with these, `voucher_code` gives the code instead of null. */
  vouchers?: { id: number; code: string }[];
  /** Optional: dates of an event series, for `event_date_from`/`event_date_to` of positions with a subevent. */
  subevents?: { id: number; date_from: string | null; date_to?: string | null }[];
}
