import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiError } from "../api/client";
import { toApiError } from "./useAction";

export interface ApiState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  setData: (data: T) => void;
}

/**
 * Run an API call when `deps` change and on reload(). Earlier data stays on screen while a
 * refetch runs so live refreshes do not flash; a superseded call is aborted.
 */
export function useApi<T>(call: ((signal: AbortSignal) => Promise<T>) | null, deps: unknown[]): ApiState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(call !== null);
  const [nonce, setNonce] = useState(0);
  const callRef = useRef(call);
  callRef.current = call;

  useEffect(() => {
    const run = callRef.current;
    if (!run) {
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    run(controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return;
        setData(result);
        setError(null);
        setLoading(false);
      },
      (exc: unknown) => {
        if (controller.signal.aborted) return;
        setError(toApiError(exc));
        setLoading(false);
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}

/** A value that follows `value` after it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Call `refresh` every `ms` while the page is visible (a hidden tab or a phone asleep skips). */
export function useEveryWhileVisible(refresh: () => void, ms: number): void {
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState !== "hidden") refresh();
    }, ms);
    return () => clearInterval(timer);
  }, [refresh, ms]);
}
