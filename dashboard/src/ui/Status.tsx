import type { ReactNode } from "react";
import type { ApiError } from "../api/client";

export function Loading({ label = "Loading…", testId = "loading" }: { label?: string; testId?: string }) {
  return (
    <div className="state state-loading" data-testid={testId} role="status">
      <span className="spinner" aria-hidden /> {label}
    </div>
  );
}

export function Empty({ children, testId = "empty" }: { children: ReactNode; testId?: string }) {
  return (
    <div className="state state-empty" data-testid={testId}>
      {children}
    </div>
  );
}

/** Says exactly which call failed and why, with a retry when one makes sense. */
export function ErrorBox({ error, onRetry, testId = "api-error" }: { error: ApiError; onRetry?: () => void; testId?: string }) {
  return (
    <div className="state state-error" data-testid={testId} role="alert">
      <div>
        <strong>Request failed</strong>
        <code className="error-call" data-testid="api-error-call">
          {error.method} {error.path} → {error.status === 0 ? "network error" : error.status}
        </code>
      </div>
      <div className="error-message" data-testid="api-error-message">
        {error.code ? <b>{error.code}: </b> : null}
        {error.message}
        {error.field ? <span className="muted"> (field: {error.field})</span> : null}
      </div>
      {onRetry ? (
        <button type="button" className="btn btn-small" onClick={onRetry} data-testid="api-error-retry">
          Retry
        </button>
      ) : null}
    </div>
  );
}
