import { Button, Flex, Input, Select, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { EventSummary } from '../api-types';
import type { Notify } from '../hooks/useAction';
import { filterEvents, isFiltered, NO_FILTER, pageOf, type DateFilter, type EventFilter, type SyncFilter } from '../events/event-filter';
import { formatDate } from '../lib/format';
import { BulkSync } from './BulkSync';
import { EventSyncToggle } from './EventSyncToggle';
import { WebhookState } from './WebhookState';

interface EventsTableProps {
  portalId: number;
  connectionId: string;
  events: EventSummary[];
  webhookUrl: string;
  actionTypes: string[];
  selectedEvent: string | null;
  notify: Notify;
  onEventChanged: (event: EventSummary | EventSummary[]) => void;
  onEditMappings: (eventSlug: string) => void;
  timeZone?: string;
  locale?: string;
}

const SYNC_OPTIONS: { label: string; value: SyncFilter }[] = [
  { label: 'All events', value: 'all' },
  { label: 'Sync on', value: 'enabled' },
  { label: 'Sync off', value: 'disabled' },
];
const DATE_OPTIONS: { label: string; value: DateFilter }[] = [
  { label: 'Any date', value: 'all' },
  { label: 'Upcoming or running', value: 'upcoming' },
  { label: 'Past', value: 'past' },
];

const dateRange = (event: EventSummary, timeZone?: string, locale?: string): string =>
  event.dateTo && event.dateTo !== event.dateFrom
    ? `${formatDate(event.dateFrom, timeZone, locale)} – ${formatDate(event.dateTo, timeZone, locale)}`
    : formatDate(event.dateFrom, timeZone, locale);

/**
 * The connection's events: dates, live/test state, sync switch, webhook state, and the way into the mappings;
 * filtered by name, sync state and date, 25 to a page (all in the page, see ../events/event-filter.ts).
 */
export const EventsTable = (props: EventsTableProps) => {
  const { events } = props;
  const [filter, setFilter] = useState<EventFilter>(NO_FILTER);
  const [page, setPage] = useState(1);
  // "Past" and "upcoming" as of when the page was opened.
  const [now] = useState(() => Date.now());
  if (events.length === 0) return <Text>This pretix organizer has no events yet.</Text>;

  const update = (change: Partial<EventFilter>) => {
    // From the latest state: typing fires onInput and onChange, and two changes can come before a render.
    setFilter((current) => ({ ...current, ...change }));
    setPage(1);
  };
  const matching = filterEvents(events, filter, now);
  const shown = pageOf(matching, page);
  const enabledCount = events.filter((event) => event.enabled).length;
  const summary =
    matching.length === 0
      ? `No event matches (${events.length} in all).`
      : `Showing ${shown.first}–${shown.last} of ${matching.length}${matching.length < events.length ? ` matching (${events.length} in all)` : ''}; sync is on for ${enabledCount}.`;

  const tableContent = [
    <TableHead key="head">
      <TableRow>
        <TableHeader>Event</TableHeader>
        <TableHeader>Dates</TableHeader>
        <TableHeader>State</TableHeader>
        <TableHeader>Sync</TableHeader>
        <TableHeader>Webhook</TableHeader>
        <TableHeader>Mappings</TableHeader>
      </TableRow>
    </TableHead>,
    <TableBody key="body">
      {shown.rows.map((event) => (
        <EventRow key={event.slug} event={event} {...props} />
      ))}
    </TableBody>,
  ];

  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="sm" align="end" wrap="wrap">
        <Input
          label="Search events"
          name="event-filter-text"
          placeholder="Name or short form"
          value={filter.text}
          onInput={(value) => update({ text: String(value) })}
          onChange={(value) => update({ text: String(value) })}
          testId="event-filter-text"
        />
        <Select
          label="Sync"
          name="event-filter-sync"
          value={filter.sync}
          options={SYNC_OPTIONS}
          onChange={(value) => update({ sync: (value as SyncFilter) ?? 'all' })}
          testId="event-filter-sync"
        />
        <Select
          label="Date"
          name="event-filter-date"
          value={filter.date}
          options={DATE_OPTIONS}
          onChange={(value) => update({ date: (value as DateFilter) ?? 'all' })}
          testId="event-filter-date"
        />
        {isFiltered(filter) && (
          <Button size="sm" variant="secondary" onClick={() => update(NO_FILTER)} testId="event-filter-clear">
            Clear filters
          </Button>
        )}
      </Flex>
      <Text variant="microcopy" testId="events-summary">
        {summary}
      </Text>
      {matching.length > 1 && (
        <BulkSync portalId={props.portalId} connectionId={props.connectionId} events={matching} notify={props.notify} onEventChanged={props.onEventChanged} />
      )}
      {shown.rows.length > 0 &&
        (shown.pageCount > 1 ? (
          <Table bordered testId="events" paginated pageCount={shown.pageCount} page={shown.page} onPageChange={setPage} showFirstLastButtons>
            {tableContent}
          </Table>
        ) : (
          <Table bordered testId="events">
            {tableContent}
          </Table>
        ))}
    </Flex>
  );
};

const EventRow = ({ event, ...props }: EventsTableProps & { event: EventSummary }) => (
  <TableRow testId={`event-${event.slug}`}>
    <TableCell>
      <Flex direction="column" gap="flush">
        <Text format={{ fontWeight: 'demibold' }}>{event.name}</Text>
        <Text variant="microcopy">{event.slug}</Text>
      </Flex>
    </TableCell>
    <TableCell>{dateRange(event, props.timeZone, props.locale)}</TableCell>
    <TableCell>
      <Flex direction="row" gap="xs">
        <StatusTag variant={event.live ? 'success' : 'default'} testId={`live-${event.slug}`}>
          {event.live ? 'Live' : 'Not live'}
        </StatusTag>
        {event.testmode && <Tag variant="warning">Test mode</Tag>}
      </Flex>
    </TableCell>
    <TableCell>
      <Flex direction="column" gap="flush">
        <EventSyncToggle portalId={props.portalId} connectionId={props.connectionId} event={event} notify={props.notify} onChanged={props.onEventChanged} />
        {event.enabled && event.autoEnabled && (
          <Text variant="microcopy" testId={`auto-enabled-${event.slug}`}>
            Enabled automatically
          </Text>
        )}
      </Flex>
    </TableCell>
    <TableCell>
      <WebhookState event={event} webhookUrl={props.webhookUrl} actionTypes={props.actionTypes} />
    </TableCell>
    <TableCell>
      <Button
        size="xs"
        variant={props.selectedEvent === event.slug ? 'primary' : 'secondary'}
        onClick={() => props.onEditMappings(event.slug)}
        testId={`edit-mappings-${event.slug}`}
      >
        {`Edit mappings (${event.mappingCount})`}
      </Button>
    </TableCell>
  </TableRow>
);
