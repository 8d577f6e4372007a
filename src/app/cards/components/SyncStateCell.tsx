import { Flex, StatusTag, Text } from '@hubspot/ui-extensions';
import type { OrderSyncState } from '../api-types';
import { formatDateTime } from '../lib/format';

interface SyncStateCellProps {
  sync: OrderSyncState;
  testId: string;
  timeZone?: string;
  locale?: string;
}

/** Synced (when), pending, failed (why), or not synced yet. */
export const SyncStateCell = ({ sync, testId, timeZone, locale }: SyncStateCellProps) => {
  switch (sync.state) {
    case 'synced':
      return (
        <Flex direction="column" gap="flush">
          <StatusTag variant="success" testId={testId}>
            Synced
          </StatusTag>
          {sync.syncedAt && <Text variant="microcopy">{formatDateTime(sync.syncedAt, timeZone, locale)}</Text>}
        </Flex>
      );
    case 'pending':
      return (
        <StatusTag variant="info" testId={testId}>
          Sync pending
        </StatusTag>
      );
    case 'failed':
      return (
        <Flex direction="column" gap="flush">
          <StatusTag variant="danger" testId={testId}>
            Sync failed
          </StatusTag>
          <Text variant="microcopy" testId={`${testId}-reason`}>
            {[sync.failureLabel, sync.error].filter(Boolean).join(': ') || 'No reason was recorded.'}
          </Text>
        </Flex>
      );
    default:
      return (
        <StatusTag variant="default" testId={testId}>
          Not synced
        </StatusTag>
      );
  }
};
