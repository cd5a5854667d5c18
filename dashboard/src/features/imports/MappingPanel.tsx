import { useId, useMemo, useState } from "react";
import type { ChangeEvent } from "react";
import { ApiError } from "../../api/client";
import { WarnIcon } from "../../ui/Badges";
import { ErrorBox } from "../../ui/Status";
import { Table } from "../../ui/Table";
import { int } from "../../lib/format";
import { presetsApi } from "./api";
import {
  CHANNELS,
  FIELD_LABELS,
  MARKETPLACES,
  ORDER_STATUSES,
  STATUS_LABELS,
  assignField,
  cellText,
  dateQuestion,
  guessText,
  initialMapping,
  nearPreset,
  presetBody,
  problems,
  setName,
  setSource,
  setStatus,
  statusValues,
} from "./mapping";
import type { Cell, Channel, ExportPreview, FieldName, Marketplace, MappingState, OrderStatus } from "./mapping";
import "./mapping.css";

export interface SavedPreset {
  id: string;
  name: string;
}

interface Props {
  preview: ExportPreview;
  /** Uploading: the form waits. */
  busy: boolean;
  /** The preset is saved: import the file with it. */
  onSaved: (preset: SavedPreset) => void;
}

/**
 * An order export that is not one of ReSight's kinds and matches no preset: its header, the first
 * rows, a ReSight field per column (the API's guesses first), its status values onto ReSight's,
 * day-first when the dates do not tell, and the preset's name. Saving the preset imports the file.
 */
export default function MappingPanel({ preview, busy, onSaved }: Props) {
  const [state, setState] = useState<MappingState>(() => initialMapping(preview));
  const [replace, setReplace] = useState(false);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const ids = useId();
  const near = nearPreset(preview);
  const guesses = useMemo(() => new Map(preview.guesses.map((g) => [g.column, g])), [preview]);
  const required = useMemo(() => new Set(preview.fields.filter((f) => f.required).map((f) => f.field)), [preview]);
  const values = statusValues(preview, state);
  const question = dateQuestion(preview, state);
  const blocking = problems(preview, state);
  const columnRows = preview.header.map((column, index) => ({ column, index }));
  // The value is read in the handler: the event's target is gone when the state update runs.
  const update = (change: (s: MappingState, value: string) => MappingState) => (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    const value = e.currentTarget.value;
    setState((s) => change(s, value));
  };

  const save = async () => {
    if (blocking.length) return;
    setFailure(null);
    setSaving(true);
    try {
      const body = presetBody(preview, state);
      const saved = replace && near && !near.shipped ? await presetsApi.replace(near.id, body) : await presetsApi.create(body);
      onSaved({ id: saved.id, name: saved.name });
    } catch (exc) {
      if (exc instanceof ApiError) setFailure(exc);
    } finally {
      setSaving(false);
    }
  };

  const fieldOptions = preview.fields.map((f) => (
    <option key={f.field} value={f.field} title={f.description}>
      {FIELD_LABELS[f.field] ?? f.field}
      {f.required ? " (required)" : ""}
    </option>
  ));

  return (
    <section className="panel mapping-panel" aria-labelledby={`${ids}-title`} data-testid="mapping-panel" data-file={preview.file}>
      <div className="panel-head">
        <h2 id={`${ids}-title`}>Map the columns of {preview.file}</h2>
      </div>
      <p className="lead">
        This file is not one of ReSight's own kinds, so it is read as a marketplace's order export. Say once what each column holds and save
        it as a preset: files with the same columns are then imported with it, with no questions.
      </p>
      {near ? (
        <div className="notice notice-warn" role="status" data-testid="mapping-changed" data-preset-id={near.id}>
          <WarnIcon />
          This looks like the preset <strong>{near.name}</strong>, but the header has changed
          {near.changes.added.length ? (
            <span className="block" data-testid="mapping-changed-added">
              New columns: {near.changes.added.join(", ")}
            </span>
          ) : null}
          {near.changes.missing.length ? (
            <span className="block" data-testid="mapping-changed-missing">
              Columns no longer there: {near.changes.missing.join(", ")}
            </span>
          ) : null}
          <span className="block">Its choices are filled in where the columns are still there; check them and save.</span>
        </div>
      ) : null}
      <p className="small muted" data-testid="mapping-rows-total" data-value={preview.rows_total}>
        {int(preview.rows_total)} {preview.rows_total === 1 ? "row" : "rows"}
        {preview.delimiter === "\t" ? ", tab-delimited" : ""}; the first {int(preview.rows.length)} are shown below.
      </p>

      <h3 id={`${ids}-columns`}>What each column holds</h3>
      <Table
        className="compact mapping-columns"
        testId="mapping-columns"
        caption="Each column of the file and the ReSight field it maps to"
        rows={columnRows}
        rowKey={(r) => r.column}
        rowTestId="mapping-column"
        rowAttrs={(r) => ({ "data-column": r.column, "data-field": state.columns[r.column] || "" })}
        columns={[
          { key: "column", header: "Column", rowHeader: true, cell: (r) => <code>{r.column}</code> },
          {
            key: "examples",
            header: "Values",
            cell: (r) => (
              <span className="mapping-examples">
                {[...new Set(preview.rows.slice(0, 5).map((row) => cellText(row[r.index] as Cell)))].slice(0, 3).join(" · ")}
              </span>
            ),
          },
          {
            key: "field",
            header: "ReSight field",
            cell: (r) => {
              const id = `${ids}-field-${r.index}`;
              return (
                <>
                  <label className="visually-hidden" htmlFor={id}>
                    ReSight field for the column {r.column}
                  </label>
                  <select
                    id={id}
                    value={state.columns[r.column] ?? ""}
                    onChange={update((s, value) => assignField(s, r.column, value as FieldName | ""))}
                    aria-describedby={`${id}-guess`}
                    data-testid="mapping-field"
                    data-column={r.column}
                  >
                    <option value="">Not used</option>
                    {fieldOptions}
                  </select>
                  <span className="mapping-guess" id={`${id}-guess`}>
                    {guessText(guesses.get(r.column))}
                  </span>
                </>
              );
            },
          },
        ]}
      />

      {question ? (
        question.ask ? (
          <fieldset data-testid="mapping-day-first" data-column={question.column}>
            <legend>How does {question.column} write its dates?</legend>
            <p className="small muted">
              No day in it is above 12, so the dates alone do not tell{question.examples.length ? ` (for example ${question.examples.join(", ")})` : ""}.
            </p>
            <div className="mapping-choices">
              <label>
                <input type="radio" name={`${ids}-day-first`} checked={state.dayFirst === true} onChange={() => setState((s) => ({ ...s, dayFirst: true }))} data-testid="mapping-day-first-yes" />
                Day first (DD-MM-YYYY: 03-04 is 3 April)
              </label>
              <label>
                <input type="radio" name={`${ids}-day-first`} checked={state.dayFirst === false} onChange={() => setState((s) => ({ ...s, dayFirst: false }))} data-testid="mapping-day-first-no" />
                Month first (MM-DD-YYYY: 03-04 is 4 March)
              </label>
            </div>
          </fieldset>
        ) : question.found !== null ? (
          <p className="small" data-testid="mapping-dates" data-day-first={String(question.found)}>
            Dates in {question.column} are read {question.found ? "day first (DD-MM-YYYY)" : "month first (MM-DD-YYYY)"}: the column has a {question.found ? "day" : "month"} written
            second above 12.
          </p>
        ) : null
      ) : null}

      {values.length > 0 ? (
        <>
          <h3 id={`${ids}-statuses`}>Its statuses</h3>
          <p className="small muted">
            {values[0].fromSample ? "The status values of the rows shown" : "Every status value in the file"}, and the ReSight status each one means.
          </p>
          <Table
            className="compact mapping-statuses"
            testId="mapping-statuses"
            caption="The file's status values and the ReSight status of each"
            rows={values}
            rowKey={(v) => v.value}
            rowTestId="mapping-status-row"
            rowAttrs={(v) => ({ "data-value": v.value, "data-status": state.statuses[v.value] || "" })}
            columns={[
              { key: "value", header: "In the file", rowHeader: true, cell: (v) => <code>{v.value}</code> },
              { key: "rows", header: "Rows", num: true, cell: (v) => int(v.rows) },
              {
                key: "status",
                header: "ReSight status",
                cell: (v, i) => {
                  const id = `${ids}-status-${i}`;
                  return (
                    <>
                      <label className="visually-hidden" htmlFor={id}>
                        ReSight status for “{v.value}”
                      </label>
                      <select
                        id={id}
                        value={state.statuses[v.value] ?? ""}
                        onChange={update((s, value) => setStatus(s, v.value, value as OrderStatus | ""))}
                        data-testid="mapping-status"
                        data-value={v.value}
                      >
                        <option value="">Choose…</option>
                        {ORDER_STATUSES.map((s) => (
                          <option key={s} value={s}>
                            {STATUS_LABELS[s]}
                          </option>
                        ))}
                      </select>
                    </>
                  );
                },
              },
            ]}
          />
        </>
      ) : null}

      <fieldset data-testid="mapping-price-basis">
        <legend>The price column is</legend>
        <div className="mapping-choices">
          <label>
            <input type="radio" name={`${ids}-basis`} checked={state.priceBasis === "unit"} onChange={() => setState((s) => ({ ...s, priceBasis: "unit" }))} data-testid="mapping-price-unit" />
            Per unit
          </label>
          <label>
            <input type="radio" name={`${ids}-basis`} checked={state.priceBasis === "line"} onChange={() => setState((s) => ({ ...s, priceBasis: "line" }))} data-testid="mapping-price-line" />
            For the whole line (units × unit price)
          </label>
        </div>
      </fieldset>

      <div className="mapping-options">
        <label className="field">
          Preset name
          <input type="text" value={state.name} maxLength={100} onChange={update((s, value) => setName(s, value))} placeholder="Flipkart orders" data-testid="mapping-name" />
        </label>
        <label className="field">
          Source
          <input
            type="text"
            value={state.source}
            maxLength={32}
            onChange={update((s, value) => setSource(s, value))}
            aria-describedby={`${ids}-source-hint`}
            data-testid="mapping-source"
          />
          <span className="field-hint" id={`${ids}-source-hint`}>
            Part of every order's id: the same order in two files of one source counts once
          </span>
        </label>
        <label className="field">
          Channel {required.has("channel") ? "" : "(when no column says)"}
          <select value={state.channel} onChange={update((s, value) => ({ ...s, channel: value as Channel }))} data-testid="mapping-channel">
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Marketplace (when no column says)
          <select value={state.marketplace} onChange={update((s, value) => ({ ...s, marketplace: value as Marketplace | "" }))} data-testid="mapping-marketplace">
            <option value="">Another source</option>
            {MARKETPLACES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        {near && !near.shipped ? (
          <label className="check">
            <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.currentTarget.checked)} data-testid="mapping-replace" />
            <span>
              Save over {near.name}
              <span className="block small muted">Otherwise a new preset is saved and {near.name} stays for files with the old header.</span>
            </span>
          </label>
        ) : null}
      </div>

      {blocking.length > 0 ? (
        <ul className="mapping-problems" id={`${ids}-problems`} data-testid="mapping-problems" aria-live="polite">
          {blocking.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      <div className="mapping-actions">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void save()}
          disabled={blocking.length > 0 || saving || busy}
          aria-describedby={blocking.length > 0 ? `${ids}-problems` : undefined}
          data-testid="mapping-save"
        >
          Save the preset and import
        </button>
      </div>
      {failure ? <ErrorBox error={failure} testId="mapping-error" /> : null}

      <Table
        className="compact"
        testId="mapping-sample"
        captionClassName="import-caption"
        caption={`The first ${int(preview.rows.length)} rows of ${preview.file}`}
        stack={false}
        wrapClassName="table-wrap mapping-sample-wrap"
        wrapAttrs={{ tabIndex: 0, role: "region", "aria-label": `The first rows of ${preview.file}` }}
        rows={preview.rows}
        rowKey={(_, i) => i}
        rowTestId="mapping-sample-row"
        columns={preview.header.map((column, index) => ({
          key: `${index}`,
          header: (
            <>
              {column}
              {state.columns[column] ? <span className="mapping-sample-field">{FIELD_LABELS[state.columns[column] as FieldName]}</span> : null}
            </>
          ),
          rowHeader: index === 0,
          cell: (row: Cell[]) => cellText(row[index]),
        }))}
      />
    </section>
  );
}
