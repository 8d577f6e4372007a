// Loads one receiver resource into a loading | success | error state. Copied byte for byte into both UI
// folders (see receiver.ts). Answers to superseded requests (the URL changed, reload was pressed again,
// the component unmounted) are dropped, so a slow old answer can never overwrite a newer one.
import { useCallback, useEffect, useReducer, useState } from 'react';
import { ReceiverError, receiverFetch, receiverUrl, toReceiverError, type Query } from './receiver';

export type ReceiverState<T> =
  | { status: 'idle'; data: undefined; error: null }
  | { status: 'loading'; data: T | undefined; error: null }
  | { status: 'success'; data: T; error: null }
  | { status: 'error'; data: T | undefined; error: ReceiverError };

/** What the reducer keeps: the last answer and which request (URL + reload count) it belongs to. */
interface Settled<T> {
  key: string | null;
  data: T | undefined;
  error: ReceiverError | null;
}

type Action<T> = { type: 'success'; key: string; data: T } | { type: 'error'; key: string; error: ReceiverError };

function reducer<T>(state: Settled<T>, action: Action<T>): Settled<T> {
  switch (action.type) {
    case 'success':
      return { key: action.key, data: action.data, error: null };
    case 'error':
      // Keep the previous data so a failed refresh does not blank the screen.
      return { key: action.key, data: state.data, error: action.error };
  }
}

export interface ReceiverResource<T> {
  state: ReceiverState<T>;
  /** Fetches again; the current data stays visible meanwhile. */
  reload: () => void;
  /** Replaces the data with a newer copy the caller already has (e.g. from a PUT answer). */
  replace: (data: T) => void;
}

/** GETs `path` under the receiver (null = nothing to load yet). */
export function useReceiver<T>(portalId: number | string, path: string | null, query: Query = {}): ReceiverResource<T> {
  const [settled, dispatch] = useReducer(reducer<T>, { key: null, data: undefined, error: null });
  const [generation, setGeneration] = useState(0);
  // The URL is the identity of the resource; the generation counts reloads of it.
  const url = path === null ? null : receiverUrl(portalId, path, query);
  const key = url === null ? null : `${generation}:${url}`;

  useEffect(() => {
    if (url === null || key === null) return;
    let current = true;
    receiverFetch<T>(url, 'GET').then(
      (data) => {
        if (current) dispatch({ type: 'success', key, data });
      },
      (error: unknown) => {
        if (current) dispatch({ type: 'error', key, error: toReceiverError(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [url, key]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const replace = useCallback(
    (data: T) => {
      if (key !== null) dispatch({ type: 'success', key, data });
    },
    [key],
  );
  return { state: deriveState(settled, key), reload, replace };
}

function deriveState<T>(settled: Settled<T>, key: string | null): ReceiverState<T> {
  if (key === null) return { status: 'idle', data: undefined, error: null };
  if (settled.key !== key) return { status: 'loading', data: settled.data, error: null };
  if (settled.error) return { status: 'error', data: settled.data, error: settled.error };
  return { status: 'success', data: settled.data as T, error: null };
}
