import type { Explanation } from "../../api/types";
import { featureLabel, score, signed } from "../../lib/format";

const TOP = 12;

function displayValue(value: number | string | null): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-IN") : value.toLocaleString("en-IN", { maximumFractionDigits: 3 });
  return value;
}

/**
 * SHAP contributions as diverging bars: right (green) pushed the score up, left (red) pushed it
 * down. The largest contributions are shown individually, the rest are summed in one row so the
 * bars still add up from the base value to the raw score.
 */
export function ShapChart({ explanation }: { explanation: Explanation }) {
  const shown = explanation.contributions.slice(0, TOP);
  const rest = explanation.contributions.slice(TOP);
  const rows = rest.length
    ? [...shown, { feature: `${rest.length} other features`, value: null, contribution: rest.reduce((sum, c) => sum + c.contribution, 0) }]
    : shown;
  const scale = Math.max(...rows.map((row) => Math.abs(row.contribution)), 1e-9);

  return (
    <div className="shap" data-testid="shap-chart">
      <div className="shap-summary">
        <span>
          Base value <b>{score(explanation.base_value)}</b>
        </span>
        <span>→</span>
        <span>
          Raw score <b data-testid="shap-raw-score">{score(explanation.raw_score)}</b>
        </span>
        <span className="muted">model {explanation.model_version}</span>
      </div>
      <p className="visually-hidden">Each row is one feature with its value; a positive number raised the score, a negative one lowered it.</p>
      {rows.length === 0 ? <p className="muted">The model reports no contributions for this item.</p> : null}
      {rows.map((row) => {
        const width = `${(Math.abs(row.contribution) / scale) * 50}%`;
        const positive = row.contribution >= 0;
        return (
          <div className="shap-row" key={row.feature} data-testid="shap-row" data-feature={row.feature} data-contribution={row.contribution}>
            <div className="shap-label" title={row.feature}>
              {featureLabel(row.feature)}
              <span className="shap-value"> = {displayValue(row.value)}</span>
            </div>
            <div className="shap-track" aria-hidden="true">
              <div className="shap-axis" aria-hidden="true" />
              <div className={`shap-bar ${positive ? "pos" : "neg"}`} style={positive ? { left: "50%", width } : { right: "50%", width }} />
            </div>
            <div className={`shap-num ${positive ? "pos" : "neg"}`}>{signed(row.contribution)}</div>
          </div>
        );
      })}
    </div>
  );
}
