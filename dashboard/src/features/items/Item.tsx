import { useEffect, useMemo } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import type { Counters, ItemDetail } from "../../api/types";
import { MarketplaceTag, StockLevel, WarnIcon } from "../../ui/Badges";
import { LOW_STOCK } from "../rankings/Rankings";
import { LineChart } from "../../ui/LineChart";
import { RankChangePanel } from "./RankChangePanel";
import { WhyThisScore } from "./WhyThisScore";
import { baselineName, partWords, rankedByBaseline } from "./baseline";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { ago, compactNumber, inr, int, istDateTime, pct, score, standing } from "../../lib/format";
import { windowConversion } from "../overview/kpi";
import { throttle } from "../../lib/series";
import { useRole } from "../../lib/role";
import { useApi } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import { useLive } from "../../live/LiveProvider";

const WINDOWS: { key: "1h" | "24h" | "7d" | "totals"; label: string }[] = [
  { key: "1h", label: "Last hour" },
  { key: "24h", label: "Last 24 h" },
  { key: "7d", label: "Last 7 days" },
  { key: "totals", label: "All time" },
];

function countersFor(item: ItemDetail, key: (typeof WINDOWS)[number]["key"]): Partial<Counters> | undefined {
  return key === "totals" ? item.totals : item.counters[key];
}

function Stat({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div className="stat" data-testid={`item-stat-${id}`}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{children}</div>
    </div>
  );
}

function RankHistory({ item }: { item: ItemDetail }) {
  const { x, series } = useMemo(() => {
    const points = [...item.rank_history].sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
    return {
      x: points.map((p) => Math.floor(Date.parse(p.t) / 1000)),
      series: [{ label: "Rank", color: "#0f5ef7", values: points.map((p) => p.rank) }],
    };
  }, [item.rank_history]);
  if (x.length < 2) return <Empty testId="rank-history-empty">Rank history builds up as the ranking is recomputed.</Empty>;
  return <LineChart testId="rank-history-chart" ariaLabel="Rank over time" x={x} series={series} time invertY height={180} yFormat={(v) => `#${Math.round(v)}`} />;
}

export function ItemPage() {
  const { id = "" } = useParams();
  const { isAdmin } = useRole();
  const item = useApi((signal) => api.item(id, signal), [id]);
  // A listing that still needs its catalogue details is not ranked, so it has no explanation.
  const ranked = item.data?.item_id === id && !item.data.needs_catalogue_details;
  const explain = useApi(ranked ? (signal) => api.explain(id, signal) : null, [id, ranked]);
  const lastEvent = useLive((s) => s.events[0]);
  const ranking = useLive((s) => s.ranking);

  // Refetch when this item's own events or a new ranking arrive, at most every 5 s.
  const { reload: reloadItem } = item;
  const { reload: reloadExplain } = explain;
  const refresh = useMemo(() => throttle(() => { reloadItem(); reloadExplain(); }, 5_000), [reloadItem, reloadExplain]);
  useEffect(() => () => refresh.cancel(), [refresh]);
  useEffect(() => {
    if (lastEvent?.item_id === id) refresh.call();
  }, [lastEvent, id, refresh]);
  useEffect(() => {
    if (ranking?.items.some((entry) => entry.item_id === id)) refresh.call();
  }, [ranking, id, refresh]);

  if (item.error && !item.data) {
    return (
      <div className="page" data-testid="page-item">
        <p><Link to="/rankings">← Rankings</Link></p>
        {item.error.status === 404 ? <Empty testId="item-not-found">No item with id <code>{id}</code>.</Empty> : <ErrorBox error={item.error} onRetry={item.reload} />}
      </div>
    );
  }
  if (!item.data) return <div className="page" data-testid="page-item"><Loading label="Loading item…" /></div>;
  const d = item.data;
  const ratio = d.competitor_price && d.price ? d.price / d.competitor_price : null;
  const needsDetails = !!d.needs_catalogue_details;
  // "model", or the baseline that sets this item's rank (the explanation says which).
  const rankedBy = explain.data?.ranked_by;
  const completeHref = `/catalogue/unmatched?item=${encodeURIComponent(d.item_id)}`;

  return (
    <div className="page" data-testid="page-item">
      <p className="crumbs"><Link to="/rankings">← Rankings</Link></p>
      <div className="page-head">
        <div>
          <h1 data-testid="item-title">{d.title || d.item_id}</h1>
          <div className="muted">
            {[d.brand, d.category].filter(Boolean).map((part) => `${part} · `)}
            <MarketplaceTag name={d.marketplace} /> · <code>{d.item_id}</code>
          </div>
        </div>
        {needsDetails ? null : (
          <div className="actions">
            {isAdmin ? <Link className="btn" to={`/rules?item=${encodeURIComponent(d.item_id)}`} data-testid="item-rule-link">Add a rule</Link> : null}
            <Link className="btn" to={`/whatif?item=${encodeURIComponent(d.item_id)}`} data-testid="item-whatif-link">Simulate a price →</Link>
          </div>
        )}
      </div>
      {needsDetails ? (
        <div className="notice notice-warn" data-testid="item-needs-details">
          <WarnIcon />
          <strong>Needs catalogue details.</strong> Events arrived for this listing, but your catalogue does not know it: its orders and
          revenue count in the KPIs, its stock is unknown, and it is not ranked until its title, category, price and stock are filled in.{" "}
          {isAdmin ? (
            <Link to={completeHref} data-testid="item-complete-link">Complete its details</Link>
          ) : (
            <Link to={completeHref} data-testid="item-complete-link">See it among the unmatched listings</Link>
          )}
          {isAdmin ? null : " (an admin completes them)."}
        </div>
      ) : null}
      <section className="stats">
        <Stat id="rank" label="Rank"><span data-testid="item-rank">{d.rank ? `#${d.rank}` : "—"}</span></Stat>
        <Stat id="score" label="Standing">
          <span data-testid="item-score" title={rankedByBaseline(rankedBy) ? `score ${score(d.score)}: ${baselineName(rankedBy)}, on the model's scale` : `model score ${score(d.score)}`}>{standing(d.score_percentile)}</span>
        </Stat>
        <Stat id="price" label="Listing price">{inr(d.price)} {d.mrp && d.price && d.mrp > d.price ? <span className="muted small"><s>{inr(d.mrp)}</s></span> : null}</Stat>
        {d.last_order_price ? (
          <Stat id="last-order-price" label="Last order price">
            <span title="What the latest buyer paid a unit: revenue, not the listing price">{inr(d.last_order_price)}</span>
          </Stat>
        ) : null}
        <Stat id="competitor" label="Competitor price">{inr(d.competitor_price)} {ratio ? <span className={`small ${ratio > 1 ? "neg" : "pos"}`}>{ratio > 1 ? "+" : ""}{pct(ratio - 1, 1)}</span> : null}</Stat>
        <Stat id="stock" label="Stock">
          {needsDetails ? <span data-testid="item-stock">Unknown</span> : <StockLevel stock={d.stock} low={d.stock <= LOW_STOCK} testId="item-stock" format={int} />}
        </Stat>
        <Stat id="cover" label="Days of cover">{needsDetails || d.days_of_cover === null || d.days_of_cover === undefined ? "—" : d.days_of_cover.toFixed(1)}</Stat>
        <Stat id="rating" label="Rating">{d.rating ? `${d.rating.toFixed(1)} ★` : "—"} <span className="muted small" title="reviews">{d.review_count ? `(${compactNumber(d.review_count)})` : ""}</span></Stat>
        <Stat id="last-event" label="Last event"><span title={istDateTime(d.last_event_at)}>{ago(d.last_event_at)}</span></Stat>
      </section>
      <div className="two-col">
        <div className="panel">
          <div className="panel-head"><h2>Performance</h2></div>
          <Table
            wrapClassName={null}
            className="compact"
            testId="item-counters"
            caption="Views, clicks, orders, units, revenue and conversion by time window"
            rows={WINDOWS.map((w) => ({ ...w, c: countersFor(d, w.key) }))}
            rowKey={(w) => w.key}
            rowTestId={(w) => `item-counters-${w.key}`}
            columns={[
              { key: "window", header: "Window", rowHeader: true, cell: (w) => w.label },
              { key: "views", header: "Views", num: true, cell: ({ c }) => int(c?.views ?? 0) },
              { key: "clicks", header: "Clicks", num: true, cell: ({ c }) => int(c?.clicks ?? 0) },
              { key: "orders", header: "Orders", num: true, cell: ({ c }) => int(c?.orders ?? 0) },
              { key: "units", header: "Units", num: true, cell: ({ c }) => int(c?.units ?? 0) },
              { key: "revenue", header: "Revenue", num: true, attrs: (w) => ({ "data-testid": `item-revenue-${w.key}` }), cell: ({ c }) => inr(c?.revenue ?? 0) },
              {
                key: "conversion",
                header: <abbr title="Conversion">Conv.</abbr>,
                label: "Conversion",
                num: true,
                attrs: () => ({ title: "Orders ÷ clicks; n/a when more orders than clicks arrived" }),
                cell: ({ c }) => windowConversion(c?.orders, c?.clicks),
              },
            ]}
          />
          <div className="panel-head"><h2>Rank history</h2></div>
          <RankHistory item={d} />
        </div>
        <div className="panel">
          <div className="panel-head">
            <h2>Why this score</h2>
            <span className="muted small">{rankedByBaseline(rankedBy) ? `ranked by ${baselineName(rankedBy)}` : "SHAP contributions"}</span>
          </div>
          {needsDetails ? <Empty testId="shap-not-ranked">Not ranked yet: it gets a score once its catalogue details are complete.</Empty> : null}
          {explain.error ? <ErrorBox error={explain.error} onRetry={explain.reload} /> : null}
          {explain.data ? <WhyThisScore explanation={explain.data} /> : explain.loading ? <Loading label="Explaining…" /> : null}
        </div>
      </div>
      {needsDetails ? null : <RankChangePanel itemId={d.item_id} partWords={partWords(explain.data?.baseline?.parts)} />}
    </div>
  );
}
