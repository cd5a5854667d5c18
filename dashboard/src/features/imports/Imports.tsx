import { Suspense, lazy, useCallback, useEffect, useRef, useState } from "react";
import type { DragEvent } from "react";
import { useSearchParams } from "react-router";
import { api, ApiError, uploadImport } from "../../api/client";
import type { ImportJob } from "../../api/types";
import { WarnIcon } from "../../ui/Badges";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { ago, int, istDateTime } from "../../lib/format";
import {
  ACCEPTED_EXTENSIONS,
  KIND_CHOICES,
  MAX_IMPORT_BYTES,
  POLL_MS,
  STATUS_TEXT,
  fileSize,
  headerOf,
  importBar,
  isFinished,
  isOwnKind,
  isOwnSheet,
  isWorkbook,
  kindName,
  reasonHelp,
  refuseFile,
  sendingBar,
  uploadErrorText,
} from "./imports";
import type { BarState, UploadKind } from "./imports";
import { ProgressBar } from "./ProgressBar";
import { presetsApi, previewExport, uploadWithPreset } from "./api";
import type { ImportDoc } from "./api";
import type { ExportPreview } from "./mapping";
import type { SavedPreset } from "./MappingPanel";

// The mapping of an order export is loaded on first need: most files are ReSight's own kinds.
const MappingPanel = lazy(() => import("./MappingPanel"));

/** What the page knows of a chosen file before it is uploaded. */
type Examined =
  | { state: "none" }
  | { state: "checking" }
  | { state: "own" }
  | { state: "preview"; preview: ExportPreview }
  | { state: "failed"; error: ApiError };

const OWN_KINDS: ReadonlySet<string> = new Set(["sales", "inventory", "demand", "daily_update"]);

/**
 * ReSight's own kinds go straight to the upload; anything else is previewed as an order export.
 * A CSV's header is read here (a few KB), so a large file of ReSight's own is never sent twice; a
 * workbook is previewed, and its first sheet tells whether it is the daily update.
 */
async function examine(file: File, kind: UploadKind | "auto", signal: AbortSignal): Promise<Examined> {
  if (OWN_KINDS.has(kind)) return { state: "own" };
  if (kind === "auto" && !isWorkbook(file.name)) {
    const head = await file.slice(0, 64 * 1024).text();
    if (isOwnKind(headerOf(head))) return { state: "own" };
  }
  try {
    const preview = await previewExport(file, signal);
    if (kind === "auto" && isWorkbook(file.name) && !preview.preset && isOwnSheet(preview.header)) return { state: "own" };
    return { state: "preview", preview };
  } catch (exc) {
    if (exc instanceof ApiError) return { state: "failed", error: exc };
    throw exc;
  }
}
import { useRole } from "../../lib/role";
import { PresetsPanel } from "./PresetsPanel";
import { useApi } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import "../../ui/data.css";

const HISTORY_LIMIT = 50;
const HISTORY_EVERY_MS = 15_000;

function StatusBadge({ status }: { status: ImportJob["status"] }) {
  return (
    <span className={`qbadge qbadge-${status === "imported" ? "pass" : status === "rejected" ? "critical" : status === "failed" ? "warning" : "skipped"}`} data-testid="import-status" data-status={status}>
      {status === "rejected" || status === "failed" ? <WarnIcon /> : null}
      {STATUS_TEXT[status] ?? status}
    </span>
  );
}

function UploadForm({ onStarted }: { onStarted: (job: ImportJob) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [kind, setKind] = useState<UploadKind | "auto">("auto");
  const [examined, setExamined] = useState<Examined>({ state: "none" });
  const [strict, setStrict] = useState(false);
  const [over, setOver] = useState(false);
  const [sending, setSending] = useState<BarState | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const controller = useRef<AbortController | null>(null);
  useEffect(() => () => controller.current?.abort(), []);

  useEffect(() => {
    if (!file) {
      setExamined({ state: "none" });
      return;
    }
    const looking = new AbortController();
    setExamined({ state: "checking" });
    examine(file, kind, looking.signal).then(
      (found) => {
        if (!looking.signal.aborted) setExamined(found);
      },
      () => {
        if (!looking.signal.aborted) setExamined({ state: "none" });
      },
    );
    return () => looking.abort();
  }, [file, kind]);
  const matched = examined.state === "preview" ? examined.preview.preset : null;

  const choose = (chosen: File | null | undefined) => {
    setFailure(null);
    if (!chosen) return;
    const why = refuseFile(chosen);
    setRefusal(why);
    setFile(why ? null : chosen);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    if (sending) return;
    const files = e.dataTransfer?.files;
    if (files && files.length > 1) {
      setFile(null);
      setRefusal(`${files.length} files were dropped; upload one file at a time.`);
      return;
    }
    choose(files?.[0]);
  };
  /** Upload the file: with the preset its header matched or the one just saved, else as the kind chosen. */
  const upload = async (saved?: SavedPreset) => {
    if (!file) return;
    setFailure(null);
    controller.current = new AbortController();
    setSending(sendingBar(0, file.size));
    const preset = saved ?? matched;
    const progress = (sent: number, total: number) => setSending(sendingBar(sent, total));
    try {
      const job = preset
        ? await uploadWithPreset(file, { preset: preset.id, strict }, progress, controller.current.signal)
        : await uploadImport(file, { kind: kind === "auto" ? null : kind, strict }, progress, controller.current.signal);
      setFile(null);
      if (input.current) input.current.value = "";
      onStarted(job);
    } catch (exc) {
      if (exc instanceof ApiError) setFailure(exc);
    } finally {
      setSending(null);
    }
  };

  return (
    <section className="panel" aria-labelledby="upload-title" data-testid="import-form">
      <div className="panel-head"><h2 id="upload-title">Upload a file</h2></div>
      <div
        className={`dropzone ${over ? "dropzone-over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          if (!sending) setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="import-dropzone"
      >
        <svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M12 16V4M7 9l5-5 5 5M4 15v4h16v-4" stroke="currentColor" strokeWidth="1.8" fill="none" />
        </svg>
        <p className="dropzone-text">
          Drop a CSV or Excel file here, or{" "}
          <button type="button" className="btn" onClick={() => input.current?.click()} disabled={sending !== null} data-testid="import-choose">
            Choose a file
          </button>
        </p>
        <p className="small muted">
          Sales, inventory or demand-signal CSV, the Excel daily update workbook, or any marketplace's order export (CSV, Excel or
          tab-delimited: its columns are mapped once); up to {fileSize(MAX_IMPORT_BYTES)}.
        </p>
        <input
          ref={input}
          type="file"
          accept={ACCEPTED_EXTENSIONS.join(",")}
          hidden
          onChange={(e) => choose(e.currentTarget.files?.[0])}
          data-testid="import-file"
        />
      </div>
      {file ? (
        <p className="import-chosen" data-testid="import-chosen">
          Ready: <strong>{file.name}</strong> <span className="muted">({fileSize(file.size)})</span>
        </p>
      ) : null}
      {file && examined.state === "checking" ? (
        <p className="small muted" role="status" data-testid="import-examining">
          Reading the columns of {file.name}…
        </p>
      ) : null}
      {file && matched ? (
        <div className="notice notice-live" role="status" data-testid="import-preset-matched" data-preset-id={matched.id}>
          Recognised as <strong>{matched.name}</strong>
          {matched.shipped ? " (a preset ReSight ships)" : ""}: its header matches, so it is imported with that preset, with no questions.
        </div>
      ) : null}
      {file && examined.state === "failed" ? (
        <div className="import-failure" data-testid="import-preview-error">
          <p className="neg strong">The columns could not be read for mapping: {examined.error.message}. Upload it as one of ReSight's kinds, or fix the file.</p>
          <ErrorBox error={examined.error} />
        </div>
      ) : null}
      {refusal ? (
        <div className="notice notice-warn" role="alert" data-testid="import-refused">
          <WarnIcon />
          {refusal}
        </div>
      ) : null}
      <div className="import-options">
        <label className="field">
          File kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as UploadKind | "auto")} data-testid="import-kind">
            {KIND_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>{c.label}</option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={strict} onChange={(e) => setStrict(e.currentTarget.checked)} data-testid="import-strict" />
          <span>
            Strict mode
            <span className="block small muted">Reject the whole file if any row has an error (otherwise the valid rows are imported and the rest reported).</span>
          </span>
        </label>
        <button type="button" className="btn btn-primary" onClick={() => void upload()} disabled={!file || sending !== null} data-testid="import-submit">
          {matched ? `Import with ${matched.name}` : "Upload and import"}
        </button>
      </div>
      {file && examined.state === "preview" && !matched ? (
        <Suspense fallback={<Loading label="Loading the column mapping…" />}>
          <MappingPanel key={`${file.name}-${file.size}-${file.lastModified}`} preview={examined.preview} busy={sending !== null} onSaved={(saved) => void upload(saved)} />
        </Suspense>
      ) : null}
      {sending ? <ProgressBar bar={sending} testId="upload-progress" status="uploading" /> : null}
      {failure ? (
        <div className="import-failure" data-testid="import-upload-error">
          <p className="neg strong" data-testid="import-upload-error-text">{uploadErrorText(failure)}</p>
          <ErrorBox error={failure} />
        </div>
      ) : null}
    </section>
  );
}

function Counts({ job }: { job: ImportJob }) {
  const c = job.counts;
  if (c.rows === undefined) return null;
  return (
    <dl className="import-counts" data-testid="import-counts">
      <div><dt>Rows</dt><dd data-testid="import-count-rows" data-value={c.rows}>{int(c.rows)}</dd></div>
      <div><dt>Valid</dt><dd data-testid="import-count-valid" data-value={c.valid ?? 0}>{int(c.valid ?? 0)}</dd></div>
      <div><dt>Invalid</dt><dd data-testid="import-count-invalid" data-value={c.invalid ?? 0} className={c.invalid ? "neg" : ""}>{int(c.invalid ?? 0)}</dd></div>
      {c.events_new !== undefined ? <div><dt>New events</dt><dd data-testid="import-count-events" data-value={c.events_new}>{int(c.events_new)}</dd></div> : null}
      {c.events_duplicate ? <div><dt>Already imported</dt><dd data-testid="import-count-duplicates" data-value={c.events_duplicate}>{int(c.events_duplicate)}</dd></div> : null}
    </dl>
  );
}

/** One import: its bar while it runs (polled), then its outcome, row errors and report. */
function ImportDetail({ id, onFinished }: { id: string; onFinished: () => void }) {
  const [job, setJob] = useState<ImportJob | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const finishedRef = useRef(onFinished);
  finishedRef.current = onFinished;

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    setJob(null);
    setError(null);
    const poll = async () => {
      try {
        const next = await api.importJob(id, controller.signal);
        setJob(next);
        setError(null);
        if (isFinished(next.status)) {
          finishedRef.current();
          return;
        }
      } catch (exc) {
        if (controller.signal.aborted) return;
        if (exc instanceof ApiError) setError(exc);
        if (exc instanceof ApiError && exc.status === 404) return;
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [id]);

  if (error && !job) return <ErrorBox error={error} />;
  if (!job) return <Loading label="Loading the import…" />;
  const bar = importBar(job);
  const help = reasonHelp(job.reason);
  const invalid = job.counts.invalid ?? 0;
  return (
    <section className="panel" aria-labelledby="import-detail-title" data-testid="import-detail" data-import-id={job.id} data-status={job.status}>
      <div className="panel-head">
        <h2 id="import-detail-title">
          <span className="visually-hidden">Import of </span>
          <span className="import-file-name">{job.file}</span>
        </h2>
        <StatusBadge status={job.status} />
      </div>
      <p className="small muted">
        {kindName(job.kind)}
        {job.strict ? " · strict mode" : ""} · by {job.actor} · started {istDateTime(job.created_at)}
      </p>
      {(job as ImportDoc).preset ? <PresetUsed id={(job as ImportDoc).preset as string} /> : null}
      <ProgressBar bar={bar} testId="import-progress" status={job.status} />
      {job.reason ? (
        <div className="notice notice-warn" role="alert" data-testid="import-reason">
          <WarnIcon />
          <strong>Why it was rejected: </strong>
          {job.reason}
          {help ? <span className="block" data-testid="import-reason-help">{help}</span> : null}
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      <Counts job={job} />
      {isFinished(job.status) && job.links.errors_csv ? (
        <p className="import-links">
          <a className="btn" href={job.links.errors_csv} download={`${job.file}.errors.csv`} data-testid="import-errors-download">
            Download the error report (CSV{invalid ? `, ${int(invalid)} ${invalid === 1 ? "row" : "rows"}` : ""})
          </a>
          {job.links.report ? (
            <a className="text-link" href={job.links.report} target="_blank" rel="noreferrer" data-testid="import-report-link">The full report (JSON)</a>
          ) : null}
        </p>
      ) : null}
      {job.errors_sample.length > 0 ? (
        <Table
          className="compact"
          testId="import-errors"
          captionClassName="import-caption"
          caption={<>Rows with errors{invalid > job.errors_sample.length ? `: the first ${int(job.errors_sample.length)} of ${int(invalid)}, all of them in the error report` : ""}</>}
          rows={job.errors_sample}
          rowKey={(e, i) => `${e.row}-${e.column}-${i}`}
          rowTestId="import-error-row"
          rowAttrs={(e) => ({ "data-row": e.row, "data-column": e.column })}
          columns={[
            { key: "row", header: "Row", num: true, rowHeader: true, className: "num", cell: (e) => `Row ${e.row}` },
            { key: "column", header: "Column", cell: (e) => <code>{e.column}</code> },
            { key: "value", header: "Value", cell: (e) => <code className="error-text">{e.value === null || e.value === "" ? "(blank)" : e.value}</code> },
            { key: "rule", header: "Rule", cell: (e) => <code>{e.rule}</code> },
          ]}
        />
      ) : null}
    </section>
  );
}

/** The preset an order export was imported with, by name. */
function PresetUsed({ id }: { id: string }) {
  const preset = useApi((signal) => presetsApi.get(id, signal), [id]);
  return (
    <p className="small" data-testid="import-preset" data-preset-id={id}>
      Mapped with the preset <strong>{preset.data?.name ?? id}</strong>
    </p>
  );
}

function History({ imports, selected, onSelect }: { imports: ImportJob[]; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <Table
      testId="imports-table"
      caption="Imports, newest first"
      rows={imports}
      rowKey={(job) => job.id}
      rowTestId="import-row"
      rowAttrs={(job) => ({ "data-import-id": job.id, "data-status": job.status })}
      rowClassName={(job) => (job.id === selected ? "row-selected" : "")}
      columns={[
        { key: "file", header: "File", rowHeader: true, className: "import-file-cell", cell: (job) => job.file },
        { key: "kind", header: "Kind", cell: (job) => kindName(job.kind) },
        { key: "status", header: "Status", cell: (job) => <StatusBadge status={job.status} /> },
        { key: "valid", header: "Valid", num: true, attrs: () => ({ "data-testid": "import-row-valid" }), cell: (job) => (job.counts.valid === undefined ? "—" : int(job.counts.valid)) },
        { key: "invalid", header: "Invalid", num: true, attrs: () => ({ "data-testid": "import-row-invalid" }), cell: (job) => (job.counts.invalid === undefined ? "—" : int(job.counts.invalid)) },
        { key: "when", header: "When", cell: (job) => <span title={istDateTime(job.created_at)}>{ago(job.created_at)}</span> },
        { key: "who", header: "Who", className: "import-who", cell: (job) => job.actor },
        {
          key: "actions",
          header: <span className="visually-hidden">Actions</span>,
          label: null,
          className: "actions-cell",
          cell: (job) => (
            <button type="button" className="btn btn-small" onClick={() => onSelect(job.id)} aria-pressed={job.id === selected} data-testid="import-open">
              Details<span className="visually-hidden"> of {job.file}</span>
            </button>
          ),
        },
      ]}
    />
  );
}

export function ImportsPage() {
  const { isAdmin } = useRole();
  const [params, setParams] = useSearchParams();
  const selected = params.get("id");
  const history = useApi((signal) => api.imports(HISTORY_LIMIT, signal), [], { every: HISTORY_EVERY_MS });
  const { reload } = history;
  // A started import may have saved a preset on the way: the presets list refetches.
  const [startedCount, setStartedCount] = useState(0);

  const select = useCallback((id: string) => setParams({ id }, { replace: false }), [setParams]);
  const started = useCallback(
    (job: ImportJob) => {
      select(job.id);
      reload();
      setStartedCount((n) => n + 1);
    },
    [select, reload],
  );

  const imports = history.data?.imports ?? [];
  return (
    <div className="page" data-testid="page-imports">
      <div className="page-head">
        <h1>Imports</h1>
        <button type="button" className="btn" onClick={reload} data-testid="imports-refresh">Refresh</button>
      </div>
      <p className="lead">
        Daily files from point-of-sale systems, warehouses and spreadsheets. Every row is checked; valid rows join the same
        event log as the marketplaces' webhooks, so stock, KPIs and rankings see them. The same rows imported twice count once.
      </p>
      {isAdmin ? (
        <UploadForm onStarted={started} />
      ) : (
        <p className="notice" data-testid="imports-readonly">Uploading files needs the admin role; you can follow the imports and download their error reports.</p>
      )}
      {selected ? <ImportDetail id={selected} onFinished={reload} /> : null}
      <PresetsPanel isAdmin={isAdmin} refreshOn={startedCount} />
      <section aria-labelledby="imports-history-title">
        <div className="panel-head"><h2 id="imports-history-title">History</h2></div>
        {history.error ? <ErrorBox error={history.error} onRetry={reload} /> : null}
        {!history.data && history.loading ? <Loading label="Loading imports…" /> : null}
        {history.data && imports.length === 0 ? <Empty testId="imports-empty">No files imported yet.</Empty> : null}
        {imports.length > 0 ? <History imports={imports} selected={selected} onSelect={select} /> : null}
      </section>
    </div>
  );
}
