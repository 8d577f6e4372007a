import { Flex, Text, Toggle } from '@hubspot/ui-extensions';
import type { EventSummary, SetMarketingEventRequest, SetMarketingEventResponse } from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { toReceiverError } from '../lib/receiver';
import { paths } from '../paths';

interface MarketingEventToggleProps {
  portalId: number;
  connectionId: string;
  event: EventSummary;
  notify: Notify;
  onChanged: (event: EventSummary) => void;
}

/** PUT …/events/:event/marketing-event {enabled}: "Marketing event in HubSpot" for one event, and why it is missing. */
export const MarketingEventToggle = ({ portalId, connectionId, event, notify, onChanged }: MarketingEventToggleProps) => {
  const { busy, run } = useAction(portalId);
  const state = event.marketingEvent;
  const change = async (enabled: boolean) => {
    const body: SetMarketingEventRequest = { enabled };
    try {
      const answer = await run<SetMarketingEventResponse>('PUT', paths.marketingEvent(connectionId, event.slug), { ...body });
      onChanged({ ...event, marketingEvent: answer.marketingEvent });
      if (!answer.availability.available) notify({ type: 'warning', message: `Marketing event for ${event.name} is unavailable: ${answer.availability.reason ?? ''}` });
      else notify({ type: 'success', message: `Marketing event in HubSpot is ${answer.marketingEvent.enabled ? 'on' : 'off'} for ${event.name}.` });
    } catch (error) {
      notify({ type: 'danger', message: `Could not change the marketing event for ${event.name}: ${toReceiverError(error).message}` });
    }
  };
  return (
    <Flex direction="column" gap="flush">
      <Toggle
        label="Marketing event in HubSpot"
        labelDisplay="hidden"
        textChecked="On"
        textUnchecked="Off"
        checked={state?.enabled ?? false}
        readOnly={busy || !event.enabled}
        onChange={(checked) => void change(checked)}
        testId={`marketing-event-${event.slug}`}
      />
      {state?.problem && (
        <Text variant="microcopy" testId={`marketing-event-problem-${event.slug}`}>
          {state.problem}
        </Text>
      )}
    </Flex>
  );
};
