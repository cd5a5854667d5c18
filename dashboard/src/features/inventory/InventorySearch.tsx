import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { LEVELS, imageUrl, inventory, type InventoryRow, type Level } from "./api";
import { DangerBadge } from "./DangerBadge";
import { Thumbnail } from "./ImagePreview";
import { InventoryNav } from "./InventoryNav";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { inr, int } from "../../lib/format";
import { LEVEL_TEXT, PAGE_SIZE, filtersFrom, pageInfo, paramsOf, riskText } from "./inventory";
import { useApi, useDebounced } from "../../lib/useApi";
import "./inventory.css";

type Filters = ReturnType<typeof filtersFrom>;

function ResultRow({ row }: { row: InventoryRow }) {
  const risk = riskText(row);
  const title = row.title || row.item_id;
  return (
    <tr data-testid="search-row" data-item-id={row.item_id} data-store-id={row.store_id} data-danger={row.danger ?? ""}>
      <td className="thumb-cell" data-label="Image">
        {row.image ? <Thumbnail src={imageUrl(row.item_id)} title={title} /> : <span className="thumb thumb-missing" data-testid="thumb-none">No image</span>}
      </td>
      <th scope="row" className="card-title row-head item-cell">
        <Link to={`/inventory/item/${encodeURIComponent(row.item_id)}`} data-testid="search-item-link">{title}</Link>
        <span className="block small muted">
          {row.item_id}
          {row.style_code ? ` · ${row.style_code}` : ""}
        </span>
      </th>
      <td data-label="Store">{row.store_name || row.store_id}</td>
      <td data-label="Department">{row.department || row.category || "—"}</td>
      <td className="num" data-label="Units">{int(row.units)}</td>
      <td className="num" data-label="Capital" data-testid="search-capital" data-value={row.capital}>{inr(row.capital)}</td>
      <td className="num" data-label="Days active">{int(row.days_active)}</td>
      <td className="num" data-label="Days since sale">{row.days_since_sale === null ? "never sold" : int(row.days_since_sale)}</td>
      <td data-label="Danger">
        <span className="cell-stack">
          <DangerBadge level={row.danger} />
          {row.level_changed && row.danger ? <span className="block small muted" data-testid="search-new-level">new today</span> : null}
        </span>
      </td>
      <td data-label="Risk" title={risk.label}>
        <span className="cell-stack">
          {risk.value}
          <span className="block small muted">{row.risk_source === "model" ? "model" : "rules-based"}</span>
        </span>
      </td>
    </tr>
  );
}

function FilterForm({ filters, stores, departments, onChange }: { filters: Filters; stores: { id: string; name: string }[]; departments: string[]; onChange: (f: Partial<Filters>) => void }) {
  const [text, setText] = useState(filters.query);
  const settled = useDebounced(text, 300);
  useEffect(() => {
    if (settled !== filters.query) onChange({ query: settled, page: 1 });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settled]);
  const toggle = <T,>(list: T[], value: T) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  return (
    <form className="panel search-form" role="search" aria-label="Inventory" onSubmit={(e) => e.preventDefault()} data-testid="search-form">
      <label className="field search-query">
        Title, item id or style code
        <input type="search" value={text} onChange={(e) => setText(e.currentTarget.value)} placeholder="e.g. saree" data-testid="search-query" />
      </label>
      <label className="field">
        Store
        <select value={filters.store_id} onChange={(e) => onChange({ store_id: e.currentTarget.value, page: 1 })} data-testid="search-store">
          <option value="">Every store</option>
          {stores.map((s) => (
            <option key={s.id} value={s.id}>{s.name}</option>
          ))}
        </select>
      </label>
      <fieldset className="checks" data-testid="search-danger">
        <legend>Danger level</legend>
        {LEVELS.map((l: Level) => (
          <label className="check-inline" key={l}>
            <input type="checkbox" checked={filters.danger.includes(l)} onChange={() => onChange({ danger: toggle(filters.danger, l), page: 1 })} data-testid={`search-danger-${l}`} />
            {LEVEL_TEXT[l]}
          </label>
        ))}
      </fieldset>
      {departments.length > 0 ? (
        <fieldset className="checks" data-testid="search-departments">
          <legend>Departments</legend>
          {departments.map((d) => (
            <label className="check-inline" key={d}>
              <input type="checkbox" checked={filters.department.includes(d)} onChange={() => onChange({ department: toggle(filters.department, d), page: 1 })} data-testid="search-department" data-department={d} />
              {d}
            </label>
          ))}
        </fieldset>
      ) : null}
      <label className="check-inline alert-only">
        <input type="checkbox" checked={filters.alert_only} onChange={(e) => onChange({ alert_only: e.currentTarget.checked, page: 1 })} data-testid="search-alert-only" />
        Only items alerted today (entered a danger level)
      </label>
    </form>
  );
}

export function InventorySearchPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const key = params.toString();
  const summary = useApi((signal) => inventory.summary(signal), []);
  const results = useApi((signal) => inventory.search({ ...filters, page_size: PAGE_SIZE }, signal), [key]);
  const update = (change: Partial<Filters>) => setParams(paramsOf({ ...filters, ...change }));
  const stores = (summary.data?.stores ?? []).map((s) => ({ id: s.store_id, name: s.name || s.store_id }));
  const departments = (summary.data?.by_department ?? []).map((d) => d.department ?? "").filter(Boolean).sort();
  const data = results.data;
  const info = data ? pageInfo(data.page, data.page_size, data.total) : null;

  return (
    <div className="page" data-testid="page-inventory-search">
      <div className="page-head">
        <h1>Inventory search</h1>
        <button type="button" className="btn" onClick={results.reload} data-testid="search-refresh">Refresh</button>
      </div>
      <InventoryNav />
      <FilterForm filters={filters} stores={stores} departments={departments} onChange={update} />
      {results.error ? <ErrorBox error={results.error} onRetry={results.reload} /> : null}
      {!data && results.loading ? <Loading label="Searching…" /> : null}
      {data ? (
        <p className="small muted" aria-live="polite" data-testid="search-total" data-total={data.total}>
          {info?.text}
          {data.day ? ` · counted on ${data.day}` : " · no daily count yet"}
        </p>
      ) : null}
      {data && data.items.length === 0 ? <Empty testId="search-empty">{data.day ? "No item matches these filters." : "No daily count yet: the daily job has not run."}</Empty> : null}
      {data && data.items.length > 0 ? (
        <div className="table-wrap" aria-busy={results.loading}>
          <table className="table table-stack compact" data-testid="search-table">
            <caption className="visually-hidden">Inventory by store, most capital first</caption>
            <thead>
              <tr>
                <th scope="col">Image</th>
                <th scope="col">Item</th>
                <th scope="col">Store</th>
                <th scope="col">Department</th>
                <th scope="col" className="num">Units</th>
                <th scope="col" className="num">Capital</th>
                <th scope="col" className="num">Days active</th>
                <th scope="col" className="num">Days since sale</th>
                <th scope="col">Danger</th>
                <th scope="col">Risk</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((row) => (
                <ResultRow key={row.id} row={row} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {data && info && info.pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn" disabled={data.page <= 1} onClick={() => update({ page: data.page - 1 })} data-testid="page-prev">Previous</button>
          <span data-testid="page-info">Page {data.page} of {info.pages}</span>
          <button type="button" className="btn" disabled={data.page >= info.pages} onClick={() => update({ page: data.page + 1 })} data-testid="page-next">Next</button>
        </nav>
      ) : null}
    </div>
  );
}
