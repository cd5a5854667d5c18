import { useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router";
import { api } from "../../api/client";
import { MARKETPLACES, type RankItem, type RankQuery } from "../../api/types";
import { MarketplaceTag, RankArrow, RuleBadges, StockLevel } from "../../ui/Badges";
import { rankChangeHref } from "../items/rankChange";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { inr, int, istTime, marketplaceLabel, score, standing } from "../../lib/format";
import { mergeLiveRanking, rankArrow } from "../../lib/ranking";
import { useApi, useDebounced } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import { useLive } from "../../live/LiveProvider";
import { HoldoutPanel } from "./HoldoutPanel";

const PAGE = 50;
export const LOW_STOCK = 10;

function discount(price: number, mrp: number): string | null {
  if (!mrp || mrp <= price) return null;
  return `${Math.round((1 - price / mrp) * 100)}% off`;
}

/** The marketplaces POST /api/rank filters on (from the backend's document). */
type Marketplace = NonNullable<RankQuery["marketplace"]>;

export function RankingsPage() {
  const [category, setCategory] = useState("");
  const [marketplace, setMarketplace] = useState<Marketplace | "">("");
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const q = useDebounced(search.trim(), 300);
  const query: RankQuery = useMemo(() => ({ category: category || undefined, marketplace: marketplace || undefined, q: q || undefined, limit: PAGE, offset }), [category, marketplace, q, offset]);

  const ranking = useLive((s) => s.ranking);
  const rulesSeq = useLive((s) => s.rulesSeq);
  const connects = useLive((s) => s.connects);
  // A rules message or a reconnection refetches the page on screen.
  const fetched = useApi((signal) => api.rank(query, signal), [query], { refreshOn: [rulesSeq, connects] });
  const [items, setItems] = useState<RankItem[]>([]);
  const [asOf, setAsOf] = useState<string | null>(null);
  const [since, setSince] = useState<string | null>(null);
  const [moved, setMoved] = useState<Set<string>>(new Set());
  const [categories, setCategories] = useState<string[]>([]);
  const previousRanks = useRef(new Map<string, number>());

  useEffect(() => setOffset(0), [category, marketplace, q]);

  // Fold in the live top N whenever either the fetched page or a ranking message is newer.
  useEffect(() => {
    const data = fetched.data;
    if (!data) return;
    const useLiveRanking = ranking && Date.parse(ranking.as_of) >= Date.parse(data.as_of);
    const next = useLiveRanking ? mergeLiveRanking(data.items, ranking.items, query, PAGE) : data.items;
    const changed = new Set<string>();
    for (const item of next) {
      const before = previousRanks.current.get(item.item_id);
      if (before !== undefined && before !== item.rank) changed.add(item.item_id);
    }
    previousRanks.current = new Map(next.map((item) => [item.item_id, item.rank]));
    setItems(next);
    setMoved(changed);
    setAsOf(useLiveRanking ? ranking.as_of : data.as_of);
    setSince((useLiveRanking ? ranking.previous_rank_at : data.previous_rank_at) ?? data.previous_rank_at ?? null);
    setCategories((known) => {
      const all = new Set(known);
      for (const item of [...data.items, ...(ranking?.items ?? [])]) if (item.category) all.add(item.category);
      return all.size === known.length ? known : [...all].sort();
    });
  }, [fetched.data, ranking, query]);

  const total = fetched.data?.total ?? 0;
  const filtered = Boolean(category || marketplace || q);

  return (
    <div className="page" data-testid="page-rankings">
      <div className="page-head">
        <h1>Rankings</h1>
        <span className="muted small" data-testid="rankings-as-of">
          {asOf ? `Model ${fetched.data?.model_version ?? ""} · updated ${istTime(asOf)} IST` : ""}
        </span>
      </div>
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search title or item id"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="rankings-search"
          aria-label="Search"
        />
        <select value={category} onChange={(e) => setCategory(e.target.value)} data-testid="filter-category" aria-label="Category">
          <option value="">All categories</option>
          {categories.map((c) => (
            <option key={c} value={c}>{c}</option>
          ))}
        </select>
        <select value={marketplace} onChange={(e) => setMarketplace(e.target.value as Marketplace | "")} data-testid="filter-marketplace" aria-label="Marketplace">
          <option value="">All marketplaces</option>
          {MARKETPLACES.map((mp) => (
            <option key={mp} value={mp}>{marketplaceLabel(mp)}</option>
          ))}
        </select>
        <span className="spacer" />
        <span className="muted small" data-testid="rankings-total">
          {fetched.data ? `${int(total)} ${filtered ? "matching" : ""} items` : ""}
        </span>
      </div>
      {fetched.error ? <ErrorBox error={fetched.error} onRetry={fetched.reload} /> : null}
      {!fetched.data && fetched.loading ? <Loading label="Ranking the catalogue…" /> : null}
      {fetched.data && items.length === 0 ? (
        <Empty testId="rankings-empty">{filtered ? "No items match these filters." : "No ranked items yet: the ranking appears after the first events are scored."}</Empty>
      ) : null}
      {items.length > 0 ? (
        <Table
          className="rank-table"
          testId="rankings-table"
          caption="Recommended order of your catalogue, best first"
          rows={items}
          rowKey={(item) => item.item_id}
          rowTestId="rank-row"
          rowAttrs={(item) => ({ "data-item-id": item.item_id, "data-rank": item.rank })}
          rowClassName={(item) => (moved.has(item.item_id) ? "flash" : "")}
          columns={[
            { key: "rank", header: "#", label: "Rank", num: true, className: "rank", attrs: () => ({ "data-testid": "rank-position" }), cell: (item) => item.rank },
            {
              key: "move",
              header: "Move",
              className: "rank-move",
              cell: (item) => (
                <Link className="rank-change-link" to={rankChangeHref(item.item_id, since, item.previous_rank)} data-testid="rank-change-link" aria-label={`${rankArrow(item).title}: why did the rank of ${item.title} change`}>
                  <RankArrow item={item} />
                </Link>
              ),
            },
            {
              key: "item",
              header: "Item",
              className: "item-cell",
              cell: (item) => (
                <>
                  <Link to={`/item/${encodeURIComponent(item.item_id)}`} data-testid="rank-item-link">{item.title}</Link>
                  <span className="muted small">{item.brand ? `${item.brand} · ` : ""}{item.item_id}</span>
                </>
              ),
            },
            { key: "category", header: "Category", cell: (item) => item.category },
            { key: "market", header: "Market", cell: (item) => <MarketplaceTag name={item.marketplace} /> },
            {
              key: "price",
              header: "Price",
              num: true,
              cell: (item) => (
                <>
                  {inr(item.price)}
                  {discount(item.price, item.mrp) ? <span className="muted small block"><s>{inr(item.mrp)}</s> {discount(item.price, item.mrp)}</span> : null}
                </>
              ),
            },
            { key: "stock", header: "Stock", num: true, cell: (item) => <StockLevel stock={item.stock} low={item.stock <= LOW_STOCK} testId="rank-stock" format={int} /> },
            {
              key: "standing",
              header: "Standing",
              num: true,
              headAttrs: { title: "Where the model score stands in your catalogue" },
              attrs: (item) => ({ "data-testid": "rank-score", title: `model score ${score(item.score)}` }),
              cell: (item) => standing(item.score_percentile),
            },
            { key: "rules", header: "Rules", className: (item) => (item.rules?.length ? "rank-rules" : "rank-rules empty-cell"), cell: (item) => <RuleBadges rules={item.rules} /> },
          ]}
        />
      ) : null}
      {fetched.data && total > PAGE ? (
        <div className="pager">
          <button type="button" className="btn" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} data-testid="page-prev">
            ← Previous
          </button>
          <span className="muted small" data-testid="page-info">
            {int(offset + 1)}–{int(Math.min(offset + PAGE, total))} of {int(total)}
          </span>
          <button type="button" className="btn" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)} data-testid="page-next">
            Next →
          </button>
        </div>
      ) : null}
      <HoldoutPanel pageReady={items.length > 0 || !!fetched.error || fetched.data?.items.length === 0} />
    </div>
  );
}
