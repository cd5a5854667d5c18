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
import { Table, type Column } from "../../ui/Table";
import "./inventory.css";

type Filters = ReturnType<typeof filtersFrom>;

/** The search results' columns: the item is the row's name, its picture comes first. */
const RESULT_COLUMNS: Column<InventoryRow>[] = [
  {
    key: "image",
    header: "Image",
    className: "thumb-cell",
    cell: (row) => (row.image ? <Thumbnail src={imageUrl(row.item_id)} title={row.title || row.item_id} /> : <span className="thumb thumb-missing" data-testid="thumb-none">No image</span>),
  },
  {
    key: "item",
    header: "Item",
    rowHeader: true,
    className: "row-head item-cell",
    cell: (row) => (
      <>
        <Link to={`/inventory/item/${encodeURIComponent(row.item_id)}`} data-testid="search-item-link">{row.title || row.item_id}</Link>
        <span className="block small muted">
          {row.item_id}
          {row.style_code ? ` · ${row.style_code}` : ""}
        </span>
      </>
    ),
  },
  { key: "store", header: "Store", cell: (row) => row.store_name || row.store_id },
  { key: "department", header: "Department", cell: (row) => row.department || row.category || "—" },
  { key: "units", header: "Units", num: true, cell: (row) => int(row.units) },
  { key: "capital", header: "Capital", num: true, attrs: (row) => ({ "data-testid": "search-capital", "data-value": row.capital }), cell: (row) => inr(row.capital) },
  { key: "days-active", header: "Days active", num: true, cell: (row) => int(row.days_active) },
  { key: "since-sale", header: "Days since sale", num: true, cell: (row) => (row.days_since_sale === null ? "never sold" : int(row.days_since_sale)) },
  {
    key: "danger",
    header: "Danger",
    cell: (row) => (
      <span className="cell-stack">
        <DangerBadge level={row.danger} />
        {row.level_changed && row.danger ? <span className="block small muted" data-testid="search-new-level">new today</span> : null}
      </span>
    ),
  },
  {
    key: "risk",
    header: "Risk",
    attrs: (row) => ({ title: riskText(row).label }),
    cell: (row) => (
      <span className="cell-stack">
        {riskText(row).value}
        <span className="block small muted">{row.risk_source === "model" ? "model" : "rules-based"}</span>
      </span>
    ),
  },
];

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
  // From the current URL, not this render's filters: the search box's debounced change may land
  // just after a checkbox's, and must not put back what the checkbox changed.
  const update = (change: Partial<Filters>) => setParams((current) => paramsOf({ ...filtersFrom(current), ...change }));
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
        <Table
          wrapAttrs={{ "aria-busy": results.loading }}
          className="compact"
          testId="search-table"
          caption="Inventory by store, most capital first"
          rows={data.items}
          rowKey={(row) => row.id}
          rowTestId="search-row"
          rowAttrs={(row) => ({ "data-item-id": row.item_id, "data-store-id": row.store_id, "data-danger": row.danger ?? "" })}
          columns={RESULT_COLUMNS}
        />
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
