import { useCallback, useState } from "react";
import { ApiError } from "../api/client";

/** Any failure as an ApiError: an API call's own, or anything else thrown along the way. */
export function toApiError(exc: unknown, method = "?", path = "?"): ApiError {
  return exc instanceof ApiError ? exc : new ApiError(method, path, 0, null, exc instanceof Error ? exc.message : String(exc), null);
}

function isAbort(exc: unknown): boolean {
  return exc instanceof DOMException && exc.name === "AbortError";
}

export interface ActionState {
  busy: boolean;
  error: ApiError | null;
}

export const IDLE: ActionState = { busy: false, error: null };

/**
 * Run one action (a write, or a read a button starts): busy while it runs, its failure kept as
 * an ApiError, `done` given the answer. An aborted call is no failure. `onError` may claim a
 * failure (return true), e.g. to show a 422 under its field; it is then not kept. Resolves to
 * whether the action succeeded.
 */
export async function runAction<T>(
  call: () => Promise<T>,
  set: (state: ActionState) => void,
  done?: (value: T) => void,
  onError?: (error: ApiError) => boolean | void,
): Promise<boolean> {
  set({ busy: true, error: null });
  try {
    const value = await call();
    done?.(value);
    set(IDLE);
    return true;
  } catch (exc) {
    if (isAbort(exc)) {
      set(IDLE);
      return false;
    }
    const error = toApiError(exc);
    set({ busy: false, error: onError?.(error) === true ? null : error });
    return false;
  }
}

export interface Action extends ActionState {
  run: <T>(call: () => Promise<T>, done?: (value: T) => void, onError?: (error: ApiError) => boolean | void) => Promise<boolean>;
  /** Forget the last failure (a new attempt, Cancel). */
  reset: () => void;
}

/** The one place the dashboard's buttons call the API: busy, failure and answer, no try/catch. */
export function useAction(): Action {
  const [state, setState] = useState<ActionState>(IDLE);
  const run = useCallback(
    <T,>(call: () => Promise<T>, done?: (value: T) => void, onError?: (error: ApiError) => boolean | void) => runAction(call, setState, done, onError),
    [],
  );
  const reset = useCallback(() => setState(IDLE), []);
  return { ...state, run, reset };
}
