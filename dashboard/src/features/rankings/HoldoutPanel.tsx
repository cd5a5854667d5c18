import "./holdout.css";
import { useEffect, useRef, useState } from "react";
import { ErrorBox, Loading } from "../../ui/Status";
import { useApi } from "../../lib/useApi";
import { HOLDOUT_ANCHOR, holdoutReport, holdoutRows, liftText, rankedByText, sampleText, windowText, type HoldoutKind } from "./holdout";

/**
 * The seller's own check of the ranking: which ranking would have put the last 14 days' sales on top.
 * `pageReady`: what the page draws above the panel is in, so a link to it can land on it.
 */
export function HoldoutPanel({ pageReady = true }: { pageReady?: boolean }) {
  const report = useApi((signal) => holdoutReport(signal), []);
  const data = report.data;
  const panel = useRef<HTMLElement>(null);
  const [arrived] = useState(() => window.location.hash === `#${HOLDOUT_ANCHOR}`);
  const landed = useRef(false);
  const settled = !!(data || report.error);
  useEffect(() => {
    // Linked to from an item's explanation: the panel sits below the ranking, so bring it into
    // view once, when its report (or its error) and the ranking above it are drawn.
    if (!arrived || landed.current || !settled || !pageReady) return;
    landed.current = true;
    panel.current?.scrollIntoView({ block: "start" });
  }, [arrived, settled, pageReady]);
  return (
    <section className="panel holdout" id={HOLDOUT_ANCHOR} ref={panel} data-testid="holdout-panel" aria-labelledby="holdout-title">
      <div className="panel-head">
        <h2 id="holdout-title">Check the ranking on your last 14 days</h2>
        {data ? (
          <span className="muted small" data-testid="holdout-window" data-from={data.window.from} data-to={data.window.to}>
            {windowText(data.window)}
          </span>
        ) : null}
      </div>
      {report.error ? <ErrorBox error={report.error} onRetry={report.reload} testId="holdout-error" /> : null}
      {!data && report.loading ? <Loading label="Replaying your last 14 days…" testId="holdout-loading" /> : null}
      {data ? (
        <>
          <p className="muted small">
            Your catalogue as it stood on the window's first day, ranked by the model and by each simple ranking, scored by {data.measure} against what each product really
            sold in the window (1 is a perfect order).
          </p>
          {data.status === "not_enough_history" ? (
            <p data-testid="holdout-status" data-status={data.status}>
              {data.verdict}
            </p>
          ) : null}
          {data.kinds.map((kind) => (
            <KindReport key={kind.kind} kind={kind} />
          ))}
          <p className="muted small" data-testid="holdout-model">
            Model {data.model_version}. One window of your own sales: a figure for checking, not a guarantee.
          </p>
        </>
      ) : null}
    </section>
  );
}

export function KindReport({ kind }: { kind: HoldoutKind }) {
  const rows = holdoutRows(kind);
  const lift = liftText(kind);
  return (
    <div className="holdout-kind" data-testid="holdout-kind" data-kind={kind.kind} data-status={kind.status}>
      <h3>{kind.label}</h3>
      <p className="muted small">
        <span data-testid="holdout-sample" data-products={kind.products} data-selling={kind.selling_products} data-units={kind.units_sold}>
          {sampleText(kind)}
        </span>
        {" · "}
        <span data-testid="holdout-ranked-by">{rankedByText(kind)}</span>
      </p>
      {rows.length ? (
        <table className="table holdout-table">
          <thead>
            <tr>
              <th scope="col">Ranking</th>
              <th scope="col" className="num">
                NDCG@20
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.name} data-testid="holdout-row" data-ranker={row.name} className={row.winner ? "holdout-winner" : undefined}>
                <th scope="row">
                  {row.label}
                  {row.winner ? <span className="pill pill-on holdout-best">best</span> : null}
                </th>
                <td className="num" data-testid="holdout-ndcg">
                  {row.ndcg}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {lift ? (
        <p data-testid="holdout-lift" data-lift={kind.lift ?? ""}>
          <strong>{lift}</strong>
        </p>
      ) : null}
      <p data-testid="holdout-verdict" data-winner={kind.winner ?? ""}>
        {kind.verdict}
      </p>
    </div>
  );
}
