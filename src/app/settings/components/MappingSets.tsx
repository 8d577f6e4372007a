import { Button, Flex, Heading, Input, Select, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type {
  AssignMappingSetRequest,
  AssignMappingSetResponse,
  EventSummary,
  MappingSetsResponse,
  SaveMappingSetResponse,
} from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { toReceiverError } from '../lib/receiver';
import { useReceiver } from '../lib/useReceiver';
import { paths } from '../paths';
import { SectionError } from './SectionError';

interface MappingSetsProps {
  portalId: number;
  connectionId: string;
  events: EventSummary[];
  notify: Notify;
  /** After an assignment: the events list reloads (mapping counts and the set column change). */
  onAssigned: () => void;
}

const OWN = '';

/**
 * Organizer-wide mapping sets: which exist and which events use them; copy an event's mappings into a set, and
 * pick the set an event syncs with (or its own mappings). Editing a set's rows is the CLI's and API's for now.
 */
export const MappingSets = ({ portalId, connectionId, events, notify, onAssigned }: MappingSetsProps) => {
  const sets = useReceiver<MappingSetsResponse>(portalId, paths.mappingSets(connectionId));
  const { busy, run } = useAction(portalId);
  const [eventSlug, setEventSlug] = useState(events[0]?.slug ?? '');
  const [choice, setChoice] = useState(OWN);
  const [newSetId, setNewSetId] = useState('');
  const chosenEvent = events.find((event) => event.slug === eventSlug);

  if (sets.state.error) return <SectionError title="The mapping sets could not be loaded" error={sets.state.error} onRetry={sets.reload} testId="mapping-sets-error" />;
  const list = sets.state.data?.sets ?? [];

  const copy = async () => {
    if (!chosenEvent) return;
    try {
      const answer = await run<SaveMappingSetResponse>('POST', paths.copyMappingSet(connectionId, newSetId.trim(), chosenEvent.slug), {});
      notify({ type: 'success', message: `Mapping set ${answer.set.id} now holds the ${answer.set.mappings.length} mapping(s) of ${chosenEvent.name}.` });
      sets.reload();
    } catch (error) {
      notify({ type: 'danger', message: `Could not copy the mappings of ${chosenEvent.name}: ${toReceiverError(error).message}` });
    }
  };

  const assign = async () => {
    if (!chosenEvent) return;
    const body: AssignMappingSetRequest = { set: choice === OWN ? null : choice };
    try {
      await run<AssignMappingSetResponse>('PUT', paths.assignMappingSet(connectionId, chosenEvent.slug), { ...body });
      notify({ type: 'success', message: `${chosenEvent.name} now syncs with ${body.set === null ? 'its own mappings' : `mapping set ${body.set}`}.` });
      sets.reload();
      onAssigned();
    } catch (error) {
      notify({ type: 'danger', message: `Could not change the mappings of ${chosenEvent.name}: ${toReceiverError(error).message}` });
    }
  };

  return (
    <Flex direction="column" gap="sm" testId="mapping-sets">
      <Heading>Mapping sets</Heading>
      {list.length === 0 ? (
        <Text>No mapping sets yet: copy the mappings of an event into one to share them with other events.</Text>
      ) : (
        list.map((set) => (
          <Text key={set.id} testId={`mapping-set-${set.id}`}>
            {`${set.name} (${set.id}): ${set.mappings.length} mapping(s), used by ${set.events.length === 0 ? 'no event' : set.events.join(', ')}`}
          </Text>
        ))
      )}
      <Flex direction="row" gap="sm" align="end" wrap="wrap">
        <Select
          label="Event"
          name="mapping-set-event"
          value={eventSlug}
          options={events.map((event) => ({ label: event.name, value: event.slug }))}
          onChange={(value) => {
            const slug = String(value ?? '');
            setEventSlug(slug);
            setChoice(events.find((event) => event.slug === slug)?.mappingSetId ?? OWN);
          }}
          testId="mapping-set-event"
        />
        <Select
          label="Syncs with"
          name="mapping-set-choice"
          value={choice}
          options={[{ label: 'Its own mappings', value: OWN }, ...list.map((set) => ({ label: set.name, value: set.id }))]}
          onChange={(value) => setChoice(String(value ?? OWN))}
          testId="mapping-set-choice"
        />
        <Button variant="primary" onClick={() => void assign()} disabled={busy || !chosenEvent} testId="mapping-set-assign">
          Use for this event
        </Button>
      </Flex>
      <Flex direction="row" gap="sm" align="end" wrap="wrap">
        <Input
          label="Set id (lower-case letters, digits, dashes)"
          name="mapping-set-new-id"
          value={newSetId}
          onInput={(value) => setNewSetId(String(value))}
          onChange={(value) => setNewSetId(String(value))}
          testId="mapping-set-new-id"
        />
        <Button variant="secondary" onClick={() => void copy()} disabled={busy || !chosenEvent || newSetId.trim() === ''} testId="mapping-set-copy">
          Copy the mappings of this event into the set
        </Button>
      </Flex>
    </Flex>
  );
};
