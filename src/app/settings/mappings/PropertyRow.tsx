import { Button, ButtonRow, Select, TableCell, TableRow } from '@hubspot/ui-extensions';
import { useState, type Dispatch } from 'react';
import type { HubSpotPropertiesResponse, MappingMode, SourceFieldsResponse } from '../api-types';
import { findSourceField, propertyOptions, sourceFieldGroup, sourceFieldOptions } from './catalog';
import { MODE_LABELS, type Draft, type DraftAction, type DraftRow, type RowField } from './draft';
import { FieldWarning, warningFor } from './FieldWarning';
import { ValueMapEditor } from './ValueMapEditor';

export const PROPERTY_COLUMNS = 5;

const MODE_OPTIONS = (Object.keys(MODE_LABELS) as MappingMode[]).map((mode) => ({ label: MODE_LABELS[mode], value: mode }));

interface PropertyRowProps {
  /** e.g. "mappings.0.property_mappings.2", the receiver's path for this row. */
  path: string;
  mappingKey: string;
  row: DraftRow;
  isFirst: boolean;
  isLast: boolean;
  draft: Pick<Draft, 'errors' | 'warnings'>;
  sourceFields: SourceFieldsResponse | undefined;
  properties: HubSpotPropertiesResponse | undefined;
  dispatch: Dispatch<DraftAction>;
}

/** pretix field → HubSpot field with a mode, a type warning, and (for choice fields) a value map. */
export const PropertyRow = ({ path, mappingKey, row, isFirst, isLast, draft, sourceFields, properties, dispatch }: PropertyRowProps) => {
  const [valueMapOpen, setValueMapOpen] = useState(false);
  const sourceField = findSourceField(sourceFields, row.pretix_field);
  const property = properties?.properties.find((candidate) => candidate.name === row.external_field);
  const hasOptions = Boolean(sourceField?.enumOptions?.length);
  const set = (field: RowField) => (value: string | number | boolean) =>
    dispatch({ type: 'setRowField', mappingKey, rowKey: row.key, field, value: String(value) });
  const error = (field: RowField) => draft.errors[`${row.key}.${field}`];

  return (
    <>
      <TableRow testId={path}>
        <TableCell>
          <Select
            name={`${path}.pretix_field`}
            placeholder="pretix field"
            value={row.pretix_field}
            options={sourceFieldOptions(sourceFields, row.pretix_field)}
            description={sourceFieldGroup(sourceFields, row.pretix_field)}
            error={Boolean(error('pretix_field'))}
            validationMessage={error('pretix_field')}
            onChange={set('pretix_field')}
            testId={`${path}.pretix_field`}
          />
        </TableCell>
        <TableCell>
          <Select
            name={`${path}.external_field`}
            placeholder="HubSpot field"
            value={row.external_field}
            options={propertyOptions(properties?.properties, row.external_field)}
            error={Boolean(error('external_field'))}
            validationMessage={error('external_field')}
            onChange={set('external_field')}
            testId={`${path}.external_field`}
          />
        </TableCell>
        <TableCell>
          <Select
            name={`${path}.overwrite`}
            value={row.overwrite}
            options={MODE_OPTIONS}
            error={Boolean(error('overwrite'))}
            validationMessage={error('overwrite')}
            onChange={set('overwrite')}
            testId={`${path}.overwrite`}
          />
        </TableCell>
        <TableCell>
          <FieldWarning message={warningFor(draft.warnings, row.key) ?? error('value_map')} testId={`${path}.warning`} />
        </TableCell>
        <TableCell>
          <ButtonRow>
            {hasOptions && (
              <Button size="xs" variant="secondary" onClick={() => setValueMapOpen((open) => !open)} testId={`${path}.value_map.toggle`}>
                {valueMapOpen ? 'Close value mapping' : 'Edit value mapping'}
              </Button>
            )}
            <Button size="xs" variant="transparent" disabled={isFirst} onClick={() => dispatch({ type: 'moveRow', mappingKey, rowKey: row.key, by: -1 })}>
              Move up
            </Button>
            <Button size="xs" variant="transparent" disabled={isLast} onClick={() => dispatch({ type: 'moveRow', mappingKey, rowKey: row.key, by: 1 })}>
              Move down
            </Button>
            <Button size="xs" variant="destructive" onClick={() => dispatch({ type: 'removeRow', mappingKey, rowKey: row.key })} testId={`${path}.remove`}>
              Remove
            </Button>
          </ButtonRow>
        </TableCell>
      </TableRow>
      {hasOptions && valueMapOpen && sourceField && (
        <TableRow testId={`${path}.value_map.row`}>
          <TableCell colSpan={PROPERTY_COLUMNS}>
            <ValueMapEditor
              field={sourceField}
              property={property}
              valueMap={row.value_map}
              onChange={set('value_map')}
              testId={`${path}.value_map`}
            />
          </TableCell>
        </TableRow>
      )}
    </>
  );
};
