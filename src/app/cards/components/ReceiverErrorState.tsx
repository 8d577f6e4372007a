import { Button, ErrorState, Text } from '@hubspot/ui-extensions';
import { RECEIVER_URL } from '../config';
import type { ReceiverError } from '../lib/receiver';

interface ReceiverErrorStateProps {
  error: ReceiverError;
  onRetry: () => void;
}

/** The orders could not be loaded: what happened and what to do next. */
export const ReceiverErrorState = ({ error, onRetry }: ReceiverErrorStateProps) => {
  const unreachable = error.kind === 'unreachable';
  return (
    <ErrorState
      title={unreachable ? "Can't reach the pretix-hubspot service" : 'The pretix-hubspot service could not load the orders'}
      testId="orders-error"
    >
      <Text>{error.message}</Text>
      <Text>
        {unreachable
          ? `Try again in a moment. If it keeps failing, ask your administrator to check that the service at ${RECEIVER_URL} is running and reachable from HubSpot.`
          : 'Try again. If it keeps failing, ask your administrator to check the service log and the pretix connection in the app settings.'}
      </Text>
      <Button onClick={onRetry} testId="orders-retry">
        Try again
      </Button>
    </ErrorState>
  );
};
