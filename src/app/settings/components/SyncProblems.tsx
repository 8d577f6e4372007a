import { Flex, Heading, LoadingButton, LoadingSpinner, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { FailureClass, RetryRequest, SyncHealthDto, SyncProblem, SyncProblemsResponse } from '../api-types';
import type { Notify } from '../hooks/useAction';
import { formatDateTime } from '../lib/format';
import { receiverRequest, toReceiverError } from '../lib/receiver';
import { useReceiver } from '../lib/useReceiver';
import { paths } from '../paths';
import { SectionError } from './SectionError';

const CLASS_VARIANT: Record<FailureClass, 'warning' | 'danger'> = { transient: 'warning', permanent: 'danger', config: 'danger' };

interface SyncProblemsProps {
  portalId: number;
  notify: Notify;
  timeZone?: string;
  locale?: string;
}

function seconds(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** "In HubSpot after p50 0.8 s, p95 1.9 s, max 2.4 s (120 webhooks in the last hour)" and the queue backlog. */
const SyncHealth = ({ health }: { health: SyncHealthDto }) => {
  const { lag, backlog } = health;
  const lagText =
    lag.count === 0
      ? 'No webhook was synced in the last hour.'
      : `Webhook to HubSpot in the last hour: p50 ${seconds(lag.p50Ms)}, p95 ${seconds(lag.p95Ms)}, max ${seconds(lag.maxMs)} (${lag.count} webhook${lag.count === 1 ? '' : 's'}).`;
  const oldest = backlog.oldestPendingAgeMs === null ? '' : `, the oldest waiting for ${seconds(backlog.oldestPendingAgeMs)}`;
  return (
    <Flex direction="column" gap="flush" testId="sync-health">
      <Text testId="sync-lag">{lagText}</Text>
      <Text testId="sync-backlog">{`Queue: ${backlog.pending} waiting${oldest}, ${backlog.inFlight} being synced, ${backlog.failed} stopped.`}</Text>
    </Flex>
  );
};

/** Section 4: how far behind the sync is, and the orders whose sync stopped (GET /api/v1/sync-problems), each with a Retry. */
export const SyncProblems = ({ portalId, notify, timeZone, locale }: SyncProblemsProps) => {
  const { state, reload } = useReceiver<SyncProblemsResponse>(portalId, paths.syncProblems);
  const [retrying, setRetrying] = useState<string | null>(null);

  const retry = async (problem: SyncProblem) => {
    setRetrying(problem.key);
    const body: RetryRequest = { key: problem.key };
    try {
      // The answer carries nothing we show, so a 204 is as good as a JSON body.
      await receiverRequest(portalId, 'POST', paths.retrySyncProblem, { body: { ...body }, emptyOk: true });
      notify({ type: 'success', message: `Order ${problem.code} of ${problem.event} is queued again.` });
      reload();
    } catch (error) {
      notify({ type: 'danger', message: `Order ${problem.code} could not be retried: ${toReceiverError(error).message}` });
    } finally {
      setRetrying(null);
    }
  };

  return (
    <Flex direction="column" gap="sm" testId="sync-problems">
      <Heading>Sync problems</Heading>
      {state.data === undefined && state.status !== 'error' && <LoadingSpinner label="Loading sync problems" />}
      {state.data?.health && <SyncHealth health={state.data.health} />}
      {state.data === undefined && state.error && (
        <SectionError title="The sync problems could not be loaded" error={state.error} onRetry={reload} />
      )}
      {state.data !== undefined && state.data.problems.length === 0 && <Text>No sync problems: every order reached HubSpot.</Text>}
      {state.data !== undefined && state.data.problems.length > 0 && (
        <Table bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Order</TableHeader>
              <TableHeader>Reason</TableHeader>
              <TableHeader>Attempts</TableHeader>
              <TableHeader>Failed</TableHeader>
              <TableHeader>{''}</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {state.data.problems.map((problem) => (
              <TableRow key={problem.key} testId={`problem-${problem.key}`}>
                <TableCell>{`${problem.event} / ${problem.code}`}</TableCell>
                <TableCell>
                  <Flex direction="column" gap="flush">
                    <StatusTag variant={CLASS_VARIANT[problem.failureClass] ?? 'danger'}>{problem.failureLabel}</StatusTag>
                    <Text variant="microcopy">{problem.error}</Text>
                  </Flex>
                </TableCell>
                <TableCell>{problem.attempts}</TableCell>
                <TableCell>{formatDateTime(problem.failedAt, timeZone, locale)}</TableCell>
                <TableCell>
                  <LoadingButton
                    size="xs"
                    variant="secondary"
                    loading={retrying === problem.key}
                    onClick={() => void retry(problem)}
                    testId={`retry-${problem.key}`}
                  >
                    Retry
                  </LoadingButton>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
};
