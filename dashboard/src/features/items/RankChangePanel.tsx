import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { api } from "../../api/client";
import { featureLabel, istDateTime, signed } from "../../lib/format";
import { featureValue, hourAgo, RANK_CHANGE_ANCHOR, rankMove, rankThen, reasonText } from "./rankChange";
import { useApi } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import { ErrorBox, Loading } from "../../ui/Status";

/**
 * "Why did the rank change": the item's SHAP contributions at an earlier moment (the ranking's
 * previous_rank_at, from the rank-change arrow, or one hour ago) and now, in words first.
 */
export function RankChangePanel({ itemId }: { itemId: string }) {
  const [params, setParams] = useSearchParams();
  const since = params.get("since");
  const change = useApi(since ? (signal) => api.rankChange(itemId, since, signal) : null, [itemId, since]);
  const panel = useRef<HTMLElement>(null);
  const [arrived] = useState(() => window.location.hash === `#${RANK_CHANGE_ANCHOR}`);
  useEffect(() => {
    // Opened from a rank-change arrow: bring the panel into view once it has something to show.
    if (arrived && (change.data || !since)) panel.current?.scrollIntoView({ block: "start" });
  }, [arrived, change.data, since]);

  const askSince = (moment: string) => {
    const next = new URLSearchParams(params);
    next.set("since", moment);
    next.delete("then"); // the ranking's previous rank belongs to its own moment only
    setParams(next, { replace: true });
  };
  const d = change.data;

  return (
    <section className="panel rank-change" id={RANK_CHANGE_ANCHOR} ref={panel} data-testid="rank-change-panel" aria-labelledby="rank-change-title" tabIndex={-1}>
      <div className="panel-head">
        <h2 id="rank-change-title">Why did the rank change</h2>
        {since ? <span className="muted small" data-testid="rank-change-since">since {istDateTime(since)}</span> : null}
      </div>
      {!since ? (
        <div data-testid="rank-change-no-since">
          <p className="small">The ranking did not say when its rank changes were measured from. Compare this item with an hour ago instead:</p>
          <button type="button" className="btn" onClick={() => askSince(hourAgo())} data-testid="rank-change-hour-ago">
            Since 1 hour ago
          </button>
        </div>
      ) : null}
      {change.error ? <ErrorBox error={change.error} onRetry={change.reload} testId="rank-change-error" /> : null}
      {since && !d && change.loading ? <Loading label="Comparing then and now…" /> : null}
      {d ? (
        <>
          <p className="rank-move" data-testid="rank-change-move">
            Rank <strong>{rankMove(rankThen(d.rank_then, params.get("then")), d.rank_now)}</strong>
            {d.rank_then_at ? <span className="muted small"> (then: the saved ranking of {istDateTime(d.rank_then_at)})</span> : null}
          </p>
          {d.reasons.length ? (
            <ol className="reasons-list" data-testid="rank-change-reasons">
              {d.reasons.map((reason) => (
                <li key={reason} data-testid="rank-change-reason">{reasonText(reason)}</li>
              ))}
            </ol>
          ) : (
            <p className="small" data-testid="rank-change-none">Nothing about this item changed its score in that time; other items moved around it.</p>
          )}
          <p className="small muted">
            Score {d.score_then.toFixed(3)} → {d.score_now.toFixed(3)} ({signed(d.score_now - d.score_then, 3)}). Each reason is a
            feature's value then and now, and how much it moved the score.
          </p>
          {since ? (
            <button type="button" className="btn btn-small" onClick={() => askSince(hourAgo())} data-testid="rank-change-hour-ago">
              Compare with 1 hour ago
            </button>
          ) : null}
          <details className="chart-data" data-testid="rank-change-details">
            <summary>All {d.changes.length} features, then and now</summary>
            <Table
              className="compact"
              testId="rank-change-table"
              caption="Feature values and their contributions to the score, then and now, largest change first"
              rows={d.changes}
              rowKey={(c) => c.feature}
              rowTestId="rank-change-row"
              rowAttrs={(c) => ({ "data-feature": c.feature })}
              columns={[
                { key: "feature", header: "Feature", rowHeader: true, attrs: (c) => ({ title: reasonText(c.sentence) }), cell: (c) => featureLabel(c.feature) },
                { key: "value-then", header: "Value then", num: true, cell: (c) => featureValue(c.value_then) },
                { key: "value-now", header: "Value now", num: true, cell: (c) => featureValue(c.value_now) },
                { key: "effect-then", header: "Effect then", num: true, cell: (c) => signed(c.contribution_then, 3) },
                { key: "effect-now", header: "Effect now", num: true, cell: (c) => signed(c.contribution_now, 3) },
                { key: "change", header: "Change", num: true, cell: (c) => signed(c.delta, 3) },
              ]}
            />
          </details>
        </>
      ) : null}
    </section>
  );
}
