import { useState } from "react";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { Table } from "../../ui/Table";
import { istDateTime } from "../../lib/format";
import { useAction } from "../../lib/useAction";
import { useApi } from "../../lib/useApi";
import { presetsApi } from "./api";
import { canDelete, columnsText, confirmText, shortFingerprint, type ListedPreset } from "./presets";

/** The order-export presets, with delete (admin, confirmed) for the seller's own. */
export function PresetsPanel({ isAdmin, refreshOn }: { isAdmin: boolean; refreshOn: unknown }) {
  const listed = useApi((signal) => presetsApi.list(signal), [], { refreshOn: [refreshOn] });
  const { busy, error, run } = useAction();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const presets = listed.data?.presets ?? null;

  const remove = (preset: ListedPreset) => {
    setConfirming(null);
    setDeleting(preset.id);
    return run(
      () => presetsApi.remove(preset.id),
      () => {
        setDeleting(null);
        listed.reload();
      },
      () => {
        setDeleting(null);
      },
    );
  };

  return (
    <section className="panel" aria-labelledby="presets-title" data-testid="presets-panel">
      <div className="panel-head">
        <h2 id="presets-title">Order-export presets</h2>
        <span className="muted small">{presets ? `${presets.length} saved or shipped` : ""}</span>
      </div>
      <p className="small muted">A file whose header has a preset's fingerprint is imported with that preset's mapping, with no questions.</p>
      {error ? <ErrorBox error={error} testId="preset-delete-error" /> : null}
      {listed.error && !presets ? <ErrorBox error={listed.error} onRetry={listed.reload} testId="presets-error" /> : null}
      {!presets && listed.loading ? <Loading label="Loading presets…" testId="presets-loading" /> : null}
      {presets && presets.length === 0 ? <Empty testId="presets-empty">No presets yet: map an order export once and save it.</Empty> : null}
      {presets && presets.length > 0 ? (
        <PresetsTable presets={presets} isAdmin={isAdmin} confirming={confirming} deleting={busy ? deleting : null} onAsk={setConfirming} onKeep={() => setConfirming(null)} onDelete={(p) => void remove(p)} />
      ) : null}
    </section>
  );
}

export function PresetsTable({
  presets,
  isAdmin,
  confirming,
  deleting,
  onAsk,
  onKeep,
  onDelete,
}: {
  presets: ListedPreset[];
  isAdmin: boolean;
  confirming: string | null;
  deleting: string | null;
  onAsk: (id: string) => void;
  onKeep: () => void;
  onDelete: (preset: ListedPreset) => void;
}) {
  return (
    <Table
      testId="presets-table"
      caption="Order-export presets: shipped first, then yours by name"
      rows={presets}
      rowKey={(p) => p.id}
      rowTestId="preset-row"
      rowAttrs={(p) => ({ "data-preset-id": p.id, "data-shipped": p.shipped ? "true" : "false" })}
      columns={[
        { key: "name", header: "Name", rowHeader: true, attrs: () => ({ "data-testid": "preset-name" }), cell: (p) => p.name },
        { key: "source", header: "Source", attrs: () => ({ "data-testid": "preset-source" }), cell: (p) => p.mapping.source },
        {
          key: "columns",
          header: "Columns",
          className: "small",
          attrs: (p) => ({ "data-testid": "preset-columns", "data-count": p.header.length, title: p.header.join(", ") }),
          cell: (p) => columnsText(p.header),
        },
        {
          key: "fingerprint",
          header: "Fingerprint",
          attrs: (p) => ({ "data-testid": "preset-fingerprint", "data-fingerprint": p.fingerprint, title: p.fingerprint }),
          cell: (p) => <code>{shortFingerprint(p.fingerprint)}</code>,
        },
        {
          key: "saved",
          header: "Saved",
          className: "small",
          cell: (p) =>
            p.shipped ? (
              <span className="pill">shipped</span>
            ) : (
              <>
                {istDateTime(p.updated_at ?? p.created_at)}
                <div className="muted">{p.updated_by ?? p.created_by}</div>
              </>
            ),
        },
        isAdmin && {
          key: "actions",
          header: <span className="visually-hidden">Actions</span>,
          label: "Actions",
          className: "actions-cell",
          cell: (p) =>
            !canDelete(p, isAdmin) ? null : confirming === p.id ? (
              <span className="confirm" role="group" aria-label={`Delete the preset ${p.name}`} data-testid="preset-confirm-box">
                <span className="small">{confirmText(p)}</span>
                <button type="button" className="btn btn-danger" onClick={() => onDelete(p)} data-testid="preset-delete-confirm">Delete</button>
                <button type="button" className="btn" onClick={onKeep} data-testid="preset-delete-cancel">Keep</button>
              </span>
            ) : (
              <button type="button" className="btn" disabled={deleting === p.id} onClick={() => onAsk(p.id)} data-testid="preset-delete">
                {deleting === p.id ? "Deleting…" : "Delete"}
                <span className="visually-hidden"> {p.name}</span>
              </button>
            ),
        },
      ]}
    />
  );
}
