import { useMemo, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../../api/client";
import { imageUrl, inventory, type ProductDetail, type RiskScores } from "./api";
import { DangerBadge } from "./DangerBadge";
import { Thumbnail } from "./ImagePreview";
import { InventoryNav } from "./InventoryNav";
import { LineChart } from "../../ui/LineChart";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { featureLabel, inr, int, istDateTime, signed } from "../../lib/format";
import { decisionText, priceSeries, riskText } from "./inventory";
import { useRole } from "../../lib/role";
import { useApi } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import "./inventory.css";

function PriceForm({ itemId, current, onSaved }: { itemId: string; current: number | null; onSaved: () => void }) {
  const [value, setValue] = useState(current === null ? "" : String(current));
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const price = Number(value);
  const valid = value.trim() !== "" && Number.isFinite(price) && price > 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    setError(null);
    try {
      await inventory.setPrice(itemId, price);
      setSaved(`Price set to ${inr(price, true)}; the history shows it once the change is applied.`);
      onSaved();
    } catch (exc) {
      if (exc instanceof ApiError) setError(exc);
    }
  };
  return (
    <form className="price-form" onSubmit={(e) => void submit(e)} data-testid="price-form">
      <label className="field">
        New price (₹)
        <input type="number" min="0.01" step="0.01" inputMode="decimal" value={value} onChange={(e) => setValue(e.currentTarget.value)} aria-invalid={!valid} data-testid="price-input" />
      </label>
      <button type="submit" className="btn btn-primary" disabled={!valid} data-testid="price-submit">Set price</button>
      {saved ? <p className="ok" role="status" data-testid="price-saved">{saved}</p> : null}
      {error ? <ErrorBox error={error} testId="price-error" /> : null}
    </form>
  );
}

function Risk({ scores }: { scores: RiskScores | null }) {
  const row = scores?.items[0];
  if (!scores || !row) return <p className="muted" data-testid="risk-none">No risk score: the item is not in today's count.</p>;
  const text = riskText(row);
  return (
    <div data-testid="risk" data-source={row.risk_source ?? ""} data-value={row.risk ?? ""}>
      <p className="risk-line">
        <span className="big" data-testid="risk-value">{text.value}</span> <span className="muted" data-testid="risk-label">{text.label}</span>
      </p>
      {scores.message ? <p className="small muted" data-testid="risk-message">{scores.message}</p> : null}
      {row.risk_reasons?.length ? (
        <>
          <h3 className="small-head">Why (SHAP)</h3>
          <ul className="reasons" data-testid="risk-reasons">
            {row.risk_reasons.map((r) => (
              <li key={r.feature} data-testid="risk-reason" data-feature={r.feature} data-contribution={r.contribution}>
                <span>
                  {featureLabel(r.feature)}
                  {r.value !== null ? <span className="muted"> = {r.value.toLocaleString("en-IN", { maximumFractionDigits: 2 })}</span> : null}
                </span>
                <span>
                  {r.effect} <span className="muted">({signed(r.contribution, 3)})</span>
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function Detail({ d, scores, reload }: { d: ProductDetail; scores: RiskScores | null; reload: () => void }) {
  const { isAdmin } = useRole();
  const series = useMemo(() => priceSeries(d.price_history), [d.price_history]);
  const lines = useMemo(() => [{ label: "Price", color: "#0f5ef7", values: series.y }], [series]);
  const title = d.title || d.item_id;
  return (
    <>
      <div className="product-head">
        {d.image ? <Thumbnail src={imageUrl(d.item_id)} title={title} testId="product-thumb" /> : null}
        <div>
          <h1 data-testid="product-title">{title}</h1>
          <p className="small muted">
            {d.item_id}
            {d.style_code ? ` · style ${d.style_code}` : ""}
            {d.department ? ` · ${d.department}` : ""}
            {d.category ? ` · ${d.category}` : ""}
          </p>
        </div>
      </div>
      <dl className="facts panel" data-testid="product-facts">
        <div><dt>Current price</dt><dd data-testid="product-price" data-value={d.current_price ?? ""}>{inr(d.current_price, true)}</dd></div>
        <div><dt>MRP</dt><dd>{inr(d.mrp, true)}</dd></div>
        <div><dt>Days active</dt><dd data-testid="product-days-active" data-value={d.days_active ?? ""}>{d.days_active === null ? "—" : int(d.days_active)}</dd></div>
        <div><dt>Stock</dt><dd>{int(d.stock)}</dd></div>
        <div><dt>Last sale</dt><dd>{d.last_sale_at ? istDateTime(d.last_sale_at) : "never"}</dd></div>
      </dl>
      <div className="two-col">
        <section className="panel" aria-labelledby="risk-title">
          <div className="panel-head"><h2 id="risk-title">Risk of not selling</h2></div>
          <Risk scores={scores} />
        </section>
        <section className="panel" aria-labelledby="price-title">
          <div className="panel-head"><h2 id="price-title">Price history</h2></div>
          {series.x.length > 0 ? (
            <LineChart x={series.x} series={lines} time yFormat={(v) => inr(v)} testId="price-history-chart" ariaLabel={`Price of ${title} over time`} />
          ) : (
            <Empty testId="price-history-empty">No price recorded yet.</Empty>
          )}
          {isAdmin ? <PriceForm itemId={d.item_id} current={d.current_price} onSaved={reload} /> : null}
        </section>
      </div>
      <section aria-labelledby="stores-title">
        <div className="panel-head"><h2 id="stores-title">By store{d.day ? ` (counted on ${d.day})` : ""}</h2></div>
        {d.stores.length === 0 ? (
          <Empty testId="product-stores-empty">Not in today's count.</Empty>
        ) : (
          <Table
            className="compact"
            testId="product-stores"
            caption="The item at each store"
            rows={d.stores}
            rowKey={(s) => s.store_id}
            rowTestId="product-store-row"
            rowAttrs={(s) => ({ "data-store-id": s.store_id })}
            columns={[
              { key: "store", header: "Store", rowHeader: true, className: "row-head", cell: (s) => s.store_name || s.store_id },
              { key: "units", header: "Units", num: true, cell: (s) => int(s.units) },
              { key: "capital", header: "Capital", num: true, cell: (s) => inr(s.capital) },
              { key: "since", header: "Days since sale", num: true, cell: (s) => (s.days_since_sale === null ? "never sold" : int(s.days_since_sale)) },
              { key: "danger", header: "Danger", cell: (s) => <DangerBadge level={s.danger} /> },
              {
                key: "recommended",
                header: "Recommended",
                cell: (s) => {
                  const decision = decisionText(s.decision);
                  return (
                    <span className="cell-stack">
                      {s.danger ? decision.action : "—"}
                      {s.danger && decision.recovery ? <span className="block small muted">{decision.recovery}</span> : null}
                    </span>
                  );
                },
              },
            ]}
          />
        )}
      </section>
    </>
  );
}

export function ProductPage() {
  const { id = "" } = useParams();
  const detail = useApi((signal) => inventory.item(id, signal), [id]);
  const risk = useApi((signal) => inventory.risk({ product_id: id, limit: 1 }, signal), [id]);
  return (
    <div className="page" data-testid="page-product">
      <p className="crumbs">
        <Link to="/inventory/search">Inventory search</Link>
      </p>
      <InventoryNav />
      {detail.error ? (
        detail.error.status === 404 ? (
          <Empty testId="product-not-found">No product {id}.</Empty>
        ) : (
          <ErrorBox error={detail.error} onRetry={detail.reload} />
        )
      ) : null}
      {!detail.data && detail.loading ? <Loading label="Loading the product…" /> : null}
      {detail.data ? <Detail d={detail.data} scores={risk.data} reload={detail.reload} /> : null}
    </div>
  );
}
