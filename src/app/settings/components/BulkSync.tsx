import { Button, Flex } from '@hubspot/ui-extensions';
import type { EventSummary, SetEventEnabledRequest, SetEventEnabledResponse } from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { toReceiverError } from '../lib/receiver';
import { paths } from '../paths';

interface BulkSyncProps {
  portalId: number;
  connectionId: string;
  /** The events the filter matches: the bulk switch acts on exactly these. */
  events: EventSummary[];
  notify: Notify;
  /** Called once at the end with every event that changed. */
  onEventChanged: (events: EventSummary[]) => void;
}

/**
 * Turns sync on or off for every event the filter matches, one request after the other (each registers or
 * narrows the one pretix webhook, so they must not race), and says which were refused.
 */
export const BulkSync = ({ portalId, connectionId, events, notify, onEventChanged }: BulkSyncProps) => {
  const { busy, run } = useAction(portalId);
  const apply = async (enabled: boolean) => {
    const targets = events.filter((event) => event.enabled !== enabled);
    const refused: string[] = [];
    const changed: EventSummary[] = [];
    for (const event of targets) {
      const body: SetEventEnabledRequest = { enabled };
      try {
        changed.push((await run<SetEventEnabledResponse>('PUT', paths.event(connectionId, event.slug), { ...body })).event);
      } catch (error) {
        refused.push(`${event.name} (${toReceiverError(error).message})`);
      }
    }
    onEventChanged(changed);
    const done = changed.length;
    if (refused.length === 0) notify({ type: 'success', message: `Sync is ${enabled ? 'on' : 'off'} for ${done} more event(s).` });
    else notify({ type: 'danger', message: `Sync is ${enabled ? 'on' : 'off'} for ${done} more event(s); not for ${refused.join(', ')}.` });
  };
  const off = events.filter((event) => !event.enabled).length;
  const on = events.length - off;
  return (
    <Flex direction="row" gap="sm">
      <Button size="sm" variant="secondary" onClick={() => void apply(true)} disabled={busy || off === 0} testId="bulk-sync-on">
        {`Turn sync on for ${off} matching event(s)`}
      </Button>
      <Button size="sm" variant="secondary" onClick={() => void apply(false)} disabled={busy || on === 0} testId="bulk-sync-off">
        {`Turn sync off for ${on} matching event(s)`}
      </Button>
    </Flex>
  );
};
