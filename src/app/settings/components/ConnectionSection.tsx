import { Flex, Heading, Select } from '@hubspot/ui-extensions';
import type { CreateConnectionResponse, SettingsResponse } from '../api-types';
import type { Notify } from '../hooks/useAction';
import { ConnectionForm } from './ConnectionForm';
import { ConnectionList } from './ConnectionList';

interface ConnectionSectionProps {
  portalId: number;
  settings: SettingsResponse;
  selectedConnectionId: string | null;
  onSelectConnection: (connectionId: string) => void;
  onConnectionSaved: (response: CreateConnectionResponse) => void;
  notify: Notify;
  timeZone?: string;
  locale?: string;
}

/** Section 1: the connected pretix organizers and the form to add one. */
export const ConnectionSection = (props: ConnectionSectionProps) => {
  const { connections } = props.settings;
  return (
    <Flex direction="column" gap="sm" testId="connection-section">
      <Heading>pretix connection</Heading>
      <ConnectionList connections={connections} timeZone={props.timeZone} locale={props.locale} />
      {connections.length > 1 && (
        <Select
          label="Organizer to configure"
          name="connection"
          value={props.selectedConnectionId ?? undefined}
          options={connections.map((connection) => ({ label: `${connection.organizer} (${connection.baseUrl})`, value: connection.id }))}
          onChange={(value) => props.onSelectConnection(String(value))}
          testId="connection-select"
        />
      )}
      <ConnectionForm portalId={props.portalId} notify={props.notify} onSaved={props.onConnectionSaved} />
    </Flex>
  );
};
