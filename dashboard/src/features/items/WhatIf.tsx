import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { MarketplaceTag, RankArrow } from "../../ui/Badges";
import { LineChart } from "../../ui/LineChart";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { featureLabel, inr, inrCompact, int, pct, score, signed } from "../../lib/format";
import { useApi, useDebounced } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import { baselineName } from "./baseline";
import { priceGrid, sliderBounds } from "./whatif";

function ItemPicker({ onPick }: { onPick: (id: string) => void }) {
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 250);
  const found = useApi(q ? (signal) => api.rank({ q, limit: 8 }, signal) : null, [q]);
  return (
    <div className="picker">
      <input type="search" placeholder="Find an item by title or id" value={text} onChange={(e) => setText(e.target.value)} data-testid="whatif-item-search" aria-label="Find an item" />
      {found.error ? <ErrorBox error={found.error} /> : null}
      {q && found.data ? (
        found.data.items.length ? (
          <ul className="suggestions">
            {found.data.items.map((item) => (
              <li key={item.item_id}>
                <button type="button" onClick={() => { onPick(item.item_id); setText(""); }} data-testid="whatif-suggestion" data-item-id={item.item_id}>
                  <span>{item.title}</span>
                  <span className="muted small">#{item.rank} · {inr(item.price)} · {item.item_id}</span>
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <Empty testId="whatif-no-match">No item matches “{q}”.</Empty>
        )
      ) : null}
    </div>
  );
}

function Simulator({ itemId }: { itemId: string }) {
  const item = useApi((signal) => api.item(itemId, signal), [itemId]);
  const current = item.data?.price ?? 0;
  const [price, setPrice] = useState<number | null>(null);
  useEffect(() => setPrice(null), [itemId]);
  const chosen = price ?? current;
  const settled = useDebounced(chosen, 250);

  const prediction = useApi(current > 0 && settled > 0 ? (signal) => api.whatIf(itemId, settled, signal) : null, [itemId, settled, current]);
  const prices = useMemo(() => priceGrid(current), [current]);
  const curve = useApi(prices.length ? (signal) => api.whatIfCurve(itemId, prices, signal) : null, [itemId, prices]);

  const chart = useMemo(() => {
    if (!curve.data?.curve.length) return null;
    const points = [...curve.data.curve].sort((a, b) => a.price - b.price);
    const x = points.map((p) => p.price);
    const nearest = (target: number) => x.reduce((best, value, i) => (Math.abs(value - target) < Math.abs(x[best] - target) ? i : best), 0);
    const at = (index: number) => points.map((p, i) => (i === index ? p.rank : null));
    return {
      x,
      series: [
        { label: "Predicted rank", color: "#0f5ef7", values: points.map((p) => p.rank), fill: true },
        { label: "Current price", color: "#5b6472", values: at(nearest(current)), pointsOnly: true },
        { label: "Your price", color: "#d6246e", values: at(nearest(settled)), pointsOnly: true },
      ],
    };
  }, [curve.data, current, settled]);

  if (item.error) return <ErrorBox error={item.error} onRetry={item.reload} />;
  if (!item.data) return <Loading label="Loading item…" />;
  const d = item.data;
  const bounds = sliderBounds(current);
  const p = prediction.data;

  return (
    <>
      <div className="panel whatif-item">
        <div>
          <Link to={`/item/${encodeURIComponent(d.item_id)}`} className="strong" data-testid="whatif-item-title">{d.title}</Link>
          <div className="muted small">{d.brand} · {d.category} · <MarketplaceTag name={d.marketplace} /> · {d.item_id}</div>
        </div>
        <div className="muted small">Nothing here is saved: the model re-scores this item at the price you choose.</div>
      </div>
      <div className="whatif-grid">
        <div className="panel">
          <div className="panel-head"><h2>Price</h2></div>
          <div className="slider-row">
            <span className="muted small">{inr(bounds.min)}</span>
            <input
              type="range"
              min={bounds.min}
              max={bounds.max}
              step={bounds.step}
              value={chosen}
              onChange={(e) => setPrice(Number(e.target.value))}
              data-testid="whatif-slider"
              aria-label="New price"
            />
            <span className="muted small">{inr(bounds.max)}</span>
          </div>
          <div className="price-line">
            <span className="big" data-testid="whatif-price">{inr(chosen)}</span>
            <span className={`small ${chosen > current ? "neg" : chosen < current ? "pos" : "muted"}`}>
              {chosen === current ? "current price" : `${chosen > current ? "+" : ""}${pct(chosen / current - 1, 1)} vs ${inr(current)}`}
            </span>
            {price !== null ? <button type="button" className="btn btn-small" onClick={() => setPrice(null)} data-testid="whatif-reset">Reset</button> : null}
          </div>
          {prediction.error ? <ErrorBox error={prediction.error} onRetry={prediction.reload} /> : null}
          {p && p.ranked_by !== "model" ? (
            <p className="notice" role="note" data-testid="whatif-ranked-by" data-ranked-by={p.ranked_by}>
              Items like this one are ranked by {baselineName(p.ranked_by)}, not by the model: on this kind of data the model did not beat
              that rule by the margin we ask, so a price change moves the rank only as the sales that follow it do. The scores below are the rule&apos;s.
            </p>
          ) : null}
          {p ? (
            <div className="compare" data-testid="whatif-result">
              <div className="stat">
                <div className="stat-label">Current</div>
                <div className="stat-value">#<span data-testid="whatif-current-rank">{p.current.rank}</span></div>
                <div className="muted small mono">{score(p.current.score)}</div>
              </div>
              <div className="compare-arrow">→</div>
              <div className="stat stat-accent">
                <div className="stat-label">Predicted at {inr(p.predicted.price)}</div>
                <div className="stat-value">
                  #<span data-testid="whatif-predicted-rank">{p.predicted.rank}</span>{" "}
                  <span data-testid="whatif-rank-change"><RankArrow item={{ previous_rank: p.current.rank, rank_change: p.predicted.rank_change }} /></span>
                </div>
                <div className="muted small mono" data-testid="whatif-predicted-score">{score(p.predicted.score)}</div>
              </div>
            </div>
          ) : prediction.loading ? <Loading label="Scoring…" /> : null}
          {p && p.shap_change.length ? (
            <Table
              wrapClassName={null}
              className="compact"
              testId="whatif-shap-change"
              caption="How the price change moves each feature's contribution"
              rows={[...p.shap_change].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta)).slice(0, 8)}
              rowKey={(row) => row.feature}
              columns={[
                { key: "feature", header: "Feature", rowHeader: true, cell: (row) => featureLabel(row.feature) },
                { key: "before", header: "Before", num: true, className: "mono", cell: (row) => score(row.before) },
                { key: "after", header: "After", num: true, className: "mono", cell: (row) => score(row.after) },
                { key: "delta", header: "Δ contribution", num: true, className: (row) => `mono ${row.delta >= 0 ? "pos" : "neg"}`, cell: (row) => signed(row.delta) },
              ]}
            />
          ) : null}
        </div>
        <div className="panel">
          <div className="panel-head">
            <h2>Rank vs price</h2>
            <span className="muted small">{prices.length ? `${int(prices.length)} prices, ${inr(prices[0])}–${inr(prices[prices.length - 1])}` : ""}</span>
          </div>
          {curve.error ? <ErrorBox error={curve.error} onRetry={curve.reload} /> : null}
          {chart ? (
            <LineChart testId="whatif-curve-chart" ariaLabel="Predicted rank by price" x={chart.x} series={chart.series} invertY height={260} xFormat={inrCompact} yFormat={(v) => `#${Math.round(v)}`} />
          ) : curve.loading ? <Loading label="Computing the curve…" /> : null}
        </div>
      </div>
    </>
  );
}

export function WhatIfPage() {
  const [params, setParams] = useSearchParams();
  const itemId = params.get("item");
  return (
    <div className="page" data-testid="page-whatif">
      <div className="page-head">
        <h1>What-if: price</h1>
      </div>
      <ItemPicker onPick={(id) => setParams({ item: id })} />
      {itemId ? <Simulator key={itemId} itemId={itemId} /> : <Empty testId="whatif-pick">Pick an item to see how a price change would move its rank.</Empty>}
    </div>
  );
}
