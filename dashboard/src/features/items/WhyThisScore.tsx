import "./explain.css";
import { Link } from "react-router";
import type { BaselineScore, Explanation } from "../../api/types";
import { score, signed } from "../../lib/format";
import { Table } from "../../ui/Table";
import { HOLDOUT_ANCHOR } from "../rankings/holdout";
import { baselineName, rankedByBaseline, REQUIRED_LIFT } from "./baseline";
import { featureValue } from "./rankChange";
import { ShapChart } from "./ShapChart";

/** Why a baseline ranks the item: the model did not clear the bar on this kind of data. */
export function RankedByNotice({ rankedBy }: { rankedBy: string }) {
  return (
    <p className="notice explain-note" role="note" data-testid="explain-ranked-by" data-ranked-by={rankedBy}>
      This item is ranked by {baselineName(rankedBy)}, not by the model: on this kind of data the model did not beat that ranking by the required{" "}
      {Math.round(REQUIRED_LIFT * 100)}% across held-out simulated worlds.{" "}
      <Link to={`/rankings#${HOLDOUT_ANCHOR}`} data-testid="explain-holdout-link">
        How each ranking did on your own last 14 days
      </Link>
    </p>
  );
}

/** The baseline's score, part by part; the parts add up to the score that ranks the item. */
export function BaselineParts({ baseline }: { baseline: BaselineScore }) {
  return (
    <div className="baseline-score" data-testid="baseline-score" data-score={baseline.score}>
      <Table
        className="compact"
        testId="baseline-parts"
        caption={`The parts of the score that ranks this item (${baselineName(baseline.name)}) and what each adds to it`}
        rows={baseline.parts}
        rowKey={(p) => p.part}
        rowTestId="baseline-part"
        rowAttrs={(p) => ({ "data-part": p.part, "data-contribution": p.contribution })}
        columns={[
          { key: "part", header: "Part", rowHeader: true, cell: (p) => p.words },
          { key: "value", header: "Value", num: true, cell: (p) => (p.value === null ? "—" : featureValue(p.value)) },
          { key: "adds", header: "Adds", num: true, className: "mono", cell: (p) => signed(p.contribution) },
        ]}
      />
      <p className="baseline-total">
        Together: a score of <b data-testid="baseline-total">{score(baseline.score)}</b>, which sets this item&apos;s place in the ranking.
      </p>
    </div>
  );
}

/**
 * The item page's explanation. Ranked by the model: its SHAP chart, as ever. Ranked by a baseline:
 * that first (why, and its parts), then the model's SHAP chart, marked as not what sets the rank.
 */
export function WhyThisScore({ explanation }: { explanation: Explanation }) {
  const rankedBy = explanation.ranked_by;
  if (!rankedByBaseline(rankedBy)) return <ShapChart explanation={explanation} />;
  return (
    <div className="explain-baseline">
      <RankedByNotice rankedBy={rankedBy} />
      {explanation.baseline ? <BaselineParts baseline={explanation.baseline} /> : null}
      <h3 className="explain-model-head" data-testid="explain-model-head">
        What the model would score (not used for this item&apos;s rank)
      </h3>
      <ShapChart explanation={explanation} />
    </div>
  );
}
