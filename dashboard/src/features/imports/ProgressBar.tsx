import type { BarState } from "./imports";

/** A native <progress>: its value is announced; without a value it is indeterminate. */
export function ProgressBar({ bar, testId, status }: { bar: BarState; testId: string; status: string }) {
  return (
    <div className="import-progress">
      <div className="import-progress-label" id={`${testId}-label`} data-testid={`${testId}-label`} aria-live="polite">
        {bar.label}
        {bar.percent !== null ? <span className="muted"> · {bar.percent}%</span> : null}
      </div>
      <progress
        max={100}
        value={bar.percent ?? undefined}
        aria-labelledby={`${testId}-label`}
        data-testid={testId}
        data-percent={bar.percent ?? ""}
        data-status={status}
      />
    </div>
  );
}
