import { Button, Flex, LoadingSpinner, ProgressBar, StatusTag, Text } from '@hubspot/ui-extensions';
import { useEffect } from 'react';
import type { BackfillProgress, EventSummary } from '../api-types';
import { useAction, type Notify } from '../hooks/useAction';
import { toReceiverError } from '../lib/receiver';
import { useReceiver } from '../lib/useReceiver';
import { paths } from '../paths';

/** How often a running backfill is polled. */
export const BACKFILL_POLL_MS = 3_000;

interface BackfillRowProps {
  portalId: number;
  connectionId: string;
  event: EventSummary;
  notify: Notify;
}

const STATE_LABEL: Record<BackfillProgress['state'], string> = {
  idle: 'Not started',
  running: 'Running',
  done: 'Done',
  canceled: 'Canceled',
  failed: 'Failed',
};

function describe(progress: BackfillProgress): string {
  const total = progress.total === null ? '' : ` of ${progress.total}`;
  const eta = progress.etaSeconds === null ? '' : `, about ${Math.max(1, Math.round(progress.etaSeconds / 60))} min left`;
  return `${progress.processed}${total} orders: ${progress.synced} synced, ${progress.skipped} skipped, ${progress.failed} failed${eta}`;
}

/** One enabled event's backfill: start it, watch it, cancel it. */
export const BackfillRow = ({ portalId, connectionId, event, notify }: BackfillRowProps) => {
  const path = paths.backfill(connectionId, event.slug);
  const { state, reload, replace } = useReceiver<BackfillProgress>(portalId, path);
  const action = useAction(portalId);
  const progress = state.data;
  const running = state.status === 'success' && progress?.state === 'running';

  useEffect(() => {
    // Poll only after a successful answer, so a failing receiver is not hammered.
    if (!running) return;
    const timer = setTimeout(reload, BACKFILL_POLL_MS);
    return () => clearTimeout(timer);
  }, [running, progress, reload]);

  const act = async (method: 'POST' | 'DELETE') => {
    try {
      replace(await action.run<BackfillProgress>(method, path));
    } catch (error) {
      notify({
        type: 'danger',
        message: `${method === 'POST' ? 'Could not start' : 'Could not cancel'} the backfill of ${event.name}: ${toReceiverError(error).message}`,
      });
    }
  };

  if (progress === undefined) {
    return state.error ? (
      <Text testId={`backfill-${event.slug}`}>{`${event.name}: backfill state unavailable (${state.error.message})`}</Text>
    ) : (
      <LoadingSpinner label={`Loading backfill state of ${event.name}`} size="xs" />
    );
  }

  return (
    <Flex direction="column" gap="xs" testId={`backfill-${event.slug}`}>
      <Flex direction="row" gap="sm" align="center">
        <Text format={{ fontWeight: 'demibold' }}>{event.name}</Text>
        <StatusTag variant={progress.state === 'failed' ? 'danger' : progress.state === 'done' ? 'success' : 'default'}>
          {STATE_LABEL[progress.state]}
        </StatusTag>
      </Flex>
      {progress.state === 'running' ? (
        <>
          <ProgressBar
            title={`Syncing existing orders of ${event.name}`}
            value={progress.processed}
            maxValue={progress.total ?? undefined}
            showPercentage={progress.total !== null}
            valueDescription={describe(progress)}
            testId={`backfill-progress-${event.slug}`}
          />
          <Button variant="destructive" size="xs" disabled={action.busy} onClick={() => void act('DELETE')} testId={`backfill-cancel-${event.slug}`}>
            Cancel
          </Button>
        </>
      ) : (
        <>
          {progress.state !== 'idle' && <Text variant="microcopy">{describe(progress)}</Text>}
          {progress.error && <Text variant="microcopy">{progress.error}</Text>}
          <Button variant="secondary" size="xs" disabled={action.busy} onClick={() => void act('POST')} testId={`backfill-start-${event.slug}`}>
            Sync all existing orders
          </Button>
        </>
      )}
    </Flex>
  );
};
