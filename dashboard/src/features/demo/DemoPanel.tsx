import { useState } from "react";
import { api, type ApiError } from "../../api/client";
import type { DemoPayload } from "../../api/types";
import { demoActions, demoSummary, type DemoAction } from "./demo";
import { useAction } from "../../lib/useAction";
import { useLive, useLiveStore } from "../../live/LiveProvider";
import { applyMessage } from "../../live/state";
import { ErrorBox } from "../../ui/Status";

/** The Stores page's demo: its state, when and why it ended, and the admin's switches. */
export function DemoPanel({ isAdmin }: { isAdmin: boolean }) {
  const payload = useLive((s) => s.demo);
  const store = useLiveStore();
  const [pending, setPending] = useState<DemoAction | null>(null);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  if (!payload) return null;

  const run = (which: DemoAction) => {
    setPending(which);
    const call = which === "start" ? api.startDemo : which === "end" ? api.endDemo : api.deleteDemo;
    void action.run(call, (next) => {
      store.update((s) => applyMessage(s, "demo", next));
      setConfirming(false);
    });
  };

  return (
    <DemoPanelView
      payload={payload}
      isAdmin={isAdmin}
      busy={action.busy ? pending : null}
      confirming={confirming}
      failure={action.error}
      onAction={(which) => (which === "delete" ? setConfirming(true) : run(which))}
      onConfirmDelete={() => run("delete")}
      onCancelDelete={() => setConfirming(false)}
    />
  );
}

export interface DemoPanelViewProps {
  payload: DemoPayload;
  isAdmin: boolean;
  busy: DemoAction | null;
  confirming: boolean;
  failure: ApiError | null;
  onAction: (action: DemoAction) => void;
  onConfirmDelete: () => void;
  onCancelDelete: () => void;
}

const LABELS: Record<DemoAction, { idle: string; busy: string }> = {
  start: { idle: "Start demo", busy: "Starting…" },
  end: { idle: "End demo", busy: "Ending…" },
  delete: { idle: "Delete demo data", busy: "Deleting…" },
};

export function DemoPanelView({ payload, isAdmin, busy, confirming, failure, onAction, onConfirmDelete, onCancelDelete }: DemoPanelViewProps) {
  const summary = demoSummary(payload);
  const actions = demoActions(payload.demo, isAdmin);
  const { demo } = payload;
  return (
    <section
      className={`panel demo-panel demo-${demo.state}`}
      aria-labelledby="demo-panel-title"
      data-testid="demo-panel"
      data-state={demo.state}
      data-dataset={payload.dataset}
      data-ended-at={demo.ended_at ?? undefined}
    >
      <h2 id="demo-panel-title">Demo data</h2>
      <p className="demo-headline" data-testid="demo-state">{summary.headline}</p>
      {demo.state === "ended" ? (
        <p className="small" data-testid="demo-ended">
          <span data-testid="demo-ended-reason">{summary.lines[0]}</span>
        </p>
      ) : null}
      <ul className="small demo-lines">
        {summary.lines.slice(demo.state === "ended" ? 1 : 0).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {failure ? <ErrorBox error={failure} testId="demo-error" /> : null}
      {confirming ? (
        <div className="confirm" role="group" aria-label="Delete the demo data" data-testid="demo-delete-box">
          <p className="small">
            Delete every simulated order, stock count and figure of the demo? Your own data is not touched. The deletion is
            recorded in the audit log and cannot be undone.
          </p>
          <div className="actions">
            <button type="button" className="btn btn-danger" disabled={busy !== null} onClick={onConfirmDelete} data-testid="demo-delete-confirm">
              {busy === "delete" ? LABELS.delete.busy : "Delete it"}
            </button>
            <button type="button" className="btn" disabled={busy !== null} onClick={onCancelDelete} data-testid="demo-delete-cancel">Cancel</button>
          </div>
        </div>
      ) : actions.length > 0 ? (
        <div className="actions">
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              className={`btn ${action === "start" ? "btn-primary" : action === "delete" ? "btn-danger" : ""}`}
              disabled={busy !== null}
              onClick={() => onAction(action)}
              data-testid={`demo-${action}`}
            >
              {busy === action ? LABELS[action].busy : LABELS[action].idle}
            </button>
          ))}
        </div>
      ) : null}
      {isAdmin && actions.includes("start") ? (
        <p className="small muted">Start demo, for a presenter: simulated shoppers on the demo catalogue, in a dataset of their own.</p>
      ) : null}
      {!isAdmin ? <p className="small muted" data-testid="demo-readonly">Only an admin can start, end or delete the demo.</p> : null}
    </section>
  );
}
