import { MultiSelect } from '@hubspot/ui-extensions';
import type { Dispatch } from 'react';
import { mappingLabel, type DraftAction, type DraftMapping } from './draft';

interface AssociationSelectProps {
  path: string;
  mapping: DraftMapping;
  /** Mappings above this one: only those are synced first and can be associated with. */
  earlier: DraftMapping[];
  error: string | undefined;
  dispatch: Dispatch<DraftAction>;
}

/** "Associate with": link this mapping's HubSpot objects to those of earlier mappings (association_mappings). */
export const AssociationSelect = ({ path, mapping, earlier, error, dispatch }: AssociationSelectProps) => {
  if (earlier.length === 0) return null;
  const options = earlier.map((candidate, index) => ({ label: `${index + 1}. ${mappingLabel(candidate)}`, value: String(candidate.id) }));
  // Keep the ids' original type (pretix uses numbers) when writing them back.
  const idByValue = new Map(earlier.map((candidate) => [String(candidate.id), candidate.id]));
  return (
    <MultiSelect
      label="Associate with"
      name={`${path}.association_mappings`}
      description="The objects this mapping writes are associated with the objects written by the mappings chosen here."
      value={mapping.association_mappings.map((association) => String(association.via_mapping_id))}
      options={options}
      error={Boolean(error)}
      validationMessage={error}
      onChange={(values) =>
        dispatch({
          type: 'setAssociations',
          mappingKey: mapping.key,
          viaMappingIds: values.map((value) => idByValue.get(String(value)) ?? String(value)),
        })
      }
      testId={`${path}.association_mappings`}
    />
  );
};
