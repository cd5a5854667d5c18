import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { api } from "../../api/client";
import { istDateTime } from "../../lib/format";
import { hourAgo, RANK_CHANGE_ANCHOR } from "./rankChange";
import { RankChangeAnswer } from "./RankChangeAnswer";
import { useApi } from "../../lib/useApi";
import { ErrorBox, Loading } from "../../ui/Status";

/**
 * "Why did the rank change": the item's SHAP contributions at an earlier moment (the ranking's
 * previous_rank_at, from the rank-change arrow, or one hour ago) and now, in words first. For an
 * item a baseline ranks, the baseline's parts then and now (`partWords` names them).
 */
export function RankChangePanel({ itemId, partWords }: { itemId: string; partWords?: Record<string, string> }) {
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
      {d ? <RankChangeAnswer change={d} thenFromLink={params.get("then")} onHourAgo={() => askSince(hourAgo())} partWords={partWords} /> : null}
    </section>
  );
}
