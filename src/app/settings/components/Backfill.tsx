import { Flex, Heading, Text } from '@hubspot/ui-extensions';
import type { EventSummary } from '../api-types';
import type { Notify } from '../hooks/useAction';
import { BackfillRow } from './BackfillRow';

interface BackfillProps {
  portalId: number;
  connectionId: string;
  events: EventSummary[];
  notify: Notify;
}

/** Section 5: sync the orders that existed before the event was enabled, per enabled event. */
export const Backfill = ({ portalId, connectionId, events, notify }: BackfillProps) => {
  const enabled = events.filter((event) => event.enabled);
  return (
    <Flex direction="column" gap="sm" testId="backfill">
      <Heading>Existing orders</Heading>
      {enabled.length === 0 ? (
        <Text>Enable sync for an event to copy its existing orders to HubSpot.</Text>
      ) : (
        enabled.map((event) => (
          <BackfillRow key={event.slug} portalId={portalId} connectionId={connectionId} event={event} notify={notify} />
        ))
      )}
    </Flex>
  );
};
