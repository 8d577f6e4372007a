import { Alert, Flex, Heading, Link, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import type { CardMarketingEvent } from '../api-types';
import { formatDateTime } from '../lib/format';

const LABELS: Record<CardMarketingEvent['state'], string> = {
  registered: 'Registered',
  attended: 'Attended',
  cancelled: 'Cancelled',
  reverted: 'Check-in reverted',
};
const VARIANTS: Record<CardMarketingEvent['state'], 'success' | 'info' | 'danger' | 'warning'> = {
  registered: 'info',
  attended: 'success',
  cancelled: 'danger',
  reverted: 'warning',
};

/** The contact's participation in the HubSpot marketing events of pretix events and dates, next to the orders. */
export const MarketingEvents = ({ events, notices, timeZone, locale }: { events: CardMarketingEvent[]; notices: string[]; timeZone?: string; locale?: string }) => {
  if (events.length === 0 && notices.length === 0) return null;
  return (
    <Flex direction="column" gap="xs">
      <Heading>Events</Heading>
      {notices.map((notice) => (
        <Alert key={notice} title="Marketing event unavailable" variant="warning" testId="marketing-event-notice">
          {notice}
        </Alert>
      ))}
      {events.length > 0 && (
        <Table bordered testId="marketing-events">
          <TableHead>
            <TableRow>
              <TableHeader>Event</TableHeader>
              <TableHeader>State</TableHeader>
              <TableHeader>When</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {events.map((event) => (
              <TableRow key={`${event.connectionId}:${event.externalEventId}`}>
                <TableCell>{event.hubspotUrl ? <Link href={event.hubspotUrl}>{event.name}</Link> : <Text>{event.name}</Text>}</TableCell>
                <TableCell>
                  <StatusTag variant={VARIANTS[event.state]} testId={`participation-${event.externalEventId}`}>
                    {LABELS[event.state]}
                  </StatusTag>
                </TableCell>
                <TableCell>{formatDateTime(event.at, timeZone, locale)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {events.some((event) => event.state === 'reverted') && (
        <Text variant="microcopy">{'A check-in reverted in pretix stays “attended” in HubSpot: HubSpot has no way to take an attendance back.'}</Text>
      )}
    </Flex>
  );
};
