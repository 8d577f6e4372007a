import { Table, TableBody, TableHead, TableHeader, TableRow } from '@hubspot/ui-extensions';
import type { CardOrder } from '../api-types';
import { orderKey } from '../orders';
import { OrderRows } from './OrderRows';

interface OrdersTableProps {
  orders: CardOrder[];
  syncing: ReadonlySet<string>;
  onSync: (order: CardOrder) => void;
  timeZone?: string;
  locale?: string;
}

export const OrdersTable = ({ orders, syncing, onSync, timeZone, locale }: OrdersTableProps) => (
  <Table bordered testId="orders-table">
    <TableHead>
      <TableRow>
        <TableHeader>Event</TableHeader>
        <TableHeader>Order</TableHeader>
        <TableHeader>Status</TableHeader>
        <TableHeader>Total</TableHeader>
        <TableHeader>Date</TableHeader>
        <TableHeader>Tickets</TableHeader>
        <TableHeader>Sync</TableHeader>
        <TableHeader>Links</TableHeader>
      </TableRow>
    </TableHead>
    <TableBody>
      {orders.map((order) => (
        <OrderRows
          key={orderKey(order)}
          order={order}
          syncing={syncing.has(orderKey(order))}
          onSync={onSync}
          timeZone={timeZone}
          locale={locale}
        />
      ))}
    </TableBody>
  </Table>
);
