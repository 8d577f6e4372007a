import { Button, Flex, LoadingButton, TableCell, TableRow, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { CardOrder } from '../api-types';
import { formatDateTime, formatMoney } from '../lib/format';
import { orderTestId, ticketCount } from '../orders';
import { OrderDetails } from './OrderDetails';
import { OrderLinks } from './OrderLinks';
import { OrderStatusTag } from './OrderStatusTag';
import { SyncStateCell } from './SyncStateCell';

export const ORDER_COLUMNS = 8;

interface OrderRowsProps {
  order: CardOrder;
  syncing: boolean;
  onSync: (order: CardOrder) => void;
  timeZone?: string;
  locale?: string;
}

/** One order as a table row, plus a full-width row with its details while expanded. */
export const OrderRows = ({ order, syncing, onSync, timeZone, locale }: OrderRowsProps) => {
  const [expanded, setExpanded] = useState(false);
  const id = orderTestId(order);
  return (
    <>
      <TableRow testId={`order-${id}`}>
        <TableCell>{order.event.name}</TableCell>
        <TableCell>
          <Flex direction="column" gap="flush">
            <Text format={{ fontWeight: 'demibold' }}>{order.code}</Text>
            <Button variant="transparent" size="xs" onClick={() => setExpanded((open) => !open)} testId={`toggle-${id}`}>
              {expanded ? 'Hide details' : 'Show details'}
            </Button>
          </Flex>
        </TableCell>
        <TableCell>
          <OrderStatusTag order={order} />
        </TableCell>
        <TableCell>{formatMoney(order.total, order.currency, locale)}</TableCell>
        <TableCell>{formatDateTime(order.datetime, timeZone, locale)}</TableCell>
        <TableCell>{ticketCount(order)}</TableCell>
        <TableCell>
          <SyncStateCell sync={order.sync} testId={`sync-${id}`} timeZone={timeZone} locale={locale} />
        </TableCell>
        <TableCell>
          <Flex direction="column" gap="xs">
            <OrderLinks order={order} />
            <LoadingButton size="xs" variant="secondary" loading={syncing} disabled={syncing} onClick={() => onSync(order)} testId={`sync-now-${id}`}>
              Sync now
            </LoadingButton>
          </Flex>
        </TableCell>
      </TableRow>
      {expanded && (
        <TableRow testId={`order-details-row-${id}`}>
          <TableCell colSpan={ORDER_COLUMNS}>
            <OrderDetails order={order} locale={locale} />
          </TableCell>
        </TableRow>
      )}
    </>
  );
};
