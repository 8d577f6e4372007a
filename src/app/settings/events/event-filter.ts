// The events table's filters and pages, applied in the page to the one list the receiver sends. An organizer's
// events are a few hundred at most and a row is a few hundred bytes, so one answer holds them all (well below
// hubspot.fetch's 1 MB); filtering here answers at once, costs no pretix requests, and a sync toggle changes one row
// in place instead of reloading a page from the receiver.
import type { EventSummary } from '../api-types';

export type SyncFilter = 'all' | 'enabled' | 'disabled';
export type DateFilter = 'all' | 'upcoming' | 'past';

export interface EventFilter {
  /** Matches the event's name or slug, ignoring case and accents. */
  text: string;
  sync: SyncFilter;
  date: DateFilter;
}

export const NO_FILTER: EventFilter = { text: '', sync: 'all', date: 'all' };
export const EVENTS_PER_PAGE = 25;

export const isFiltered = (filter: EventFilter) => filter.text.trim() !== '' || filter.sync !== 'all' || filter.date !== 'all';

const fold = (value: string) =>
  value
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss');

/** When an event is over: its end, or its start when it has no end; null when pretix has no date for it. */
function endsAt(event: EventSummary): number | null {
  const time = Date.parse(event.dateTo ?? event.dateFrom ?? '');
  return Number.isNaN(time) ? null : time;
}

export function filterEvents(events: EventSummary[], filter: EventFilter, now: number): EventSummary[] {
  const words = fold(filter.text).split(/\s+/).filter(Boolean);
  return events.filter((event) => {
    if (filter.sync === 'enabled' && !event.enabled) return false;
    if (filter.sync === 'disabled' && event.enabled) return false;
    if (filter.date !== 'all') {
      const end = endsAt(event);
      // An event without a date is neither over nor known to come: it stays with the upcoming ones.
      const past = end !== null && end < now;
      if (filter.date === 'past' ? !past : past) return false;
    }
    const haystack = fold(`${event.name} ${event.slug}`);
    return words.every((word) => haystack.includes(word));
  });
}

export interface EventPage {
  rows: EventSummary[];
  /** 1-based, clamped to the pages there are. */
  page: number;
  pageCount: number;
  /** 1-based positions of the first and last row shown (0 and 0 when there is none). */
  first: number;
  last: number;
}

export function pageOf(events: EventSummary[], page: number, size = EVENTS_PER_PAGE): EventPage {
  const pageCount = Math.max(1, Math.ceil(events.length / size));
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pageCount);
  const offset = (current - 1) * size;
  const rows = events.slice(offset, offset + size);
  return { rows, page: current, pageCount, first: rows.length ? offset + 1 : 0, last: offset + rows.length };
}
