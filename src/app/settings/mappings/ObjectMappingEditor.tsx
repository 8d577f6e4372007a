import { Button, ButtonRow, Flex, Heading, Select, Table, TableBody, TableHead, TableHeader, TableRow, Tile } from '@hubspot/ui-extensions';
import type { Dispatch } from 'react';
import type { HubSpotObjectType, HubSpotPropertiesResponse, PretixModel, SourceFieldsResponse } from '../api-types';
import { AssociationSelect } from './AssociationSelect';
import { MODEL_LABELS, OBJECT_TYPE_LABELS, mappingLabel, type Draft, type DraftAction, type DraftMapping } from './draft';
import { IdentifierRow } from './IdentifierRow';
import { PropertyRow } from './PropertyRow';

export const MODEL_OPTIONS = (Object.keys(MODEL_LABELS) as PretixModel[]).map((model) => ({ label: MODEL_LABELS[model], value: model }));
export const OBJECT_TYPE_OPTIONS = (Object.keys(OBJECT_TYPE_LABELS) as HubSpotObjectType[]).map((type) => ({
  label: OBJECT_TYPE_LABELS[type],
  value: type,
}));

interface ObjectMappingEditorProps {
  index: number;
  mapping: DraftMapping;
  earlier: DraftMapping[];
  isLast: boolean;
  draft: Pick<Draft, 'errors' | 'warnings'>;
  sourceFields: SourceFieldsResponse | undefined;
  properties: HubSpotPropertiesResponse | undefined;
  dispatch: Dispatch<DraftAction>;
}

/** One object mapping: its object types, identifier row, property rows and associations. */
export const ObjectMappingEditor = (props: ObjectMappingEditorProps) => {
  const { index, mapping, draft, dispatch } = props;
  const path = `mappings.${index}`;
  const error = (field: string) => draft.errors[`${mapping.key}.${field}`];
  return (
    <Tile testId={path}>
      <Flex direction="column" gap="sm">
        <Flex direction="row" justify="between" align="center">
          <Heading>{`${index + 1}. ${mappingLabel(mapping)}`}</Heading>
          <ButtonRow>
            <Button size="xs" variant="secondary" disabled={index === 0} onClick={() => dispatch({ type: 'moveMapping', mappingKey: mapping.key, by: -1 })} testId={`${path}.up`}>
              Move up
            </Button>
            <Button size="xs" variant="secondary" disabled={props.isLast} onClick={() => dispatch({ type: 'moveMapping', mappingKey: mapping.key, by: 1 })} testId={`${path}.down`}>
              Move down
            </Button>
            <Button size="xs" variant="destructive" onClick={() => dispatch({ type: 'removeMapping', mappingKey: mapping.key })} testId={`${path}.delete`}>
              Delete mapping
            </Button>
          </ButtonRow>
        </Flex>
        <Flex direction="row" gap="sm">
          <Select
            label="pretix object type"
            name={`${path}.pretix_model`}
            value={mapping.pretix_model}
            options={MODEL_OPTIONS}
            error={Boolean(error('pretix_model'))}
            validationMessage={error('pretix_model')}
            onChange={(value) => dispatch({ type: 'setMappingField', mappingKey: mapping.key, field: 'pretix_model', value: String(value) })}
            testId={`${path}.pretix_model`}
          />
          <Select
            label="HubSpot object type"
            name={`${path}.external_object_type`}
            value={mapping.external_object_type}
            options={OBJECT_TYPE_OPTIONS}
            error={Boolean(error('external_object_type'))}
            validationMessage={error('external_object_type')}
            onChange={(value) =>
              dispatch({ type: 'setMappingField', mappingKey: mapping.key, field: 'external_object_type', value: String(value) })
            }
            testId={`${path}.external_object_type`}
          />
        </Flex>
        <Table bordered density="condensed">
          <TableHead>
            <TableRow>
              <TableHeader>pretix field</TableHeader>
              <TableHeader>HubSpot field</TableHeader>
              <TableHeader>Mode</TableHeader>
              <TableHeader>{''}</TableHeader>
              <TableHeader>{''}</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            <IdentifierRow
              index={index}
              mapping={mapping}
              draft={draft}
              sourceFields={props.sourceFields}
              properties={props.properties}
              dispatch={dispatch}
            />
            {mapping.property_mappings.map((row, rowIndex) => (
              <PropertyRow
                key={row.key}
                path={`${path}.property_mappings.${rowIndex}`}
                mappingKey={mapping.key}
                row={row}
                isFirst={rowIndex === 0}
                isLast={rowIndex === mapping.property_mappings.length - 1}
                draft={draft}
                sourceFields={props.sourceFields}
                properties={props.properties}
                dispatch={dispatch}
              />
            ))}
          </TableBody>
        </Table>
        <Button size="xs" variant="secondary" onClick={() => dispatch({ type: 'addRow', mappingKey: mapping.key })} testId={`${path}.add_row`}>
          Add property
        </Button>
        <AssociationSelect path={path} mapping={mapping} earlier={props.earlier} error={error('association_mappings')} dispatch={dispatch} />
      </Flex>
    </Tile>
  );
};
