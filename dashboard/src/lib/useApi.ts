import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiError } from "../api/client";
import { throttle } from "./series";
import { toApiError } from "./useAction";

export interface ApiState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  setData: (data: T) => void;
}

export interface ApiOptions {
  /** Refetch every `every` ms while the page is visible (a hidden tab or a phone asleep skips). */
  every?: number;
  /**
   * Refetch when any of these values changes after the first load: a reconnection count, a live
   * message's sequence number, the current path. A change is no new query: the data stays.
   */
  refreshOn?: unknown[];
}

/**
 * The dashboard's one way to read from the API (every GET a page shows). The call runs when
 * `deps` change, on reload(), every `options.every` ms while visible and when
 * `options.refreshOn` changes. Earlier data stays on screen while a refetch runs so live refreshes
 * do not flash; a superseded call is aborted; a failure is kept as an ApiError.
 */
export function useApi<T>(call: ((signal: AbortSignal) => Promise<T>) | null, deps: unknown[], options: ApiOptions = {}): ApiState<T> {
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
  useEveryWhileVisible(reload, call ? (options.every ?? null) : null);
  useOnChange(reload, options.refreshOn ?? []);
  return { data, error, loading, reload, setData };
}

/** Call `fn` when any of `values` changes, never on the first render. */
function useOnChange(fn: () => void, values: unknown[]): void {
  const previous = useRef(values);
  useEffect(() => {
    const before = previous.current;
    previous.current = values;
    if (before.length === values.length && before.every((v, i) => Object.is(v, values[i]))) return;
    fn();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, values);
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

/** A value that follows `value` at most once per `ms` (a change inside the window lands at its end). */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  latest.current = value;
  const [gate] = useState(() => throttle(() => setShown(latest.current), ms));
  useEffect(() => () => gate.cancel(), [gate]);
  useEffect(() => {
    if (!Object.is(value, shown)) gate.call();
  }, [value, shown, gate]);
  return shown;
}

/** Call `refresh` every `ms` while the page is visible (a hidden tab or a phone asleep skips). */
export function useEveryWhileVisible(refresh: () => void, ms: number | null): void {
  useEffect(() => {
    if (ms === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== "hidden") refresh();
    }, ms);
    return () => clearInterval(timer);
  }, [refresh, ms]);
}
