import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { analytics, type Answer, type DateRange, type Granularity, type Table } from "./api";
import type { ApiError } from "../../api/client";
import { BarChart } from "./BarChart";
import { LineChart } from "../../ui/LineChart";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { Tabs } from "../../ui/Tabs";
import { barsOf, cellText, defaultRange, heat, lakeIsEmpty, num, parseMinSupport, rangeProblem, records, revenueSeries, rfmGrid, seasonLabel, withoutCustomer, type Row } from "./analytics";
import { inr, inrCompact, int, marketplaceLabel, pct } from "../../lib/format";
import { useApi, type ApiState } from "../../lib/useApi";
import { Table as DataTable } from "../../ui/Table";
import "./analytics.css";

const TABS = [
  { id: "revenue", label: "Revenue" },
  { id: "cities", label: "Cities" },
  { id: "states", label: "States" },
  { id: "products", label: "Top products" },
  { id: "turnover", label: "Inventory turnover" },
  { id: "delivery", label: "Delivery" },
  { id: "seasonal", label: "Seasonal" },
  { id: "segments", label: "Customer segments" },
  { id: "basket", label: "Basket" },
  { id: "clv", label: "Customer value" },
] as const;
type TabId = (typeof TABS)[number]["id"];
// Segments, basket and customer value are over the whole history: no date range.
const RANGED = new Set<TabId>(["revenue", "cities", "states", "products", "turnover", "delivery", "seasonal"]);

const hours = (n: number | null) => (n === null ? "—" : `${n.toLocaleString("en-IN", { maximumFractionDigits: 1 })} h`);

/** Loading, the empty lake, a failure, or the answer: the same four states on every tab. */
function Fetched<T extends Answer>({ state, children }: { state: ApiState<T>; children: (data: T) => ReactNode }) {
  if (lakeIsEmpty(state.error)) {
    return (
      <Empty testId="analytics-lake-empty">
        No analytics yet: the lake job has not published its first run. It runs every hour; sales appear here after it does.
      </Empty>
    );
  }
  if (state.error) return <ErrorBox error={state.error as ApiError} onRetry={state.reload} />;
  if (state.data === null) return <Loading label="Querying the lake…" />;
  return <div aria-busy={state.loading}>{children(state.data)}</div>;
}

function Facts({ items }: { items: { label: string; value: string; testId?: string; raw?: number | null }[] }) {
  return (
    <dl className="facts analytics-facts">
      {items.map((f) => (
        <div key={f.label}>
          <dt>{f.label}</dt>
          <dd data-testid={f.testId} data-value={f.raw ?? undefined}>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

interface Column {
  key: string;
  label: string;
  num?: boolean;
  show?: (row: Row) => ReactNode;
}

/** A result table that stacks into cards on a phone. */
function ResultTable({ rows, columns, caption, testId, rowTestId }: { rows: Row[]; columns: Column[]; caption: string; testId: string; rowTestId: string }) {
  return (
    <DataTable
      rows={rows}
      className="compact"
      caption={caption}
      testId={testId}
      rowKey={(_, i) => i}
      rowTestId={rowTestId}
      columns={columns.map((c) => ({
        key: c.key,
        header: c.label,
        num: c.num,
        attrs: () => ({ "data-column": c.key }),
        cell: (row: Row) => (c.show ? c.show(row) : cellText(row[c.key])),
      }))}
    />
  );
}

const money = (key: string) => (row: Row) => inr(num(row[key]));
const share = (key: string) => (row: Row) => pct(num(row[key]), 1);
const count = (key: string) => (row: Row) => int(num(row[key]));

function RevenueTab({ range }: { range: DateRange }) {
  const [granularity, setGranularity] = useState<Granularity>("daily");
  const state = useApi((signal) => analytics.revenue(range, granularity, signal), [range.start, range.end, granularity]);
  return (
    <>
      <div className="segmented" role="group" aria-label="Granularity">
        {(["daily", "monthly"] as const).map((g) => (
          <button key={g} type="button" className={g === granularity ? "on" : ""} aria-pressed={g === granularity} onClick={() => setGranularity(g)} data-testid={`revenue-${g}`}>
            {g === "daily" ? "By day" : "By month"}
          </button>
        ))}
      </div>
      <Fetched state={state}>
        {(data) => <RevenueView table={data} granularity={data.granularity} />}
      </Fetched>
    </>
  );
}

function RevenueView({ table, granularity }: { table: Table; granularity: Granularity }) {
  const s = useMemo(() => revenueSeries(table, granularity), [table, granularity]);
  const series = useMemo(() => [{ label: "Net revenue", color: "#0f5ef7", values: s.revenue, fill: true }], [s]);
  if (s.x.length === 0) return <Empty testId="revenue-empty">No sales in this range.</Empty>;
  return (
    <div data-testid="revenue-view" data-granularity={granularity} data-periods={s.x.length}>
      <Facts
        items={[
          { label: "Net revenue", value: inr(s.totals.revenue), testId: "revenue-total", raw: s.totals.revenue },
          { label: "Orders", value: int(s.totals.orders), testId: "revenue-orders", raw: s.totals.orders },
          { label: "Units", value: int(s.totals.units) },
          { label: "Gross revenue", value: inr(s.totals.gross_revenue) },
          { label: "Cancelled lines", value: int(s.totals.cancelled_lines) },
        ]}
      />
      {s.x.length > 1 ? (
        <LineChart x={s.x} series={series} time testId="revenue-chart" ariaLabel={`Net revenue ${granularity === "daily" ? "by day" : "by month"}`} yFormat={inrCompact} />
      ) : (
        // One day or month has no line to draw: its bar.
        <BarChart bars={s.periods.map((p, i) => ({ label: p, value: s.revenue[i] }))} format={inrCompact} title="Net revenue" testId="revenue-chart" />
      )}
    </div>
  );
}

function PlaceTab({ place, range }: { place: "city" | "state"; range: DateRange }) {
  const state = useApi((signal) => analytics.byPlace(place, range, signal), [place, range.start, range.end]);
  const noun = place === "city" ? "City" : "State";
  return (
    <Fetched state={state}>
      {(data) =>
        data.rows.length === 0 ? (
          <Empty testId={`${place}-empty`}>No sales in this range.</Empty>
        ) : (
          <>
            <BarChart bars={barsOf(data, place, "revenue", (r) => `${pct(num(r.revenue_share), 1)}`)} format={inrCompact} title={`Net revenue by buyer ${place}`} testId={`${place}-bars`} />
            <p className="muted small">Where the marketplace did not send the buyer's {place}, the sale is under “unknown”.</p>
            <ResultTable
              rows={records(data)}
              caption={`Sales by ${place}`}
              testId={`${place}-table`}
              rowTestId={`${place}-row`}
              columns={[
                { key: place, label: noun },
                { key: "orders", label: "Orders", num: true, show: count("orders") },
                { key: "units", label: "Units", num: true, show: count("units") },
                { key: "revenue", label: "Net revenue", num: true, show: money("revenue") },
                { key: "revenue_share", label: "Share", num: true, show: share("revenue_share") },
              ]}
            />
          </>
        )
      }
    </Fetched>
  );
}

const LIMITS = [5, 10, 20, 50];

function ProductsTab({ range }: { range: DateRange }) {
  const [limit, setLimit] = useState(10);
  const state = useApi((signal) => analytics.topProducts(range, limit, signal), [range.start, range.end, limit]);
  return (
    <>
      <label className="inline-field">
        <span>Show the top</span>
        <select value={limit} onChange={(e) => setLimit(Number(e.target.value))} data-testid="products-limit">
          {LIMITS.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
      <Fetched state={state}>
        {(data) =>
          data.rows.length === 0 ? (
            <Empty testId="products-empty">No sales in this range.</Empty>
          ) : (
            <ResultTable
              rows={records(data)}
              caption="Best-selling products by net revenue"
              testId="products-table"
              rowTestId="product-row"
              columns={[
                { key: "title", label: "Product", show: (r) => <Link to={`/item/${encodeURIComponent(String(r.item_id))}`}>{cellText(r.title ?? r.item_id)}</Link> },
                { key: "category", label: "Category" },
                { key: "marketplace", label: "Marketplace", show: (r) => (r.marketplace ? marketplaceLabel(String(r.marketplace)) : "—") },
                { key: "units", label: "Units", num: true, show: count("units") },
                { key: "orders", label: "Orders", num: true, show: count("orders") },
                { key: "revenue", label: "Net revenue", num: true, show: money("revenue") },
              ]}
            />
          )
        }
      </Fetched>
    </>
  );
}

const TURNOVER_PAGE = 50;

function TurnoverTab({ range }: { range: DateRange }) {
  const state = useApi((signal) => analytics.turnover(range, signal), [range.start, range.end]);
  const [all, setAll] = useState(false);
  return (
    <Fetched state={state}>
      {(data) => {
        const rows = records(data);
        if (rows.length === 0) return <Empty testId="turnover-empty">No stock snapshots in this range yet.</Empty>;
        const shown = all ? rows : rows.slice(0, TURNOVER_PAGE);
        return (
          <>
            <p className="muted small">Turnover is units sold over the average stock in the range; days of inventory is how long the average stock lasts at the range's selling rate.</p>
            <ResultTable
              rows={shown}
              caption="Inventory turnover per item, fastest first"
              testId="turnover-table"
              rowTestId="turnover-row"
              columns={[
                { key: "title", label: "Product", show: (r) => <Link to={`/item/${encodeURIComponent(String(r.item_id))}`}>{cellText(r.title ?? r.item_id)}</Link> },
                { key: "units_sold", label: "Units sold", num: true, show: count("units_sold") },
                { key: "avg_stock", label: "Average stock", num: true },
                { key: "turnover", label: "Turnover", num: true },
                { key: "days_of_inventory", label: "Days of inventory", num: true, show: (r) => (num(r.days_of_inventory) === null ? "no sales" : cellText(r.days_of_inventory)) },
              ]}
            />
            {rows.length > shown.length ? (
              <div className="pager">
                <button type="button" className="btn" onClick={() => setAll(true)} data-testid="turnover-all">
                  Show all {int(rows.length)} items
                </button>
              </div>
            ) : null}
          </>
        );
      }}
    </Fetched>
  );
}

function DeliveryTab({ range }: { range: DateRange }) {
  const state = useApi((signal) => analytics.delivery(range, signal), [range.start, range.end]);
  return (
    <Fetched state={state}>
      {(data) => {
        const o = data.overall;
        if (!o.lines) return <Empty testId="delivery-empty">No shipments in this range.</Empty>;
        return (
          <>
            <Facts
              items={[
                { label: "Shipped", value: int(o.shipped), testId: "delivery-shipped", raw: o.shipped },
                { label: "Delivered", value: int(o.delivered), testId: "delivery-delivered", raw: o.delivered },
                { label: "Time to ship (median)", value: hours(o.median_hours_to_ship) },
                { label: "Time to deliver (median)", value: hours(o.median_hours_to_deliver) },
                { label: `On time (within ${data.promise_days} days)`, value: pct(o.on_time_share, 1) },
                { label: "RTO rate", value: pct(o.rto_rate, 1), testId: "delivery-rto-rate", raw: o.rto_rate },
                { label: "Returned", value: int(o.returned) },
              ]}
            />
            <h3 className="sub-head">RTO rate by state</h3>
            <BarChart
              bars={barsOf(data.by_state, "state", "rto_rate", (r) => `${int(num(r.rto))} of ${int(num(r.shipped))} shipped`)}
              format={(v) => pct(v, 1)}
              title="Return-to-origin rate by buyer state"
              testId="rto-bars"
            />
          </>
        );
      }}
    </Fetched>
  );
}

function SeasonalTab({ range }: { range: DateRange }) {
  const state = useApi((signal) => analytics.seasonal(range, signal), [range.start, range.end]);
  return (
    <Fetched state={state}>
      {(data) => {
        const festivals = records(data.by_festival);
        return (
          <div className="analytics-grid">
            <section aria-labelledby="seasonal-month">
              <h3 className="sub-head" id="seasonal-month">By month</h3>
              <BarChart bars={barsOf(data.by_month, "year_month", "revenue", undefined, true)} format={inrCompact} title="Net revenue by month" testId="month-bars" />
            </section>
            <section aria-labelledby="seasonal-weekday">
              <h3 className="sub-head" id="seasonal-weekday">By weekday (average day)</h3>
              <BarChart bars={barsOf(data.by_weekday, "weekday", "avg_daily_revenue", undefined, true)} format={inrCompact} title="Average daily net revenue by weekday" testId="weekday-bars" />
            </section>
            <section aria-labelledby="seasonal-festival" className="span-all">
              <h3 className="sub-head" id="seasonal-festival">Festival seasons against normal days</h3>
              <ResultTable
                rows={festivals}
                caption="Average daily revenue by festival season, against normal days"
                testId="festival-table"
                rowTestId="festival-row"
                columns={[
                  { key: "festival_season", label: "Season", show: (r) => seasonLabel(String(r.festival_season)) },
                  { key: "days", label: "Days", num: true, show: count("days") },
                  { key: "avg_daily_revenue", label: "Revenue a day", num: true, show: money("avg_daily_revenue") },
                  {
                    key: "lift_vs_baseline",
                    label: "Against normal days",
                    num: true,
                    show: (r) => {
                      const lift = num(r.lift_vs_baseline);
                      if (r.festival_season === "none") return "baseline";
                      return lift === null ? "no baseline" : `${lift >= 1 ? "+" : "−"}${pct(Math.abs(lift - 1), 0)}`;
                    },
                  },
                ]}
              />
            </section>
          </div>
        );
      }}
    </Fetched>
  );
}

/** Orders without a buyer identity (every Amazon order): said wherever customers are counted. */
function NoBuyerNote({ table }: { table: Table | undefined }) {
  const left = withoutCustomer(table);
  if (left.lines === 0) return null;
  const parts = left.byMarketplace.map((m) => `${marketplaceLabel(m.marketplace)} ${int(m.lines)}`).join(", ");
  return (
    <p className="notice" data-testid="no-buyer-note" data-lines={left.lines}>
      {int(left.lines)} order lines ({inr(left.revenue)}; {parts}) carry no buyer identity, so they count in sales but not in customer analytics. Amazon never shares one.
    </p>
  );
}

function SegmentsTab() {
  const state = useApi((signal) => analytics.segments(signal), []);
  return (
    <Fetched state={state}>
      {(data) => {
        const grid = rfmGrid(data.grid);
        return (
          <>
            <NoBuyerNote table={data.without_customer} />
            {grid.total === 0 ? (
              <Empty testId="segments-empty">No buyers with an identity yet: segments need orders that carry a buyer key (Myntra, Meesho).</Empty>
            ) : (
              <div className="analytics-grid">
                <section aria-labelledby="rfm-head">
                  <h3 className="sub-head" id="rfm-head">Customers by recency and frequency</h3>
                  <div className="table-wrap rfm-wrap">
                    <table className="rfm-grid" data-testid="rfm-grid" data-total={grid.total}>
                      <caption className="visually-hidden">Customers by recency score (rows, 5 = bought most recently) and frequency score (columns, 5 = buys most often)</caption>
                      <thead>
                        <tr>
                          <td />
                          {grid.frequency.map((f) => <th key={f} scope="col">F{f}</th>)}
                        </tr>
                      </thead>
                      <tbody>
                        {grid.recency.map((r, i) => (
                          <tr key={r}>
                            <th scope="row">R{r}</th>
                            {grid.frequency.map((f, j) => {
                              const n = grid.counts[i][j];
                              return (
                                <td key={f} style={{ background: heat(n, grid.max) }} data-testid="rfm-cell" data-r={r} data-f={f} data-count={n}>
                                  {int(n)}
                                </td>
                              );
                            })}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  <p className="muted small">R5: bought most recently; F5: buys most often (quintiles of {int(grid.total)} customers).</p>
                </section>
                <section aria-labelledby="segments-head">
                  <h3 className="sub-head" id="segments-head">Share of revenue by segment</h3>
                  <BarChart bars={barsOf(data.segments, "segment", "revenue_share", (r) => `${int(num(r.customers))} customers`)} format={(v) => pct(v, 1)} title="Share of customer revenue by RFM segment" testId="segment-bars" />
                </section>
                <section className="span-all">
                  <ResultTable
                    rows={records(data.segments)}
                    caption="RFM segments"
                    testId="segments-table"
                    rowTestId="segment-row"
                    columns={[
                      { key: "segment", label: "Segment" },
                      { key: "customers", label: "Customers", num: true, show: count("customers") },
                      { key: "revenue_share", label: "Share of revenue", num: true, show: share("revenue_share") },
                      { key: "revenue", label: "Revenue", num: true, show: money("revenue") },
                      { key: "avg_recency_days", label: "Days since last order", num: true },
                      { key: "avg_frequency", label: "Orders each", num: true },
                      { key: "avg_monetary", label: "Spend each", num: true, show: money("avg_monetary") },
                    ]}
                  />
                </section>
              </div>
            )}
          </>
        );
      }}
    </Fetched>
  );
}

const items = (list: string[]) => list.join(" + ");

function BasketTab() {
  const [text, setText] = useState("0.01");
  const [minSupport, setMinSupport] = useState(0.01);
  const [problem, setProblem] = useState<string | null>(null);
  const state = useApi((signal) => analytics.basket(minSupport, signal), [minSupport]);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseMinSupport(text);
    if ("error" in parsed) {
      setProblem(parsed.error);
      return;
    }
    setProblem(null);
    setMinSupport(parsed.value);
  };
  return (
    <>
      <form className="toolbar" onSubmit={apply} noValidate>
        <label className={`inline-field ${problem ? "invalid" : ""}`}>
          <span>Minimum support</span>
          <input inputMode="decimal" value={text} onChange={(e) => setText(e.target.value)} aria-describedby="support-help" aria-invalid={!!problem} data-testid="basket-min-support" />
        </label>
        <button type="submit" className="btn" data-testid="basket-apply">Apply</button>
        <span id="support-help" className="muted small">Share of baskets an itemset must appear in (0.001 to 1).</span>
        {problem ? <span className="field-error" role="alert" data-testid="basket-error">{problem}</span> : null}
      </form>
      <Fetched state={state}>
        {(data) => (
          <>
            <p className="muted small" data-testid="basket-count" data-count={data.baskets}>
              {int(data.baskets)} baskets of two or more products. A basket is everything one buyer bought; an Amazon order, which names no buyer, is its own basket.
            </p>
            {data.rules.length === 0 && data.itemsets.length === 0 ? (
              <Empty testId="basket-empty">No products sell together at this support. Try a lower minimum support.</Empty>
            ) : (
              <div className="analytics-grid">
                <section aria-labelledby="rules-head" className="span-all">
                  <h3 className="sub-head" id="rules-head">Rules: who buys these also buys</h3>
                  <ResultTable
                    rows={data.rules.map((r) => ({ ...r, antecedents: items(r.antecedents), consequents: items(r.consequents) }))}
                    caption="Association rules, strongest lift first"
                    testId="rules-table"
                    rowTestId="basket-rule"
                    columns={[
                      { key: "antecedents", label: "Bought" },
                      { key: "consequents", label: "Also bought" },
                      { key: "support", label: "Support", num: true, show: share("support") },
                      { key: "confidence", label: "Confidence", num: true, show: share("confidence") },
                      { key: "lift", label: "Lift", num: true, show: (r) => `${(num(r.lift) ?? 0).toFixed(2)}×` },
                    ]}
                  />
                </section>
                <section aria-labelledby="itemsets-head" className="span-all">
                  <h3 className="sub-head" id="itemsets-head">Frequent itemsets</h3>
                  <ResultTable
                    rows={data.itemsets.map((s) => ({ items: items(s.items), support: s.support }))}
                    caption="Products bought together, most frequent first"
                    testId="itemsets-table"
                    rowTestId="basket-itemset"
                    columns={[
                      { key: "items", label: "Products" },
                      { key: "support", label: "Support", num: true, show: share("support") },
                    ]}
                  />
                </section>
              </div>
            )}
          </>
        )}
      </Fetched>
    </>
  );
}

function ClvTab() {
  const state = useApi((signal) => analytics.clv(20, signal), []);
  return (
    <Fetched state={state}>
      {(data) => (
        <>
          <NoBuyerNote table={data.without_customer} />
          {!data.fitted ? (
            <Empty testId="clv-not-fitted">
              Not enough history for a customer value model yet: it {data.reason ?? "needs more buyers"} (there are {int(data.customers)}).
            </Empty>
          ) : (
            <>
              <Facts
                items={[
                  { label: `Expected value, next ${data.horizon_days} days`, value: inr(data.expected_value_total ?? 0), testId: "clv-total", raw: data.expected_value_total },
                  { label: "Expected orders", value: (data.expected_purchases_total ?? 0).toLocaleString("en-IN", { maximumFractionDigits: 1 }) },
                  { label: "Customers", value: int(data.customers) },
                ]}
              />
              <p className="muted small">BG/NBD for how often each buyer orders and whether they are still active; Gamma-Gamma for how much they spend.</p>
              <ResultTable
                rows={(data.top ?? []).map((c) => ({ ...c }))}
                caption="Customers with the highest expected value"
                testId="clv-table"
                rowTestId="clv-row"
                columns={[
                  { key: "customer_key", label: "Buyer (hashed)", show: (r) => <code title={String(r.customer_key)}>{String(r.customer_key).slice(0, 10)}</code> },
                  { key: "repeat_purchases", label: "Repeat orders", num: true, show: count("repeat_purchases") },
                  { key: "p_alive", label: "Still active", num: true, show: share("p_alive") },
                  { key: "expected_purchases", label: "Expected orders", num: true },
                  { key: "expected_value", label: "Expected value", num: true, show: money("expected_value") },
                ]}
              />
            </>
          )}
        </>
      )}
    </Fetched>
  );
}

function RangeForm({ range, onChange }: { range: DateRange; onChange: (r: DateRange) => void }) {
  const [draft, setDraft] = useState(range);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const why = rangeProblem(draft);
    setProblem(why);
    if (!why) onChange(draft);
  };
  return (
    <form className="toolbar range-form" onSubmit={submit} noValidate data-testid="range-form">
      <label className="inline-field">
        <span>From</span>
        <input type="date" value={draft.start} max={draft.end || undefined} onChange={(e) => setDraft({ ...draft, start: e.target.value })} data-testid="range-start" />
      </label>
      <label className="inline-field">
        <span>To</span>
        <input type="date" value={draft.end} min={draft.start || undefined} onChange={(e) => setDraft({ ...draft, end: e.target.value })} data-testid="range-end" />
      </label>
      <button type="submit" className="btn" data-testid="range-apply">Apply</button>
      <span className="muted small">IST days, both included</span>
      {problem ? <span className="field-error" role="alert" data-testid="range-error">{problem}</span> : null}
    </form>
  );
}

export function AnalyticsPage() {
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab: TabId = TABS.some((t) => t.id === asked) ? (asked as TabId) : "revenue";
  const [range, setRange] = useState<DateRange>(() => defaultRange(Date.now()));
  const select = (id: string) => setParams((p) => {
    const next = new URLSearchParams(p);
    next.set("tab", id);
    return next;
  }, { replace: true });

  let panel: ReactNode;
  switch (tab) {
    case "revenue": panel = <RevenueTab range={range} />; break;
    case "cities": panel = <PlaceTab place="city" range={range} />; break;
    case "states": panel = <PlaceTab place="state" range={range} />; break;
    case "products": panel = <ProductsTab range={range} />; break;
    case "turnover": panel = <TurnoverTab range={range} />; break;
    case "delivery": panel = <DeliveryTab range={range} />; break;
    case "seasonal": panel = <SeasonalTab range={range} />; break;
    case "segments": panel = <SegmentsTab />; break;
    case "basket": panel = <BasketTab />; break;
    case "clv": panel = <ClvTab />; break;
  }

  return (
    <div className="page" data-testid="page-analytics">
      <div className="page-head">
        <h1>Analytics</h1>
        <Link to="/analyst" className="small">Ask your own question</Link>
      </div>
      <p className="lead muted">From the lake, refreshed every hour: net of cancellations, in IST days.</p>
      <Tabs tabs={[...TABS]} selected={tab} onSelect={select} label="Analytics" idPrefix="analytics">
        {RANGED.has(tab) ? <RangeForm range={range} onChange={setRange} /> : <p className="muted small">Over all history in the lake.</p>}
        {panel}
      </Tabs>
    </div>
  );
}

export default AnalyticsPage;
