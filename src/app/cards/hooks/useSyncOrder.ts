import { useCallback, useState } from 'react';
import type { CardOrder, SyncOrderRequest, SyncOrderResponse } from '../api-types';
import { receiverRequest, toReceiverError } from '../lib/receiver';
import { orderKey } from '../orders';

type AddAlert = (alert: { type: 'success' | 'danger'; message: string }) => void;

export interface SyncOrder {
  /** Keys (orderKey) of orders whose sync request is in flight. */
  syncing: ReadonlySet<string>;
  syncOrder: (order: CardOrder) => Promise<void>;
}

/** POST /api/v1/orders/sync for one order; tells the user the outcome and then calls `onQueued` (refresh). */
export function useSyncOrder(portalId: number, addAlert: AddAlert, onQueued: () => void): SyncOrder {
  const [syncing, setSyncing] = useState<ReadonlySet<string>>(new Set());

  const syncOrder = useCallback(
    async (order: CardOrder) => {
      const key = orderKey(order);
      setSyncing((current) => new Set(current).add(key));
      const body: SyncOrderRequest = { connectionId: order.connectionId, event: order.event.slug, code: order.code };
      try {
        const answer = await receiverRequest<SyncOrderResponse>(portalId, 'POST', '/api/v1/orders/sync', {
          body: { ...body },
        });
        addAlert({ type: 'success', message: answer.message || `Order ${order.code} is queued for sync.` });
        onQueued();
      } catch (error) {
        addAlert({ type: 'danger', message: `Order ${order.code} could not be synced: ${toReceiverError(error).message}` });
      } finally {
        setSyncing((current) => {
          const next = new Set(current);
          next.delete(key);
          return next;
        });
      }
    },
    [portalId, addAlert, onQueued],
  );

  return { syncing, syncOrder };
}
