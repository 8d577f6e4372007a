// The settings page's event filters and pages (pure functions; the table itself is tested in settings.test.tsx).
import { describe, expect, it } from 'vitest';
import { filterEvents, isFiltered, NO_FILTER, pageOf } from '../../src/app/settings/events/event-filter';
import * as fx from './settings-fixtures';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const events = [
  fx.event({ slug: 'over', name: 'Over', dateFrom: '2026-11-01T09:00:00Z', dateTo: '2026-11-02T18:00:00Z' }),
  fx.event({ slug: 'running', name: 'Running', dateFrom: '2026-11-30T09:00:00Z', dateTo: '2026-12-02T18:00:00Z', enabled: true }),
  fx.event({ slug: 'undated', name: 'Undated', dateFrom: null, dateTo: null }),
  fx.event({ slug: 'soon', name: 'Café Soon', dateFrom: '2027-01-10T09:00:00Z', dateTo: null, enabled: true }),
];
const slugs = (list: { slug: string }[]) => list.map((e) => e.slug);

describe('event filter', () => {
  it('splits past from upcoming by the end date (the start when there is none); undated events count as upcoming', () => {
    expect(slugs(filterEvents(events, { ...NO_FILTER, date: 'past' }, NOW))).toEqual(['over']);
    expect(slugs(filterEvents(events, { ...NO_FILTER, date: 'upcoming' }, NOW))).toEqual(['running', 'undated', 'soon']);
  });

  it('matches every word in the name or short form, ignoring case and accents, combined with the sync state', () => {
    expect(slugs(filterEvents(events, { ...NO_FILTER, text: 'cafe' }, NOW))).toEqual(['soon']);
    expect(slugs(filterEvents(events, { ...NO_FILTER, text: '  RUN  ning ' }, NOW))).toEqual(['running']);
    expect(slugs(filterEvents(events, { ...NO_FILTER, sync: 'enabled' }, NOW))).toEqual(['running', 'soon']);
    expect(slugs(filterEvents(events, { text: 'o', sync: 'disabled', date: 'all' }, NOW))).toEqual(['over']);
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, text: ' ' })).toBe(false);
    expect(isFiltered({ ...NO_FILTER, date: 'past' })).toBe(true);
  });

  it('pages, clamping a page past the end to the last one', () => {
    const many = Array.from({ length: 51 }, (_, n) => fx.event({ slug: `e${n}` }));
    expect(pageOf(many, 1)).toMatchObject({ page: 1, pageCount: 3, first: 1, last: 25 });
    expect(pageOf(many, 9)).toMatchObject({ page: 3, pageCount: 3, first: 51, last: 51 });
    expect(pageOf([], 4)).toMatchObject({ rows: [], page: 1, pageCount: 1, first: 0, last: 0 });
  });
});
