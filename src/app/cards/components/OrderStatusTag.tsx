import { StatusTag } from '@hubspot/ui-extensions';
import type { CardOrder } from '../api-types';
import { orderTestId, statusVariant } from '../orders';

export const OrderStatusTag = ({ order }: { order: CardOrder }) => (
  <StatusTag variant={statusVariant(order.status)} testId={`status-${orderTestId(order)}`}>
    {order.statusLabel}
  </StatusTag>
);
