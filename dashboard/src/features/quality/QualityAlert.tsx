import { Link, useLocation } from "react-router";
import { api } from "../../api/client";
import { checkName, valueText } from "./quality";
import { useApi } from "../../lib/useApi";
import { WarnIcon } from "../../ui/Badges";
import "../../ui/data.css";

const QUALITY_EVERY_MS = 60_000;

/**
 * A critical data-quality result (the latest run's status), under the header on every page,
 * the Overview included: which checks failed, in words, with a link to the run.
 */
export function QualityAlert() {
  const location = useLocation();
  // An import may have just run a check: look again on every page change.
  const latest = useApi((signal) => api.quality(signal), [], { every: QUALITY_EVERY_MS, refreshOn: [location.pathname] });

  const run = latest.data?.run;
  if (!run || run.status !== "critical" || location.pathname === "/quality") return null;
  const critical = run.results.filter((c) => c.status === "fail" && c.severity === "critical");
  return (
    <div className="alert-bar alert-critical" role="status" data-testid="quality-alert" data-status={run.status}>
      <WarnIcon />
      <span>
        <strong>Data quality is critical: </strong>
        {critical.length > 0 ? critical.map((c) => `${checkName(c.name)} ${valueText(c)}`).join("; ") : "a critical check failed"}
        {` (day ${run.day}).`}
      </span>
      <Link to="/quality" data-testid="quality-alert-link">See the data quality checks</Link>
    </div>
  );
}
