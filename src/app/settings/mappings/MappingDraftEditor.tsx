import { Alert, Button, ButtonRow, Flex, Text } from '@hubspot/ui-extensions';
import { useReducer } from 'react';
import type { CreateMissingPropertiesResponse, HubSpotObjectType, MappingsResponse, PretixModel } from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { useMappingCatalogs } from '../hooks/useMappingCatalogs';
import { toReceiverError } from '../lib/receiver';
import { paths } from '../paths';
import { AddMappingControls } from './AddMappingControls';
import { draftFromResponse, draftReducer, toSaveRequest } from './draft';
import { ObjectMappingEditor } from './ObjectMappingEditor';

interface MappingDraftEditorProps {
  portalId: number;
  connectionId: string;
  eventSlug: string;
  initial: MappingsResponse;
  notify: Notify;
  onSaved: (response: MappingsResponse) => void;
  /** Where Save goes instead of the event's mappings (a mapping set); answers the stored mappings. */
  saveTo?: { label: string; save: (request: ReturnType<typeof toSaveRequest>) => Promise<MappingsResponse> };
}

/** Edits a copy of the event's mappings; nothing reaches the receiver until Save. */
export const MappingDraftEditor = ({ portalId, connectionId, eventSlug, initial, notify, onSaved, saveTo }: MappingDraftEditorProps) => {
  const [draft, dispatch] = useReducer(draftReducer, initial, draftFromResponse);
  const save = useAction(portalId);
  const createMissing = useAction(portalId);
  const models = new Set<PretixModel>(draft.mappings.map((mapping) => mapping.pretix_model));
  const objectTypes = new Set<HubSpotObjectType>(draft.mappings.map((mapping) => mapping.external_object_type));
  const catalogs = useMappingCatalogs(portalId, connectionId, eventSlug, models, objectTypes);

  const saveMappings = async () => {
    const request = toSaveRequest(draft);
    try {
      const answer: Partial<MappingsResponse> = saveTo
        ? await saveTo.save(request)
        : await save.run<Partial<MappingsResponse>>('PUT', paths.mappings(connectionId, eventSlug), { ...request });
      // The receiver answers with the stored mappings; fall back to what was sent if it does not.
      const stored: MappingsResponse = Array.isArray(answer.mappings)
        ? { mappings: answer.mappings, warnings: answer.warnings ?? {} }
        : { mappings: request.mappings, warnings: {} };
      dispatch({ type: 'saved', response: stored });
      notify({ type: 'success', message: `Saved ${stored.mappings.length} object mapping(s) for ${saveTo?.label ?? eventSlug}.` });
      onSaved(stored);
    } catch (error) {
      const receiverError = toReceiverError(error);
      dispatch({ type: 'rejected', fieldErrors: receiverError.fieldErrors });
      notify({ type: 'danger', message: `The mappings were not saved: ${receiverError.message}` });
    }
  };

  const createMissingProperties = async () => {
    try {
      // The draft, not the saved mappings: the receiver refuses to save a mapping whose HubSpot property is missing,
      // so properties have to be created for what is on screen, before saving.
      const answer = await createMissing.run<CreateMissingPropertiesResponse>(
        'POST',
        paths.createMissingProperties(connectionId, eventSlug),
        { mappings: toSaveRequest(draft).mappings },
      );
      const names = answer.created.map((property) => `${property.objectType}.${property.name}`).join(', ');
      notify({
        type: 'success',
        message: answer.created.length
          ? `Created ${answer.created.length} HubSpot properties (${names}); ${answer.existing} already existed.`
          : `All ${answer.existing} HubSpot properties already exist.`,
      });
      catalogs.reloadProperties();
    } catch (error) {
      notify({ type: 'danger', message: `HubSpot properties were not created: ${toReceiverError(error).message}` });
    }
  };

  return (
    <Flex direction="column" gap="md" testId="mapping-editor">
      {catalogs.errors.map(({ what, error }) => (
        <Alert key={what} title={`Could not load the ${what}`} variant="warning">
          {error.message} The selects show the saved values only.
        </Alert>
      ))}
      {draft.generalErrors.length > 0 && (
        <Alert title="The mappings were not saved" variant="danger" testId="mapping-general-errors">
          {draft.generalErrors.join(' ')}
        </Alert>
      )}
      {draft.mappings.length === 0 && <Text>No object mappings yet: nothing of this event is written to HubSpot.</Text>}
      {draft.mappings.map((mapping, index) => (
        <ObjectMappingEditor
          key={mapping.key}
          index={index}
          mapping={mapping}
          earlier={draft.mappings.slice(0, index)}
          isLast={index === draft.mappings.length - 1}
          draft={draft}
          sourceFields={catalogs.sourceFields[mapping.pretix_model]}
          properties={catalogs.properties[mapping.external_object_type]}
          dispatch={dispatch}
        />
      ))}
      <AddMappingControls dispatch={dispatch} />
      <ButtonRow>
        <Button variant="primary" disabled={!draft.dirty || save.busy} onClick={() => void saveMappings()} testId="save-mappings">
          {save.busy ? 'Saving…' : 'Save mappings'}
        </Button>
        <Button
          variant="secondary"
          disabled={createMissing.busy || draft.mappings.length === 0}
          onClick={() => void createMissingProperties()}
          testId="create-missing-properties"
        >
          Create missing HubSpot properties
        </Button>
      </ButtonRow>
      {draft.dirty && <Text variant="microcopy">Unsaved changes. Missing HubSpot properties are created for the mappings as shown here; then save.</Text>}
    </Flex>
  );
};
