import { Toggle } from '@hubspot/ui-extensions';
import type { EventSummary, SetEventEnabledRequest, SetEventEnabledResponse } from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { toReceiverError } from '../lib/receiver';
import { paths } from '../paths';

interface EventSyncToggleProps {
  portalId: number;
  connectionId: string;
  event: EventSummary;
  notify: Notify;
  onChanged: (event: EventSummary) => void;
}

/** PUT …/events/:event {enabled}: turns syncing of one event on or off. */
export const EventSyncToggle = ({ portalId, connectionId, event, notify, onChanged }: EventSyncToggleProps) => {
  const { busy, run } = useAction(portalId);
  const change = async (enabled: boolean) => {
    const body: SetEventEnabledRequest = { enabled };
    try {
      const answer = await run<SetEventEnabledResponse>('PUT', paths.event(connectionId, event.slug), { ...body });
      onChanged(answer.event);
      notify({ type: 'success', message: `Sync is ${answer.event.enabled ? 'on' : 'off'} for ${answer.event.name}.` });
    } catch (error) {
      notify({ type: 'danger', message: `Could not change sync for ${event.name}: ${toReceiverError(error).message}` });
    }
  };
  return (
    <Toggle
      label="Sync"
      labelDisplay="hidden"
      textChecked="On"
      textUnchecked="Off"
      checked={event.enabled}
      readOnly={busy}
      onChange={(checked) => void change(checked)}
      testId={`enable-${event.slug}`}
    />
  );
};
