import { Button, Flex, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import type { EventSummary } from '../api-types';
import type { Notify } from '../hooks/useAction';
import { formatDate } from '../lib/format';
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
  onEventChanged: (event: EventSummary) => void;
  onEditMappings: (eventSlug: string) => void;
  timeZone?: string;
  locale?: string;
}

const dateRange = (event: EventSummary, timeZone?: string, locale?: string): string =>
  event.dateTo && event.dateTo !== event.dateFrom
    ? `${formatDate(event.dateFrom, timeZone, locale)} – ${formatDate(event.dateTo, timeZone, locale)}`
    : formatDate(event.dateFrom, timeZone, locale);

/** The connection's events: dates, live/test state, sync switch, webhook state, and the way into the mappings. */
export const EventsTable = (props: EventsTableProps) => {
  const { events, timeZone, locale } = props;
  if (events.length === 0) return <Text>This pretix organizer has no events yet.</Text>;
  return (
    <Table bordered testId="events">
      <TableHead>
        <TableRow>
          <TableHeader>Event</TableHeader>
          <TableHeader>Dates</TableHeader>
          <TableHeader>State</TableHeader>
          <TableHeader>Sync</TableHeader>
          <TableHeader>Webhook</TableHeader>
          <TableHeader>Mappings</TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {events.map((event) => (
          <TableRow key={event.slug} testId={`event-${event.slug}`}>
            <TableCell>
              <Flex direction="column" gap="flush">
                <Text format={{ fontWeight: 'demibold' }}>{event.name}</Text>
                <Text variant="microcopy">{event.slug}</Text>
              </Flex>
            </TableCell>
            <TableCell>{dateRange(event, timeZone, locale)}</TableCell>
            <TableCell>
              <Flex direction="row" gap="xs">
                <StatusTag variant={event.live ? 'success' : 'default'} testId={`live-${event.slug}`}>
                  {event.live ? 'Live' : 'Not live'}
                </StatusTag>
                {event.testmode && <Tag variant="warning">Test mode</Tag>}
              </Flex>
            </TableCell>
            <TableCell>
              <EventSyncToggle
                portalId={props.portalId}
                connectionId={props.connectionId}
                event={event}
                notify={props.notify}
                onChanged={props.onEventChanged}
              />
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
        ))}
      </TableBody>
    </Table>
  );
};
