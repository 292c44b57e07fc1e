import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, withQuery } from './api.js';

/** Never reconnect faster than this: the dashboard polls nothing faster than every 5 s. */
const RECONNECT_MIN_MS = 5000;
const RECONNECT_MAX_MS = 60_000;

export type LiveState<T> =
  | { status: 'connecting'; data: T | undefined; error: undefined; errorCode: undefined }
  | { status: 'live'; data: T; error: undefined; errorCode: undefined }
  | { status: 'error'; data: T | undefined; error: string; errorCode: string | undefined };

/**
 * Subscribes to one Server-Sent Events resource of the API: a 60-second stream ticket first (POST
 * /api/auth/stream-ticket; EventSource cannot send headers), then `EventSource(path?ticket=…)`.
 * When the stream ends or fails it reconnects with a new ticket after 5 s or more (backing off).
 * `path` null: not subscribed. `endEvent` closes the stream without reconnecting; a new `key` reconnects.
 */
export function useLive<T>(path: string | null, event: string, options: { endEvent?: string; key?: string | number } = {}): LiveState<T> & { reconnect: () => void } {
  const [state, setState] = useState<LiveState<T>>({ status: 'connecting', data: undefined, error: undefined, errorCode: undefined });
  const [generation, setGeneration] = useState(0);
  const endEvent = options.endEvent;
  const dataRef = useRef<T | undefined>(undefined);

  useEffect(() => {
    dataRef.current = undefined;
    setState({ status: 'connecting', data: undefined, error: undefined, errorCode: undefined });
    if (!path) return undefined;
    let source: EventSource | undefined;
    let timer: number | undefined;
    let isStopped = false;
    let failures = 0;

    const schedule = () => {
      if (isStopped) return;
      const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(failures, 4));
      timer = window.setTimeout(() => void connect(), delay);
    };

    const connect = async () => {
      if (isStopped) return;
      let ticket: string;
      try {
        ticket = (await api<{ ticket: string }>('/api/auth/stream-ticket', { method: 'POST' })).ticket;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return;
        failures += 1;
        setState({ status: 'error', data: dataRef.current, error: error instanceof Error ? error.message : String(error), errorCode: error instanceof ApiError ? error.code : undefined });
        schedule();
        return;
      }
      if (isStopped) return;
      source = new EventSource(withQuery(path, { ticket }));
      source.addEventListener(event, (message) => {
        failures = 0;
        const data = JSON.parse((message as MessageEvent<string>).data) as T;
        dataRef.current = data;
        setState({ status: 'live', data, error: undefined, errorCode: undefined });
      });
      if (endEvent) {
        source.addEventListener(endEvent, () => {
          source?.close();
          source = undefined;
        });
      }
      source.onerror = () => {
        // The server ends streams after a while and tickets expire: always reconnect with a new ticket.
        source?.close();
        source = undefined;
        if (isStopped) return;
        if (dataRef.current !== undefined) {
          schedule();
          return;
        }
        failures += 1;
        // EventSource does not say why it failed: one plain read of the same resource does, in words.
        api<unknown>(path)
          .then(() => setState({ status: 'error', data: undefined, error: 'The live connection failed; retrying…', errorCode: undefined }))
          .catch((error: unknown) => setState({ status: 'error', data: undefined, error: error instanceof Error ? error.message : String(error), errorCode: error instanceof ApiError ? error.code : undefined }))
          .finally(schedule);
      };
    };

    void connect();
    return () => {
      isStopped = true;
      window.clearTimeout(timer);
      source?.close();
    };
  }, [path, event, endEvent, generation, options.key]);

  return { ...state, reconnect: () => setGeneration((value) => value + 1) };
}

/** A one-off read with loading and error state; `reload()` reads again. */
export function useResource<T>(path: string | null, query?: Record<string, string | number | undefined | null>): { data: T | undefined; error: string | undefined; isLoading: boolean; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [isLoading, setIsLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);
  const key = path === null ? null : withQuery(path, query);
  useEffect(() => {
    if (key === null) {
      setData(undefined);
      setIsLoading(false);
      return undefined;
    }
    const controller = new AbortController();
    setIsLoading(true);
    api<T>(key, { signal: controller.signal })
      .then((value) => {
        setData(value);
        setError(undefined);
      })
      .catch((caught: unknown) => {
        if (caught instanceof DOMException && caught.name === 'AbortError') return;
        setError(caught instanceof Error ? caught.message : String(caught));
      })
      .finally(() => {
        if (!controller.signal.aborted) setIsLoading(false);
      });
    return () => controller.abort();
  }, [key, generation]);
  return { data, error, isLoading, reload: () => setGeneration((value) => value + 1) };
}
