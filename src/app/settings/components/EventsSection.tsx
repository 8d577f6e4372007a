import { Flex, Heading, LoadingSpinner } from '@hubspot/ui-extensions';
import type { ConnectionSummary, EventSummary, EventsResponse } from '../api-types';
import type { Notify } from '../hooks/useAction';
import type { ReceiverResource } from '../lib/useReceiver';
import { AllEventsSwitch } from './AllEventsSwitch';
import { EventsTable } from './EventsTable';
import { SectionError } from './SectionError';

interface EventsSectionProps {
  portalId: number;
  connection: ConnectionSummary;
  events: ReceiverResource<EventsResponse>;
  actionTypes: string[];
  selectedEvent: string | null;
  onEditMappings: (eventSlug: string) => void;
  notify: Notify;
  /** After "sync every event" changed: the connection and the events reload. */
  onConnectionChanged: () => void;
  timeZone?: string;
  locale?: string;
}

/** Section 2: the organizer's events, with the switch that enables sync per event. */
export const EventsSection = ({ events, connection, ...props }: EventsSectionProps) => {
  const { state } = events;
  // Several at once from the bulk switch: one replace, since each call starts from this render's list.
  const replaceEvent = (changed: EventSummary | EventSummary[]) => {
    if (!state.data) return;
    const bySlug = new Map((Array.isArray(changed) ? changed : [changed]).map((event) => [event.slug, event]));
    events.replace({ events: state.data.events.map((event) => bySlug.get(event.slug) ?? event) });
  };
  return (
    <Flex direction="column" gap="sm" testId="events-section">
      <Heading>{`Events of ${connection.organizer}`}</Heading>
      <AllEventsSwitch key={connection.id} portalId={props.portalId} connection={connection} notify={props.notify} onChanged={props.onConnectionChanged} />
      {state.data === undefined && state.status !== 'error' && <LoadingSpinner label="Loading events" />}
      {state.data === undefined && state.error && (
        <SectionError title="The events could not be loaded from pretix" error={state.error} onRetry={events.reload} />
      )}
      {state.data !== undefined && (
        <EventsTable
          portalId={props.portalId}
          connectionId={connection.id}
          events={state.data.events}
          webhookUrl={connection.webhookUrl}
          actionTypes={props.actionTypes}
          selectedEvent={props.selectedEvent}
          notify={props.notify}
          onEventChanged={replaceEvent}
          onEditMappings={props.onEditMappings}
          timeZone={props.timeZone}
          locale={props.locale}
        />
      )}
    </Flex>
  );
};
