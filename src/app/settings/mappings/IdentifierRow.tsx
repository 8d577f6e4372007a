import { Select, TableCell, TableRow, Text } from '@hubspot/ui-extensions';
import type { Dispatch } from 'react';
import type { HubSpotPropertiesResponse, SourceFieldsResponse } from '../api-types';
import { isIdentifierProperty, propertyOptions, sourceFieldGroup, sourceFieldOptions } from './catalog';
import type { Draft, DraftAction, DraftMapping } from './draft';
import { FieldWarning, warningFor } from './FieldWarning';

interface IdentifierRowProps {
  index: number;
  mapping: DraftMapping;
  draft: Pick<Draft, 'errors' | 'warnings'>;
  sourceFields: SourceFieldsResponse | undefined;
  properties: HubSpotPropertiesResponse | undefined;
  dispatch: Dispatch<DraftAction>;
}

/** The first row of a mapping: the upsert key (pretix field → HubSpot field), mode fixed to "Identifier". */
export const IdentifierRow = ({ index, mapping, draft, sourceFields, properties, dispatch }: IdentifierRowProps) => {
  const path = `mappings.${index}`;
  const pretixError = draft.errors[`${mapping.key}.pretix_id_field`];
  const hubspotError = draft.errors[`${mapping.key}.external_id_field`];
  return (
    <TableRow testId={`${path}.identifier`}>
      <TableCell>
        <Select
          name={`${path}.pretix_id_field`}
          placeholder="pretix field"
          value={mapping.pretix_id_field}
          options={sourceFieldOptions(sourceFields, mapping.pretix_id_field)}
          description={sourceFieldGroup(sourceFields, mapping.pretix_id_field)}
          error={Boolean(pretixError)}
          validationMessage={pretixError}
          onChange={(value) => dispatch({ type: 'setMappingField', mappingKey: mapping.key, field: 'pretix_id_field', value: String(value) })}
          testId={`${path}.pretix_id_field`}
        />
      </TableCell>
      <TableCell>
        <Select
          name={`${path}.external_id_field`}
          placeholder="email or a unique property"
          value={mapping.external_id_field}
          options={propertyOptions(properties?.properties, mapping.external_id_field, isIdentifierProperty)}
          error={Boolean(hubspotError)}
          validationMessage={hubspotError}
          onChange={(value) => dispatch({ type: 'setMappingField', mappingKey: mapping.key, field: 'external_id_field', value: String(value) })}
          testId={`${path}.external_id_field`}
        />
      </TableCell>
      <TableCell>
        <Text format={{ fontWeight: 'demibold' }}>Identifier</Text>
      </TableCell>
      <TableCell>
        <FieldWarning message={warningFor(draft.warnings, `${mapping.key}.pretix_id_field`) ?? warningFor(draft.warnings, `${mapping.key}.external_id_field`)} testId={`${path}.identifier.warning`} />
      </TableCell>
      <TableCell>{''}</TableCell>
    </TableRow>
  );
};
