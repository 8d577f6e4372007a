import { useCallback, useState } from 'react';
import { receiverRequest, type HttpMethod } from '../lib/receiver';

/**
 * A write request (POST / PUT / DELETE) with a busy flag for its button. The body is always an object:
 * hubspot.fetch sends JSON for these methods, and an empty JSON body would be rejected by the receiver.
 */
export function useAction(portalId: number) {
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async <T,>(method: Exclude<HttpMethod, 'GET'>, path: string, body: Record<string, unknown> = {}): Promise<T> => {
      setBusy(true);
      try {
        return await receiverRequest<T>(portalId, method, path, { body });
      } finally {
        setBusy(false);
      }
    },
    [portalId],
  );
  return { busy, run };
}

export type Notify = (alert: { type: 'success' | 'danger' | 'warning' | 'info'; message: string }) => void;
