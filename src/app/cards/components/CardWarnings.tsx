import { Alert, List, Text } from '@hubspot/ui-extensions';

/** Orders the receiver could not load (e.g. one pretix organizer was unreachable): the list may be incomplete. */
export const CardWarnings = ({ warnings }: { warnings: string[] }) => {
  if (warnings.length === 0) return null;
  return (
    <Alert title="Some pretix orders may be missing" variant="warning" testId="orders-warnings">
      <List variant="unordered">
        {warnings.map((warning, index) => (
          <Text key={`${index}-${warning}`}>{warning}</Text>
        ))}
      </List>
    </Alert>
  );
};
