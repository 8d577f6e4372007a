import { Flex, Select, Text, Toggle } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { ConnectionSummary, MappingSetsResponse, SetAllEventsRequest, SetAllEventsResponse } from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { toReceiverError } from '../lib/receiver';
import { useReceiver } from '../lib/useReceiver';
import { paths } from '../paths';

interface AllEventsSwitchProps {
  portalId: number;
  connection: ConnectionSummary;
  notify: Notify;
  /** After a change: the connection (settings) and the events table reload, since events were enabled. */
  onChanged: () => void;
}

const DEFAULT_MAPPINGS = '';

/**
 * "Sync every event of this organizer": new events are enabled as pretix announces them, with the chosen mapping set
 * (or the default mappings). Turning it off keeps the events it enabled syncing; the receiver's answer says so.
 */
export const AllEventsSwitch = ({ portalId, connection, notify, onChanged }: AllEventsSwitchProps) => {
  const sets = useReceiver<MappingSetsResponse>(portalId, paths.mappingSets(connection.id));
  const { busy, run } = useAction(portalId);
  const [setId, setSetId] = useState(connection.defaultMappingSetId ?? DEFAULT_MAPPINGS);

  const save = async (enabled: boolean, defaultMappingSetId: string) => {
    const body: SetAllEventsRequest = { enabled, defaultMappingSetId: defaultMappingSetId === DEFAULT_MAPPINGS ? null : defaultMappingSetId };
    try {
      const answer = await run<SetAllEventsResponse>('PUT', paths.allEvents(connection.id), { ...body });
      notify({ type: 'success', message: answer.message });
      onChanged();
    } catch (error) {
      notify({ type: 'danger', message: `Could not change "sync every event": ${toReceiverError(error).message}` });
    }
  };

  return (
    <Flex direction="row" gap="md" align="end" wrap="wrap" testId="all-events">
      <Toggle
        label="Sync every event of this organizer, new ones included"
        checked={connection.syncAllEvents}
        readOnly={busy}
        onChange={(checked) => void save(checked, setId)}
        testId="all-events-toggle"
      />
      <Select
        label="New events sync with"
        name="all-events-set"
        value={setId}
        options={[{ label: 'The default mappings', value: DEFAULT_MAPPINGS }, ...(sets.state.data?.sets ?? []).map((set) => ({ label: set.name, value: set.id }))]}
        onChange={(value) => {
          const next = String(value ?? DEFAULT_MAPPINGS);
          setSetId(next);
          if (connection.syncAllEvents) void save(true, next);
        }}
        testId="all-events-set"
      />
      {connection.syncAllEvents && <Text variant="microcopy">Events you switch off stay off; new events in pretix are switched on as soon as they appear.</Text>}
    </Flex>
  );
};
