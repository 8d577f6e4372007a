import { Alert, Flex, Input, Select, Text } from '@hubspot/ui-extensions';
import type { HubSpotPropertyDto, SourceFieldDto } from '../api-types';
import { encodeValueMap, parseValueMap } from './draft';

interface ValueMapEditorProps {
  field: SourceFieldDto;
  /** The HubSpot property the row writes to; its options become the choices when it has any. */
  property: HubSpotPropertyDto | undefined;
  valueMap: string;
  onChange: (valueMap: string) => void;
  testId: string;
}

/** One input per pretix option (status code, choice identifier, locale), producing pretix's JSON `value_map`. */
export const ValueMapEditor = ({ field, property, valueMap, onChange, testId }: ValueMapEditorProps) => {
  const options = field.enumOptions ?? [];
  const { map, invalid } = parseValueMap(valueMap);
  const set = (optionValue: string, hubspotValue: string) => onChange(encodeValueMap(options, { ...map, [optionValue]: hubspotValue }));
  const choices = property?.options ?? [];

  return (
    <Flex direction="column" gap="xs" testId={testId}>
      <Text variant="microcopy">
        HubSpot value for each pretix value of “{field.label}”. Leave a value empty to send the pretix value unchanged; a
        value that is neither mapped nor valid in HubSpot stops the sync with a configuration error.
      </Text>
      {invalid && (
        <Alert title="The saved value mapping could not be read" variant="warning">
          Editing a value below replaces it.
        </Alert>
      )}
      {options.map((option) =>
        choices.length > 0 ? (
          <Select
            key={option.value}
            label={`${option.label} (${option.value})`}
            name={`value-map-${option.value}`}
            value={map[option.value] ?? ''}
            options={[{ label: '(unchanged)', value: '' }, ...choices.map((choice) => ({ label: choice.label, value: choice.value }))]}
            onChange={(value) => set(option.value, String(value))}
            testId={`${testId}-${option.value}`}
          />
        ) : (
          <Input
            key={option.value}
            label={`${option.label} (${option.value})`}
            name={`value-map-${option.value}`}
            value={map[option.value] ?? ''}
            onChange={(value) => set(option.value, value)}
            testId={`${testId}-${option.value}`}
          />
        ),
      )}
    </Flex>
  );
};
