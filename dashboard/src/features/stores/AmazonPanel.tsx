import { useState } from "react";
import { CopyButton } from "../../ui/CopyButton";
import { ErrorBox, Loading } from "../../ui/Status";
import { Table } from "../../ui/Table";
import { ago, int, istDateTime } from "../../lib/format";
import { useAction } from "../../lib/useAction";
import { useApi } from "../../lib/useApi";
import {
  amazonApi,
  backfillPercent,
  fieldText,
  lagText,
  LWA_LABELS,
  PATHS,
  waitsText,
  type AmazonStatus,
  type ConnectionTest,
} from "./amazon";

function Health({ healthy }: { healthy: boolean }) {
  return <span className={`pill ${healthy ? "pill-on" : "warn-text"}`}>{healthy ? "Healthy" : "Needs attention"}</span>;
}

function TestConnection() {
  const [result, setResult] = useState<ConnectionTest | null>(null);
  const { busy, error, run } = useAction();
  return (
    <div className="field" data-testid="amazon-test">
      <button type="button" className="btn" disabled={busy} onClick={() => void run(() => amazonApi.test(), setResult)} data-testid="amazon-test-button">
        {busy ? "Testing…" : "Test connection"}
      </button>
      {error ? <ErrorBox error={error} testId="amazon-test-error" /> : null}
      {result ? (
        <p className={result.ok ? "small" : "small warn-text"} role="status" data-testid="amazon-test-result" data-ok={result.ok}>
          {result.ok
            ? `Connected: ${(result.marketplaces ?? []).filter((m) => m.participating).map((m) => m.name).join(", ")}`
            : `Not connected: ${result.error ?? "unknown reason"}`}
        </p>
      ) : null}
    </div>
  );
}

function RequestHistory({ onRequested }: { onRequested: () => void }) {
  const [days, setDays] = useState("365");
  const { busy, error, run } = useAction();
  return (
    <form
      className="actions"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => amazonApi.backfill(Number(days)), onRequested);
      }}
    >
      <label htmlFor="amazon-backfill-days">Days of history</label>
      <input id="amazon-backfill-days" type="number" min={1} max={730} value={days} onChange={(e) => setDays(e.currentTarget.value)} data-testid="amazon-backfill-days" />
      <button type="submit" className="btn" disabled={busy} data-testid="amazon-backfill-request">
        {busy ? "Requesting…" : "Request history"}
      </button>
      {error ? <ErrorBox error={error} testId="amazon-backfill-error" /> : null}
    </form>
  );
}

function Body({ status, webhookUrl, isAdmin, reload }: { status: AmazonStatus; webhookUrl: string | undefined; isAdmin: boolean; reload: () => void }) {
  const progress = status.paths.backfill.progress;
  const percent = backfillPercent(progress);
  const operations = Object.entries(status.operations);
  return (
    <>
      <h3 className="small-head">EventBridge API destination</h3>
      <dl className="facts" data-testid="amazon-eventbridge">
        <div>
          <dt>Endpoint (invocation URL)</dt>
          <dd className="command">
            <code data-testid="amazon-eventbridge-url">{webhookUrl ?? status.eventbridge.webhook_path}</code>
            <CopyButton text={webhookUrl ?? ""} label="Copy URL" testId="amazon-eventbridge-url-copy" />
          </dd>
        </div>
        <div>
          <dt>Connection: API key name</dt>
          <dd><code data-testid="amazon-eventbridge-header">{status.eventbridge.token_header}</code></dd>
        </div>
        <div>
          <dt>Connection: API key value</dt>
          <dd>the Amazon webhook secret (rotate it below)</dd>
        </div>
        <div>
          <dt>Partner event source</dt>
          <dd><code>{status.eventbridge.event_source_prefix}…</code></dd>
        </div>
      </dl>

      <h3 className="small-head">Selling Partner API (Login with Amazon)</h3>
      <ul className="reasons" data-testid="amazon-lwa">
        {Object.entries(LWA_LABELS).map(([key, label]) => (
          <li key={key} data-testid={`amazon-lwa-${key}`} data-state={status.lwa[key] ?? "missing"}>
            <span>{label}</span>
            <span className={status.lwa[key] === "set" ? "small" : "small warn-text"}>{fieldText(status.lwa[key])}</span>
          </li>
        ))}
      </ul>
      <p className="small muted">
        Marketplace <code>{status.marketplace_id}</code> at <code>{status.endpoint}</code>. The values live in Key Vault; ReSight never shows them.
      </p>
      {isAdmin ? <TestConnection /> : null}

      <h3 className="small-head">Paths</h3>
      <ul className="reasons" data-testid="amazon-paths">
        {PATHS.map(({ key, label }) => {
          const path = status.paths[key];
          return (
            <li key={key} data-testid={`amazon-path-${key}`} data-healthy={path.healthy}>
              <span>{label}</span>
              <span>
                <Health healthy={path.healthy} /> <span className="small" data-testid={`amazon-path-why-${key}`}>{path.why}</span>
              </span>
            </li>
          );
        })}
      </ul>

      <h3 className="small-head">History</h3>
      {progress ? (
        <div data-testid="amazon-backfill" data-status={progress.status ?? ""}>
          <progress max={100} value={percent} aria-label="History chunks imported" data-testid="amazon-backfill-bar" />
          <p className="small" data-testid="amazon-backfill-text">
            {int((progress.chunks.imported ?? 0) + (progress.chunks.empty ?? 0))} of {int(progress.chunks_total)} chunks · {int(progress.rows_imported)} lines imported · {progress.days} days, requested by {progress.requested_by}
            {progress.requested_at ? <> <span title={istDateTime(progress.requested_at)}>{ago(progress.requested_at)}</span></> : null}
          </p>
        </div>
      ) : (
        <p className="small" data-testid="amazon-backfill">Not requested yet.</p>
      )}
      {isAdmin ? <RequestHistory onRequested={reload} /> : null}

      <h3 className="small-head">SP-API calls</h3>
      {operations.length === 0 ? (
        <p className="small muted" data-testid="amazon-operations">No call yet.</p>
      ) : (
        <Table
          rows={operations}
          caption="SP-API calls per operation"
          testId="amazon-operations"
          className="compact"
          rowKey={([name]) => name}
          rowTestId={([name]) => `amazon-op-${name}`}
          columns={[
            { key: "op", header: "Operation", rowHeader: true, cell: ([name]) => <code>{name}</code> },
            {
              key: "last",
              header: "Last pull",
              cell: ([, op]) => (op.last_ok_at ? <span title={istDateTime(op.last_ok_at)}>{ago(op.last_ok_at)}</span> : "never"),
            },
            { key: "lag", header: "Lag", cell: ([, op]) => lagText(op.lag_seconds) },
            { key: "waits", header: "Waits", cell: ([, op]) => waitsText(op) },
            {
              key: "throttled",
              header: "429s",
              num: true,
              attrs: ([name]) => ({ "data-testid": `amazon-op-throttled-${name}` }),
              cell: ([, op]) => int(op.throttled ?? 0),
            },
            { key: "errors", header: "Errors", num: true, cell: ([, op]) => int(op.errors ?? 0) },
            { key: "error", header: "Last error", cell: ([, op]) => op.last_error ?? "—" },
          ]}
        />
      )}
    </>
  );
}

/** The Amazon card's SP-API part: the values to paste into EventBridge, the LWA fields, a
 * connection test, per path healthy or not and why, the history's progress and the calls. */
export function AmazonPanel({ webhookUrl, isAdmin }: { webhookUrl: string | undefined; isAdmin: boolean }) {
  const fetched = useApi((signal) => amazonApi.status(signal), [], { every: 15_000 });
  return (
    <section className="panel" data-testid="amazon-panel" aria-labelledby="amazon-panel-head">
      <h2 id="amazon-panel-head">Connect Amazon</h2>
      {fetched.error && !fetched.data ? <ErrorBox error={fetched.error} onRetry={fetched.reload} /> : null}
      {!fetched.data && fetched.loading ? <Loading label="Loading Amazon's connection…" /> : null}
      {fetched.data ? <Body status={fetched.data} webhookUrl={webhookUrl} isAdmin={isAdmin} reload={fetched.reload} /> : null}
    </section>
  );
}
