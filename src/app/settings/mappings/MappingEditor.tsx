import { Flex, Heading, LoadingSpinner, Text } from '@hubspot/ui-extensions';
import type { EventSummary, MappingsResponse } from '../api-types';
import { SectionError } from '../components/SectionError';
import type { Notify } from '../hooks/useAction';
import { useReceiver } from '../lib/useReceiver';
import { paths } from '../paths';
import { MappingDraftEditor } from './MappingDraftEditor';

interface MappingEditorProps {
  portalId: number;
  connectionId: string;
  event: EventSummary;
  notify: Notify;
  onSaved: (eventSlug: string, mappingCount: number) => void;
}

/** Section 3: the object mappings of one event, in the terms of pretix's own HubSpot plugin. */
export const MappingEditor = ({ portalId, connectionId, event, notify, onSaved }: MappingEditorProps) => {
  const { state, reload } = useReceiver<MappingsResponse>(portalId, paths.mappings(connectionId, event.slug));
  return (
    <Flex direction="column" gap="sm" testId="mappings-section">
      <Heading>{`Mappings for ${event.name}`}</Heading>
      <Text variant="microcopy">
        Each object mapping writes one HubSpot object per pretix order (or per ticket, for order positions), found by its
        identifier. Mappings run top to bottom.
      </Text>
      {state.data === undefined && state.status !== 'error' && <LoadingSpinner label="Loading mappings" />}
      {state.data === undefined && state.error && (
        <SectionError title="The mappings could not be loaded" error={state.error} onRetry={reload} />
      )}
      {state.data !== undefined && (
        <MappingDraftEditor
          portalId={portalId}
          connectionId={connectionId}
          eventSlug={event.slug}
          initial={state.data}
          notify={notify}
          onSaved={(saved) => onSaved(event.slug, saved.mappings.length)}
        />
      )}
    </Flex>
  );
};
