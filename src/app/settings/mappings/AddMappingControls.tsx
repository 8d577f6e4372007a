import { Button, Flex, Select } from '@hubspot/ui-extensions';
import { useState, type Dispatch } from 'react';
import type { HubSpotObjectType, PretixModel } from '../api-types';
import type { DraftAction } from './draft';
import { MODEL_OPTIONS, OBJECT_TYPE_OPTIONS } from './ObjectMappingEditor';

/** Picks the two object types of a new mapping, which starts with the usual identifier for that pair. */
export const AddMappingControls = ({ dispatch }: { dispatch: Dispatch<DraftAction> }) => {
  const [model, setModel] = useState<PretixModel>('Order');
  const [objectType, setObjectType] = useState<HubSpotObjectType>('contacts');
  return (
    <Flex direction="row" gap="sm" align="end">
      <Select
        label="pretix object type"
        name="new-mapping-model"
        value={model}
        options={MODEL_OPTIONS}
        onChange={(value) => setModel(value as PretixModel)}
        testId="new-mapping-model"
      />
      <Select
        label="HubSpot object type"
        name="new-mapping-object-type"
        value={objectType}
        options={OBJECT_TYPE_OPTIONS}
        onChange={(value) => setObjectType(value as HubSpotObjectType)}
        testId="new-mapping-object-type"
      />
      <Button onClick={() => dispatch({ type: 'addMapping', pretixModel: model, objectType })} testId="add-mapping">
        Add object mapping
      </Button>
    </Flex>
  );
};
