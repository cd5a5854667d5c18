import { useMemo, useState } from "react";
import { Link } from "react-router";
import { api } from "../../api/client";
import { MARKETPLACES, type Kpis, type Marketplace, type MarketplaceKpis, type Metrics, type RatioKey, type Series, type SeriesRange } from "../../api/types";
import { MarketplaceTag, WarnIcon } from "../../ui/Badges";
import { FitValue } from "./FitValue";
import { LineChart } from "../../ui/LineChart";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { compactNumber, indianShort, inr, inrCompact, int, istDateTime, istTime, marketplaceLabel, pct } from "../../lib/format";
import { countNote, ratioView } from "./kpi";
import { MARKETPLACE_COLORS, seriesColumns } from "../../lib/series";
import { useApi, useThrottled } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import { useLive } from "../../live/LiveProvider";

type KpiKey = Exclude<keyof Kpis, "not_sent" | "conversion_rate_basis" | "ctr_basis" | "needs_details">;
const rupeesShort = (v: number) => indianShort(v, true);
const countShort = (v: number) => indianShort(v);
const CARDS: { key: KpiKey; label: string; format: (v: number) => string; short: (v: number) => string; hint: string }[] = [
  { key: "revenue", label: "Revenue", format: (v) => inr(v), short: rupeesShort, hint: "Order value, last 24 h" },
  { key: "purchases", label: "Orders", format: int, short: countShort, hint: "Purchases, last 24 h" },
  { key: "units", label: "Units", format: int, short: countShort, hint: "Units sold, last 24 h" },
  { key: "views", label: "Views", format: int, short: countShort, hint: "Product page views" },
  { key: "clicks", label: "Clicks", format: int, short: countShort, hint: "Clicks to product" },
  { key: "conversion_rate", label: "Conversion", format: (v) => pct(v), short: (v) => pct(v), hint: "Orders ÷ clicks" },
  { key: "ctr", label: "CTR", format: (v) => pct(v), short: (v) => pct(v), hint: "Clicks ÷ views" },
  { key: "aov", label: "AOV", format: (v) => inr(v), short: rupeesShort, hint: "Revenue ÷ orders" },
  { key: "low_stock", label: "Low stock", format: int, short: countShort, hint: "Items that need restocking" },
];

const METRICS: { key: keyof MarketplaceKpis; label: string; format: (v: number) => string }[] = [
  { key: "revenue", label: "Revenue", format: inrCompact },
  { key: "purchases", label: "Orders", format: compactNumber },
  { key: "views", label: "Views", format: compactNumber },
  { key: "clicks", label: "Clicks", format: compactNumber },
];

function totalFormat(key: KpiKey, value: number): string {
  if (key === "revenue" || key === "aov") return inrCompact(value);
  return compactNumber(value);
}

function isRatio(key: KpiKey): key is RatioKey {
  return key === "conversion_rate" || key === "ctr";
}

/** Conversion and CTR: computed only over marketplaces that send their inputs, else "Not sent". */
function RatioCard({ metrics, ratio }: { metrics: Metrics; ratio: RatioKey }) {
  const view = ratioView(metrics.kpis, ratio);
  const total = ratioView(metrics.totals, ratio);
  return (
    <div className={`kpi kpi-${ratio} ${view.value === null ? "kpi-not-sent" : ""}`} data-testid={`kpi-${ratio}`} data-not-sent={view.value === null} title={view.hint}>
      <div className="kpi-label" data-testid={`kpi-${ratio}-label`}>{view.label}</div>
      <FitValue full={view.text} short={view.text} value={view.value ?? Number.NaN} label={view.label} testId={`kpi-${ratio}-value`} words={view.value === null} />
      <div className="kpi-sub" data-testid={`kpi-${ratio}-note`}>
        {view.note ? view.note : total.value !== null ? `All time ${total.text}` : view.hint}
      </div>
    </div>
  );
}

/** Marketplaces that do not send a counted signal (views, clicks) in the current mode. */
function notSending(metrics: Metrics, signal: string): string[] {
  const table = metrics.signals;
  if (!table) return [];
  return MARKETPLACES.filter((mp) => table[mp] && !(signal in (table[mp] ?? {})));
}

function KpiCards({ metrics }: { metrics: Metrics }) {
  return (
    <section className="kpis" data-testid="kpi-cards">
      {CARDS.map((card) => {
        const key = card.key;
        if (isRatio(key)) return <RatioCard key={key} metrics={metrics} ratio={key} />;
        const value = metrics.kpis[key];
        const warn = card.key === "low_stock" && value > 0;
        return (
          <div className={`kpi kpi-${card.key} ${warn ? "kpi-warn" : ""}`} key={card.key} data-testid={`kpi-${card.key}`} title={card.hint}>
            <div className="kpi-label">
              {warn ? <WarnIcon /> : null}
              {card.label}
            </div>
            <FitValue full={card.format(value)} short={card.short(value)} value={value} label={card.label} testId={`kpi-${card.key}-value`} />
            <div className="kpi-sub">
              {card.key === "low_stock"
                ? warn
                  ? `need restocking, of ${int(metrics.kpis.products)} products`
                  : `none low, of ${int(metrics.kpis.products)} products`
                : (key === "views" || key === "clicks") && notSending(metrics, key).length
                  ? countNote(value, notSending(metrics, key), MARKETPLACES.length)
                  : `All time ${totalFormat(card.key, metrics.totals?.[key] ?? 0)}`}
            </div>
          </div>
        );
      })}
    </section>
  );
}

function SeriesChart({ range, series, metric }: { range: SeriesRange; series: Series; metric: (typeof METRICS)[number] }) {
  const { x, chartSeries } = useMemo(() => {
    const columns = seriesColumns(series, metric.key);
    return {
      x: columns.x,
      chartSeries: MARKETPLACES.map((mp) => ({ label: marketplaceLabel(mp), color: MARKETPLACE_COLORS[mp], values: columns.values[mp], fill: true })),
    };
  }, [series, metric]);
  if (x.length === 0) return <Empty testId={`series-${range}-empty`}>No activity in this window yet.</Empty>;
  return <LineChart testId={`series-${range}-chart`} ariaLabel={`${metric.label} by marketplace`} x={x} series={chartSeries} time height={200} yFormat={metric.format} />;
}

/** Charts follow the live KPIs and reconnections at most every 5 s, and every 30 s regardless. */
function SeriesPanel({ range, title, metric }: { range: SeriesRange; title: string; metric: (typeof METRICS)[number] }) {
  const kpisSeq = useLive((s) => s.kpisSeq);
  const connects = useLive((s) => s.connects);
  // One throttle for both: a reconnection refetches at once, and the KPI message that follows it
  // within 5 s waits for the window's end instead of fetching the same chart again.
  const trigger = useThrottled(`${connects}:${kpisSeq}`, 5_000);
  // A hidden page (a phone in a pocket) fetches nothing; it catches up when it reconnects.
  const state = useApi((signal) => api.series(range, signal), [range], { every: 30_000, refreshOn: [trigger] });
  return (
    <div className="panel" data-testid={`series-${range}`}>
      <div className="panel-head">
        <h2>{title}</h2>
        {state.loading && state.data ? <span className="muted small">updating…</span> : null}
      </div>
      {state.error ? <ErrorBox error={state.error} onRetry={state.reload} /> : null}
      {state.data ? <SeriesChart range={range} series={state.data} metric={metric} /> : state.loading ? <Loading /> : null}
    </div>
  );
}

function MarketplaceTable({ metrics }: { metrics: Metrics }) {
  const total = MARKETPLACES.reduce((sum, mp) => sum + (metrics.by_marketplace[mp]?.revenue ?? 0), 0);
  // A signal the marketplace does not send is "not sent", not 0.
  const count = (mp: Marketplace, signal: "views" | "clicks", value: number | undefined) => {
    const sent = metrics.signals?.[mp];
    return sent && !(signal in sent) ? <span className="muted" data-not-sent="true">not sent</span> : int(value ?? 0);
  };
  const row = (mp: Marketplace) => metrics.by_marketplace[mp];
  return (
    <Table
      wrapClassName={null}
      className="compact"
      testId="marketplace-table"
      caption="Views, clicks, orders and revenue by marketplace, last 24 hours"
      rows={MARKETPLACES}
      rowKey={(mp) => mp}
      rowTestId={(mp) => `marketplace-row-${mp}`}
      columns={[
        { key: "marketplace", header: "Marketplace", rowHeader: true, cell: (mp) => <MarketplaceTag name={mp} /> },
        { key: "views", header: "Views", num: true, cell: (mp) => count(mp, "views", row(mp)?.views) },
        { key: "clicks", header: "Clicks", num: true, cell: (mp) => count(mp, "clicks", row(mp)?.clicks) },
        { key: "orders", header: "Orders", num: true, cell: (mp) => int(row(mp)?.purchases ?? 0) },
        { key: "revenue", header: "Revenue", num: true, cell: (mp) => inr(row(mp)?.revenue ?? 0) },
        { key: "share", header: "Share", num: true, cell: (mp) => (total > 0 ? pct((row(mp)?.revenue ?? 0) / total, 1) : "—") },
      ]}
    />
  );
}

const KIND_LABEL: Record<string, string> = { view: "view", click: "click", order: "order", cancel: "cancel", traffic: "traffic", sales: "sales", offer: "offer", stock: "stock" };

function Ticker() {
  const events = useLive((s) => s.events);
  return (
    <div className="panel ticker-panel">
      <div className="panel-head">
        <h2>Live events</h2>
        <span className="muted small">newest first · last {events.length}</span>
      </div>
      {events.length === 0 ? (
        <Empty testId="event-ticker-empty">Waiting for events… they appear here as they happen.</Empty>
      ) : (
        <ol className="ticker" data-testid="event-ticker">
          {events.map((event) => (
            <li key={event.id} className={`ticker-row kind-${event.kind}`} data-testid="ticker-row" data-kind={event.kind} data-item-id={event.item_id}>
              <time className="ticker-time">{istTime(event.occurred_at)}</time>
              <span className={`kind kind-${event.kind}`}>{KIND_LABEL[event.kind] ?? event.kind}</span>
              <Link className="ticker-title" to={`/item/${encodeURIComponent(event.item_id)}`} title={event.title}>
                {event.title || event.item_id}
              </Link>
              <MarketplaceTag name={event.marketplace} />
              <span className="ticker-amount num">{event.revenue ? inr(event.revenue) : event.units ? `${event.units} ${event.kind === "stock" ? "in stock" : "units"}` : ""}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

export function OverviewPage() {
  const live = useLive((s) => s.metrics);
  const connects = useLive((s) => s.connects);
  // After a reconnection (the phone woke up): one refetch of the KPIs (and of the charts).
  const fetched = useApi((signal) => api.metrics(signal), [], { refreshOn: [connects] });
  const [metricKey, setMetricKey] = useState<(typeof METRICS)[number]["key"]>("revenue");
  const metric = METRICS.find((m) => m.key === metricKey) ?? METRICS[0];
  const metrics = live && (!fetched.data || Date.parse(live.as_of) >= Date.parse(fetched.data.as_of)) ? live : fetched.data;

  return (
    <div className="page" data-testid="page-overview">
      <div className="page-head">
        <h1>Overview</h1>
        <span className="muted small" data-testid="metrics-as-of">
          {metrics ? `Last 24 hours · as of ${istDateTime(metrics.as_of)}` : ""}
        </span>
      </div>
      {fetched.error && !metrics ? <ErrorBox error={fetched.error} onRetry={fetched.reload} /> : null}
      {metrics && (metrics.kpis.needs_details ?? 0) > 0 ? (
        <div className="notice notice-warn" data-testid="needs-details-notice">
          <WarnIcon />
          {metrics.kpis.needs_details === 1
            ? "1 listing sold but is not in your catalogue: its orders count, it is not ranked yet. "
            : `${int(metrics.kpis.needs_details ?? 0)} listings sold but are not in your catalogue: their orders count, they are not ranked yet. `}
          <Link to="/catalogue/unmatched" data-testid="needs-details-link">Complete the details</Link>
        </div>
      ) : null}
      {metrics ? <KpiCards metrics={metrics} /> : fetched.loading ? <Loading label="Loading KPIs…" testId="kpi-loading" /> : null}
      <div className="overview-grid">
        <div className="overview-main">
          <div className="segmented" role="group" aria-label="Chart metric">
            {METRICS.map((m) => (
              <button key={m.key} type="button" className={m.key === metricKey ? "on" : ""} onClick={() => setMetricKey(m.key)} data-testid={`series-metric-${m.key}`}>
                {m.label}
              </button>
            ))}
          </div>
          <SeriesPanel range="hour" title="Last hour · per minute" metric={metric} />
          <SeriesPanel range="day" title="Last 24 hours · per hour" metric={metric} />
          {metrics ? (
            <div className="panel">
              <div className="panel-head"><h2>By marketplace · last 24 h</h2></div>
              <MarketplaceTable metrics={metrics} />
            </div>
          ) : null}
        </div>
        <Ticker />
      </div>
    </div>
  );
}
