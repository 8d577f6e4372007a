import {
  Divider,
  Flex,
  LoadingSpinner,
  hubspot,
  type ExtensionPointApiActions,
  type SettingsContext,
} from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { EventsResponse, SettingsResponse } from './api-types';
import { Backfill } from './components/Backfill';
import { ConnectionSection } from './components/ConnectionSection';
import { EventsSection } from './components/EventsSection';
import { MappingSets } from './components/MappingSets';
import { SectionError } from './components/SectionError';
import { SyncProblems } from './components/SyncProblems';
import { useReceiver } from './lib/useReceiver';
import { MappingEditor } from './mappings/MappingEditor';
import { paths } from './paths';

hubspot.extend<'settings'>(({ context, actions }) => <Settings context={context} actions={actions} />);

export interface SettingsProps {
  context: SettingsContext;
  actions: Pick<ExtensionPointApiActions<'settings'>, 'addAlert'>;
}

/** The app's settings page: pretix connection, events, mappings, sync problems and backfill. */
export const Settings = ({ context, actions }: SettingsProps) => {
  const portalId = context.portal.id;
  const timeZone = context.portal.timezone;
  const locale = context.user.locale;
  const notify = actions.addAlert;
  const settings = useReceiver<SettingsResponse>(portalId, paths.settings);
  const [chosenConnection, setChosenConnection] = useState<string | null>(null);
  const [selectedEvent, setSelectedEvent] = useState<string | null>(null);

  const connections = settings.state.data?.connections ?? [];
  const connection = connections.find((candidate) => candidate.id === chosenConnection) ?? connections[0];
  const events = useReceiver<EventsResponse>(portalId, connection ? paths.events(connection.id) : null);
  const editedEvent = events.state.data?.events.find((event) => event.slug === selectedEvent);

  if (settings.state.data === undefined) {
    return settings.state.error ? (
      <SectionError title="The settings could not be loaded" error={settings.state.error} onRetry={settings.reload} testId="settings-error" />
    ) : (
      <LoadingSpinner label="Loading pretix settings" layout="centered" showLabel />
    );
  }

  const refreshMappingCount = (eventSlug: string, mappingCount: number) => {
    const data = events.state.data;
    if (data) events.replace({ events: data.events.map((event) => (event.slug === eventSlug ? { ...event, mappingCount } : event)) });
  };

  return (
    <Flex direction="column" gap="lg">
      <ConnectionSection
        portalId={portalId}
        settings={settings.state.data}
        selectedConnectionId={connection?.id ?? null}
        onSelectConnection={(connectionId) => {
          setChosenConnection(connectionId);
          setSelectedEvent(null);
        }}
        onConnectionSaved={(response) => {
          setChosenConnection(response.connection.id);
          setSelectedEvent(null);
          settings.reload();
        }}
        notify={notify}
        timeZone={timeZone}
        locale={locale}
      />
      {connection && (
        <>
          <Divider />
          <EventsSection
            portalId={portalId}
            connection={connection}
            events={events}
            actionTypes={settings.state.data.webhookActionTypes}
            selectedEvent={selectedEvent}
            onEditMappings={setSelectedEvent}
            notify={notify}
            onConnectionChanged={() => {
              settings.reload();
              events.reload();
            }}
            timeZone={timeZone}
            locale={locale}
          />
        </>
      )}
      {connection && events.state.data && events.state.data.events.length > 0 && (
        <>
          <Divider />
          <MappingSets
            key={connection.id}
            portalId={portalId}
            connectionId={connection.id}
            events={events.state.data.events}
            notify={notify}
            onAssigned={events.reload}
          />
        </>
      )}
      {connection && editedEvent && (
        <>
          <Divider />
          <MappingEditor
            key={`${connection.id}/${editedEvent.slug}`}
            portalId={portalId}
            connectionId={connection.id}
            event={editedEvent}
            notify={notify}
            onSaved={refreshMappingCount}
          />
        </>
      )}
      <Divider />
      <SyncProblems portalId={portalId} notify={notify} timeZone={timeZone} locale={locale} />
      {connection && events.state.data && (
        <>
          <Divider />
          <Backfill portalId={portalId} connectionId={connection.id} events={events.state.data.events} notify={notify} />
        </>
      )}
    </Flex>
  );
};
