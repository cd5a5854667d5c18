import { useMemo, useState } from "react";
import { Link } from "react-router";
import { api } from "../../api/client";
import type { QualityCheck, QualityRun, QualityRunSummary } from "../../api/types";
import { WarnIcon } from "../../ui/Badges";
import { LineChart } from "../../ui/LineChart";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { ago, int, istDateTime } from "../../lib/format";
import { BADGE_TEXT, CATEGORY_TEXT, RUN_STATUS_TEXT, badgeOf, byCategory, checkName, detailText, historyChart, thresholdText, triggerText, valueText } from "./quality";
import type { Badge } from "./quality";
import { useApi } from "../../lib/useApi";
import "../../ui/data.css";

const RANGES = [7, 30, 90] as const;
// Failed checks are counts: an axis tick between two whole numbers gets no label.
const wholeOnly = (v: number) => (Number.isInteger(v) ? String(v) : "");

/** A severity in words with an icon for the failing ones, never colour alone. */
export function SeverityBadge({ badge, testId }: { badge: Badge; testId?: string }) {
  return (
    <span className={`qbadge qbadge-${badge}`} data-testid={testId} data-badge={badge}>
      {badge === "critical" || badge === "warning" ? <WarnIcon /> : null}
      {BADGE_TEXT[badge]}
    </span>
  );
}

function runBadge(status: QualityRun["status"]): Badge {
  return status === "ok" ? "pass" : status;
}

function CheckRows({ checks }: { checks: QualityCheck[] }) {
  return (
    <>
      {checks.map((c) => {
        const badge = badgeOf(c);
        const detail = detailText(c);
        return (
          <tr key={c.name} data-testid="quality-check" data-name={c.name} data-status={c.status} data-severity={c.severity} data-badge={badge} className={`qrow qrow-${badge}`}>
            <th scope="row" className="card-title">
              {checkName(c.name)}
              <code className="block small muted qrule">{c.rule}</code>
            </th>
            <td data-label="Result"><SeverityBadge badge={badge} testId="quality-check-badge" /></td>
            <td data-label="Value" className="num" data-testid="quality-check-value">{valueText(c)}</td>
            <td data-label="Expected" className="num">{thresholdText(c) || "—"}</td>
            <td data-label="Details" className="qdetail" data-testid="quality-check-detail">{detail || <span className="muted">—</span>}</td>
          </tr>
        );
      })}
    </>
  );
}

function LatestRun({ run }: { run: QualityRun }) {
  const groups = byCategory(run.results);
  const failed = run.failed ?? { critical: 0, warning: 0, info: 0 };
  return (
    <>
      <section className={`panel qsummary qsummary-${run.status}`} data-testid="quality-latest" data-status={run.status} aria-labelledby="quality-latest-title">
        <div className="panel-head">
          <h2 id="quality-latest-title">Latest run</h2>
          <SeverityBadge badge={runBadge(run.status)} testId="quality-status" />
        </div>
        <p className="qsummary-line">
          <strong>{RUN_STATUS_TEXT[run.status]}</strong>
          {" · "}
          {int(failed.critical)} critical, {int(failed.warning)} {failed.warning === 1 ? "warning" : "warnings"}, {int(failed.info)} for information, of {int(run.checks ?? run.results.length)} checks.
        </p>
        <p className="small muted" data-testid="quality-run-when">
          Day {run.day} (UTC) · <span title={istDateTime(run.finished_at)}>{ago(run.finished_at)}</span> · {triggerText(run.trigger)}
          {run.trigger.startsWith("import:") ? (
            <>
              {" "}
              (<Link className="text-link" to={`/imports?id=${encodeURIComponent(run.trigger.slice(7))}`} data-testid="quality-import-link">see the import</Link>)
            </>
          ) : null}
        </p>
      </section>
      <div className="table-wrap qtable-wrap">
        <table className="table table-stack" data-testid="quality-checks">
          <caption className="visually-hidden">Checks of the latest run, by category</caption>
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Result</th>
              <th scope="col" className="num">Value</th>
              <th scope="col" className="num">Expected</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          {groups.map((g) => (
            <tbody key={g.category} data-testid={`quality-group-${g.category}`}>
              <tr className="qgroup">
                <th scope="colgroup" colSpan={5}>{CATEGORY_TEXT[g.category] ?? g.category}</th>
              </tr>
              <CheckRows checks={g.checks} />
            </tbody>
          ))}
        </table>
      </div>
    </>
  );
}

function Trend({ runs }: { runs: QualityRunSummary[] }) {
  const chart = useMemo(() => historyChart(runs), [runs]);
  if (runs.length === 0) return <Empty testId="quality-history-empty">No runs in this period.</Empty>;
  return (
    <div className="two-col">
      <div className="panel">
        <div className="panel-head"><h3 className="qchart-title">Completeness and accuracy</h3></div>
        <LineChart testId="quality-history-chart" ariaLabel="Completeness and accuracy of each run, in percent" x={chart.x} series={chart.shares} time height={200} yFormat={(v) => `${v.toFixed(0)}%`} />
      </div>
      <div className="panel">
        <div className="panel-head"><h3 className="qchart-title">Failed checks</h3></div>
        <LineChart testId="quality-failures-chart" ariaLabel="Critical and warning checks that failed in each run" x={chart.x} series={chart.failures} time height={200} yFormat={wholeOnly} />
      </div>
    </div>
  );
}

export function QualityPage() {
  const latest = useApi((signal) => api.quality(signal), []);
  const [days, setDays] = useState<number>(30);
  const history = useApi((signal) => api.qualityHistory(days, signal), [days]);
  const reload = () => {
    latest.reload();
    history.reload();
  };
  const run = latest.data?.run ?? null;
  return (
    <div className="page" data-testid="page-quality">
      <div className="page-head">
        <h1>Data quality</h1>
        <button type="button" className="btn" onClick={reload} data-testid="quality-refresh">Refresh</button>
      </div>
      <p className="lead">
        Checked after every import and once a day: whether every product and location reported, how fresh each source is,
        the share of valid rows, stock and prices that contradict each other, and unusual daily sales.
      </p>
      {latest.error ? <ErrorBox error={latest.error} onRetry={latest.reload} /> : null}
      {!latest.data && latest.loading ? <Loading label="Loading the latest run…" /> : null}
      {latest.data && !run ? (
        <Empty testId="quality-empty">
          No quality run yet: one runs after each import and once a day. <Link className="text-link" to="/imports">Import a file</Link>
        </Empty>
      ) : null}
      {run ? <LatestRun run={run} /> : null}
      <section aria-labelledby="quality-history-title" data-testid="quality-history">
        <div className="panel-head">
          <h2 id="quality-history-title">History</h2>
          <div className="segmented" role="group" aria-label="Period">
            {RANGES.map((d) => (
              <button key={d} type="button" className={d === days ? "on" : ""} aria-pressed={d === days} onClick={() => setDays(d)} data-testid={`quality-days-${d}`}>
                {d} days
              </button>
            ))}
          </div>
        </div>
        {history.error ? <ErrorBox error={history.error} onRetry={history.reload} /> : null}
        {!history.data && history.loading ? <Loading label="Loading the history…" /> : null}
        {history.data ? <Trend runs={history.data.runs} /> : null}
      </section>
    </div>
  );
}
