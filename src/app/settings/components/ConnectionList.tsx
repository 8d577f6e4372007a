import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import type { ConnectionSummary } from '../api-types';
import { formatDate } from '../lib/format';

interface ConnectionListProps {
  connections: ConnectionSummary[];
  timeZone?: string;
  locale?: string;
}

/** Connected pretix organizers and the webhook URL each one sends to. */
export const ConnectionList = ({ connections, timeZone, locale }: ConnectionListProps) => {
  if (connections.length === 0) return <Text>No pretix organizer is connected yet.</Text>;
  return (
    <Table bordered testId="connections">
      <TableHead>
        <TableRow>
          <TableHeader>pretix</TableHeader>
          <TableHeader>Organizer</TableHeader>
          <TableHeader>Connected</TableHeader>
          <TableHeader>Webhook URL</TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {connections.map((connection) => (
          <TableRow key={connection.id} testId={`connection-${connection.id}`}>
            <TableCell>{connection.baseUrl}</TableCell>
            <TableCell>{connection.organizer}</TableCell>
            <TableCell>{formatDate(connection.createdAt, timeZone, locale)}</TableCell>
            <TableCell>
              <Text variant="microcopy">{connection.webhookUrl}</Text>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};
