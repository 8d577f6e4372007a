import { Button, ErrorState, Text } from '@hubspot/ui-extensions';
import type { ReceiverError } from '../lib/receiver';

interface SectionErrorProps {
  title: string;
  error: ReceiverError;
  onRetry: () => void;
  testId?: string;
}

/** A part of the page could not be loaded: the reason and what to do next. */
export const SectionError = ({ title, error, onRetry, testId }: SectionErrorProps) => (
  <ErrorState title={title} testId={testId}>
    <Text>{error.message}</Text>
    <Text>
      {error.kind === 'unreachable'
        ? 'The pretix-hubspot service did not answer. Try again in a moment; if it keeps failing, check that the service is running.'
        : 'Try again. If it keeps failing, check the pretix-hubspot service log.'}
    </Text>
    <Button onClick={onRetry}>Try again</Button>
  </ErrorState>
);
