import type { RankChange } from "../../api/types";
import { featureLabel, istDateTime, signed } from "../../lib/format";
import { Table } from "../../ui/Table";
import { baselineName, rankedByBaseline } from "./baseline";
import { featureValue, rankMove, rankThen, reasonText } from "./rankChange";

interface Props {
  change: RankChange;
  /** The ranking's previous rank, passed in the link, for when the API saved none. */
  thenFromLink: string | null;
  onHourAgo: () => void;
  /** A baseline's parts in words ("units sold in the last 24 h"), by part, from the item's explanation. */
  partWords?: Record<string, string>;
}

/**
 * What moved the rank, in words first. For an item a baseline ranks, the reasons and the table are
 * the baseline's parts (its score is their sum), and the panel says so before the reasons.
 */
export function RankChangeAnswer({ change: d, thenFromLink, onHourAgo, partWords = {} }: Props) {
  const baseline = rankedByBaseline(d.ranked_by) ? d.ranked_by : null;
  const name = baseline ? baselineName(baseline) : null;
  const rowLabel = (feature: string) => (baseline ? (partWords[feature] ?? featureLabel(feature)) : featureLabel(feature));
  return (
    <>
      <p className="rank-move" data-testid="rank-change-move">
        Rank <strong>{rankMove(rankThen(d.rank_then, thenFromLink), d.rank_now)}</strong>
        {d.rank_then_at ? <span className="muted small"> (then: the saved ranking of {istDateTime(d.rank_then_at)})</span> : null}
      </p>
      {baseline ? (
        <p className="small" data-testid="rank-change-ranked-by" data-ranked-by={baseline}>
          This item is ranked by {name}, not by the model, so these reasons are the parts of that score that moved.
        </p>
      ) : null}
      {d.reasons.length ? (
        <ol className="reasons-list" data-testid="rank-change-reasons">
          {d.reasons.map((reason) => (
            <li key={reason} data-testid="rank-change-reason">{reasonText(reason)}</li>
          ))}
        </ol>
      ) : (
        <p className="small" data-testid="rank-change-none">Nothing about this item changed its score in that time; other items moved around it.</p>
      )}
      <p className="small muted" data-testid="rank-change-score">
        Score {d.score_then.toFixed(3)} → {d.score_now.toFixed(3)} ({signed(d.score_now - d.score_then, 3)}).{" "}
        {baseline
          ? "Each reason is one part of that ranking's score, then and now, and how much it moved the score."
          : "Each reason is a feature's value then and now, and how much it moved the score."}
      </p>
      <button type="button" className="btn btn-small" onClick={onHourAgo} data-testid="rank-change-hour-ago">
        Compare with 1 hour ago
      </button>
      <details className="chart-data" data-testid="rank-change-details">
        <summary>{baseline ? `All ${d.changes.length} parts of the score, then and now` : `All ${d.changes.length} features, then and now`}</summary>
        <Table
          className="compact"
          testId="rank-change-table"
          caption={
            baseline
              ? `The parts of the score that ranks this item (${name}) and what each added to it, then and now, largest change first`
              : "Feature values and their contributions to the score, then and now, largest change first"
          }
          rows={d.changes}
          rowKey={(c) => c.feature}
          rowTestId="rank-change-row"
          rowAttrs={(c) => ({ "data-feature": c.feature })}
          columns={[
            { key: "feature", header: baseline ? "Part" : "Feature", rowHeader: true, attrs: (c) => ({ title: reasonText(c.sentence) }), cell: (c) => rowLabel(c.feature) },
            { key: "value-then", header: "Value then", num: true, cell: (c) => featureValue(c.value_then) },
            { key: "value-now", header: "Value now", num: true, cell: (c) => featureValue(c.value_now) },
            { key: "effect-then", header: "Effect then", num: true, cell: (c) => signed(c.contribution_then, 3) },
            { key: "effect-now", header: "Effect now", num: true, cell: (c) => signed(c.contribution_now, 3) },
            { key: "change", header: "Change", num: true, cell: (c) => signed(c.delta, 3) },
          ]}
        />
      </details>
    </>
  );
}
