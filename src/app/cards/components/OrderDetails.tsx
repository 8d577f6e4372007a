import { Flex, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import type { CardOrder } from '../api-types';
import { formatMoney } from '../lib/format';
import { orderTestId } from '../orders';
import { PositionAnswers } from './PositionAnswers';

interface OrderDetailsProps {
  order: CardOrder;
  locale?: string;
}

/** The expanded part of an order: its tickets, their answers, and which mappings wrote which object. */
export const OrderDetails = ({ order, locale }: OrderDetailsProps) => (
  <Flex direction="column" gap="sm" testId={`details-${orderTestId(order)}`}>
    <Table density="condensed" testId={`positions-${orderTestId(order)}`}>
      <TableHead>
        <TableRow>
          <TableHeader>#</TableHeader>
          <TableHeader>Product</TableHeader>
          <TableHeader>Attendee</TableHeader>
          <TableHeader>Attendee email</TableHeader>
          <TableHeader>Price</TableHeader>
          <TableHeader>State</TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {order.positions.map((position) => (
          <TableRow key={position.id} testId={`position-${position.id}`}>
            <TableCell>{position.positionid}</TableCell>
            <TableCell>{position.product}</TableCell>
            <TableCell>{position.attendeeName ?? '–'}</TableCell>
            <TableCell>{position.attendeeEmail ?? '–'}</TableCell>
            <TableCell>{formatMoney(position.price, order.currency, locale)}</TableCell>
            <TableCell>
              {position.canceled ? <StatusTag variant="danger">Canceled</StatusTag> : <StatusTag variant="default">Valid</StatusTag>}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
    {order.positions.map((position) => (
      <PositionAnswers key={position.id} position={position} />
    ))}
    {order.sync.objects.length > 0 && (
      <Text variant="microcopy">
        Written by: {order.sync.objects.map((object) => `${object.mappingLabel} (#${object.hubspotId})`).join(', ')}
      </Text>
    )}
  </Flex>
);
