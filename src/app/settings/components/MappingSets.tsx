import { Button, Flex, Heading, Input, Select, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type {
  AssignMappingSetRequest,
  AssignMappingSetResponse,
  DeleteMappingSetResponse,
  EventSummary,
  MappingSetDto,
  MappingSetsResponse,
  SaveMappingSetResponse,
} from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { ReceiverError, toReceiverError } from '../lib/receiver';
import { MappingDraftEditor } from '../mappings/MappingDraftEditor';
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
 * A set's field errors name the event that lacks a field (`events.<slug>.mappings.0…`); the editor marks rows by
 * `mappings.0…`, so the event goes into the message (the receiver already starts it with the slug) and out of the key.
 */
function withRowKeys(error: unknown): ReceiverError {
  const receiverError = toReceiverError(error);
  const fieldErrors: Record<string, string> = {};
  for (const [key, message] of Object.entries(receiverError.fieldErrors)) {
    const rowKey = key.replace(/^events\.[^.]+\./, '');
    fieldErrors[rowKey] = fieldErrors[rowKey] ? `${fieldErrors[rowKey]} ${message}` : message;
  }
  return new ReceiverError(receiverError.kind, receiverError.message, receiverError.status, fieldErrors);
}

interface MappingSetEditorProps {
  portalId: number;
  connectionId: string;
  set: MappingSetDto;
  /** The event whose source fields the selects offer: one that uses the set, else any. */
  catalogEvent: string;
  notify: Notify;
  onSaved: () => void;
}

/** The rows of one set, in the same editor as an event's mappings; Save checks them against every event using it. */
const MappingSetEditor = ({ portalId, connectionId, set, catalogEvent, notify, onSaved }: MappingSetEditorProps) => {
  const { run } = useAction(portalId);
  return (
    <Flex direction="column" gap="sm" testId={`mapping-set-editor-${set.id}`}>
      <Heading>{`Rows of mapping set ${set.name}`}</Heading>
      <Text variant="microcopy">
        {`Saved rows are checked against every event that uses the set (${set.events.length}); those events then sync their existing orders again for the mappings that changed, in the background. The pretix fields offered are those of ${catalogEvent}.`}
      </Text>
      <MappingDraftEditor
        portalId={portalId}
        connectionId={connectionId}
        eventSlug={catalogEvent}
        initial={{ mappings: set.mappings, warnings: {} }}
        notify={notify}
        onSaved={onSaved}
        saveTo={{
          label: `mapping set ${set.id}`,
          save: async (request) => {
            try {
              const answer = await run<SaveMappingSetResponse>('PUT', paths.mappingSet(connectionId, set.id), { mappings: request.mappings });
              if (answer.resync.started.length > 0) {
                notify({ type: 'info', message: `${answer.resync.started.length} event(s) using ${set.name} are syncing their existing orders again in the background.` });
              }
              return { mappings: answer.set.mappings, warnings: {} };
            } catch (error) {
              throw withRowKeys(error);
            }
          },
        }}
      />
    </Flex>
  );
};

/**
 * Organizer-wide mapping sets: which exist and which events use them; copy an event's mappings into a set, pick the
 * set an event syncs with (or its own mappings), edit a set's rows, and delete a set nothing uses.
 */
export const MappingSets = ({ portalId, connectionId, events, notify, onAssigned }: MappingSetsProps) => {
  const sets = useReceiver<MappingSetsResponse>(portalId, paths.mappingSets(connectionId));
  const { busy, run } = useAction(portalId);
  const [eventSlug, setEventSlug] = useState(events[0]?.slug ?? '');
  const [choice, setChoice] = useState(OWN);
  const [newSetId, setNewSetId] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const chosenEvent = events.find((event) => event.slug === eventSlug);

  if (sets.state.error) return <SectionError title="The mapping sets could not be loaded" error={sets.state.error} onRetry={sets.reload} testId="mapping-sets-error" />;
  const list = sets.state.data?.sets ?? [];
  const editedSet = list.find((set) => set.id === editing);

  const remove = async (set: MappingSetDto) => {
    try {
      await run<DeleteMappingSetResponse>('DELETE', paths.mappingSet(connectionId, set.id), {});
      notify({ type: 'success', message: `Mapping set ${set.name} was deleted.` });
      if (editing === set.id) setEditing(null);
      sets.reload();
    } catch (error) {
      // 409 while events use it: the receiver's message names them.
      notify({ type: 'danger', message: toReceiverError(error).message });
    }
  };

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
          <Flex key={set.id} direction="row" gap="sm" align="center" wrap="wrap">
            <Text testId={`mapping-set-${set.id}`}>
              {`${set.name} (${set.id}): ${set.mappings.length} mapping(s), used by ${set.events.length === 0 ? 'no event' : set.events.join(', ')}`}
            </Text>
            <Button variant="secondary" size="xs" onClick={() => setEditing(editing === set.id ? null : set.id)} testId={`mapping-set-edit-${set.id}`}>
              {editing === set.id ? 'Close rows' : 'Edit rows'}
            </Button>
            <Button variant="destructive" size="xs" onClick={() => void remove(set)} disabled={busy} testId={`mapping-set-delete-${set.id}`}>
              Delete
            </Button>
          </Flex>
        ))
      )}
      {editedSet && (
        <MappingSetEditor
          key={editedSet.id}
          portalId={portalId}
          connectionId={connectionId}
          set={editedSet}
          catalogEvent={editedSet.events[0] ?? events[0]?.slug ?? ''}
          notify={notify}
          onSaved={() => {
            sets.reload();
            onAssigned();
          }}
        />
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
