import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { LEVELS, inventory, type DangerSummary, type DecisionRow, type Level, type StoreDanger } from "./api";
import { BarChart } from "../analytics/BarChart";
import { DangerBadge } from "./DangerBadge";
import { InventoryNav } from "./InventoryNav";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { inr, int } from "../../lib/format";
import { LEVEL_TEXT, changeText, decisionText, drillDown, optionText, otherOptions, storeBars } from "./inventory";
import { useRole } from "../../lib/role";
import { useAction } from "../../lib/useAction";
import { useApi } from "../../lib/useApi";
import { Table, type Column } from "../../ui/Table";
import "./inventory.css";

const DECISIONS_LIMIT = 50;

function Change({ amount, hadSnapshot, testId }: { amount: number; hadSnapshot: boolean; testId: string }) {
  const c = changeText(amount, hadSnapshot);
  return (
    <span className={`change change-${c.dir}`} data-testid={testId} data-dir={c.dir} data-value={amount}>
      {c.text}
    </span>
  );
}

function StoresTable({ stores }: { stores: StoreDanger[] }) {
  const name = (s: StoreDanger) => s.name || s.store_id;
  return (
    <Table
      testId="danger-stores"
      caption="Capital at risk by store and danger level; each amount opens the items"
      rows={stores}
      rowKey={(s) => s.store_id}
      rowTestId="danger-store-row"
      rowAttrs={(s) => ({ "data-store-id": s.store_id, "data-capital": s.capital_at_risk_total, "data-items": s.items_in_danger })}
      columns={[
        {
          key: "store",
          header: "Store",
          rowHeader: true,
          className: "row-head",
          cell: (s) => (
            <>
              {name(s)}
              {s.name && s.name !== s.store_id ? <span className="block small muted">{s.store_id}</span> : null}
            </>
          ),
        },
        ...LEVELS.map(
          (l): Column<StoreDanger> => ({
            key: l,
            header: LEVEL_TEXT[l],
            num: true,
            cell: (s) => (
              <Link to={drillDown(s.store_id, l)} data-testid={`danger-cell-${l}`} data-value={s.capital_at_risk[l]} data-items={s.items[l]}>
                {inr(s.capital_at_risk[l])}
                <span className="block small muted">
                  {int(s.items[l])} {s.items[l] === 1 ? "item" : "items"}
                  <span className="visually-hidden"> {LEVEL_TEXT[l].toLowerCase()} at {name(s)}</span>
                </span>
              </Link>
            ),
          }),
        ),
        {
          key: "total",
          header: "At risk",
          num: true,
          className: "strong",
          attrs: () => ({ "data-testid": "danger-store-total" }),
          cell: (s) => (
            <>
              {inr(s.capital_at_risk_total)}
              <span className="block small muted">{int(s.items_in_danger)} of {int(s.items_total)} items</span>
            </>
          ),
        },
        {
          key: "change",
          header: "Since yesterday",
          cell: (s) => <Change amount={s.change_since_yesterday.capital_at_risk} hadSnapshot={s.change_since_yesterday.had_snapshot} testId="danger-store-change" />,
        },
        {
          key: "items",
          header: <span className="visually-hidden">Items</span>,
          label: null,
          className: "actions-cell",
          cell: (s) => (
            <Link className="btn btn-small" to={drillDown(s.store_id, null)} data-testid="danger-store-items">
              Items<span className="visually-hidden"> in danger at {name(s)}</span>
            </Link>
          ),
        },
      ]}
    />
  );
}

function ClearanceButton({ row, day, onDone }: { row: DecisionRow; day: string | null; onDone: (text: string) => void }) {
  const { busy, error, run } = useAction();
  if (row.clearance_rule_id) {
    return (
      <span className="small" data-testid="clearance-active">
        Clearance boost on: rule <code>{row.clearance_rule_id}</code>
      </span>
    );
  }
  const boost = () =>
    run(
      () => inventory.clearance(row.item_id, row.store_id, day),
      (result) => onDone(`${result.created ? "Created" : "Already on:"} clearance boost rule ${result.rule.id} for ${row.title || row.item_id}.`),
    );
  return (
    <>
      <button type="button" className="btn btn-small" onClick={() => void boost()} disabled={busy} data-testid="clearance-boost">
        Boost clearance<span className="visually-hidden"> of {row.title || row.item_id} at {row.store_name || row.store_id}</span>
      </button>
      {error ? <ErrorBox error={error} testId="clearance-error" /> : null}
    </>
  );
}

function Decisions({ storeId, day }: { storeId: string | null; day: string | null }) {
  const { isAdmin } = useRole();
  const state = useApi((signal) => inventory.decisions({ store_id: storeId ?? undefined, limit: DECISIONS_LIMIT }, signal), [storeId]);
  const [done, setDone] = useState<string | null>(null);
  const rows = state.data?.decisions ?? [];
  return (
    <section className="panel" aria-labelledby="decisions-title" data-testid="decisions">
      <div className="panel-head">
        <h2 id="decisions-title">What to do{storeId ? ` at ${storeId}` : ""}</h2>
        {state.data ? (
          <span className="small muted" data-testid="decisions-recovery" data-value={state.data.expected_recovery}>
            {inr(state.data.expected_recovery)} expected back in 30 days if all are followed
          </span>
        ) : null}
      </div>
      {done ? (
        <p className="ok" role="status" data-testid="clearance-done">{done}</p>
      ) : null}
      {state.error ? <ErrorBox error={state.error} onRetry={state.reload} /> : null}
      {!state.data && state.loading ? <Loading label="Loading recommendations…" /> : null}
      {state.data && rows.length === 0 ? <Empty testId="decisions-empty">No item in danger has a recommendation.</Empty> : null}
      {rows.length > 0 ? (
        <Table
          className="compact"
          testId="decisions-table"
          caption="Recommended action per item in danger, by capital expected back"
          rows={rows}
          rowKey={(r) => r.id}
          rowTestId="decision-row"
          rowAttrs={(r) => ({ "data-item-id": r.item_id, "data-store-id": r.store_id, "data-action": r.decision.action ?? "" })}
          columns={[
            {
              key: "item",
              header: "Item",
              rowHeader: true,
              className: "row-head",
              cell: (r) => <Link to={`/inventory/item/${encodeURIComponent(r.item_id)}`}>{r.title || r.item_id}</Link>,
            },
            { key: "store", header: "Store", cell: (r) => r.store_name || r.store_id },
            { key: "level", header: "Level", cell: (r) => <DangerBadge level={r.danger} /> },
            { key: "capital", header: "Capital", num: true, cell: (r) => inr(r.capital) },
            {
              key: "recommended",
              header: "Recommended",
              attrs: () => ({ "data-testid": "decision-action" }),
              cell: (r) => (
                <span className="cell-stack">
                  {decisionText(r.decision).action}
                  {r.decision.recommended && otherOptions(r.decision).length > 0 ? (
                    <span className="block small muted">
                      Also considered: {otherOptions(r.decision).map((o) => `${optionText(o)} (${inr(o.expected_recovery)})`).join("; ")}
                    </span>
                  ) : null}
                </span>
              ),
            },
            {
              key: "recovery",
              header: "Expected back",
              num: true,
              attrs: (r) => ({ "data-testid": "decision-recovery", "data-value": r.decision.expected_recovery }),
              cell: (r) => (decisionText(r.decision).recovery ? inr(r.decision.expected_recovery) : "—"),
            },
            isAdmin && {
              key: "actions",
              header: <span className="visually-hidden">Actions</span>,
              label: null,
              className: "actions-cell",
              cell: (r) =>
                r.decision.options.some((o) => o.action === "clearance" && o.expected_recovery !== null) || r.clearance_rule_id ? (
                  <ClearanceButton
                    row={r}
                    day={state.data?.day ?? day}
                    onDone={(t) => {
                      setDone(t);
                      state.reload();
                    }}
                  />
                ) : null,
            },
          ]}
        />
      ) : null}
      {!isAdmin ? <p className="small muted" data-testid="decisions-readonly">A clearance boost is created by an admin.</p> : null}
    </section>
  );
}

function SummaryView({ data }: { data: DangerSummary }) {
  const [params, setParams] = useSearchParams();
  const raw = params.get("level");
  const level = raw && (LEVELS as readonly string[]).includes(raw) ? (raw as Level) : null;
  const storeId = params.get("store");
  const bars = useMemo(() => storeBars(data, level), [data, level]);
  const departments = useMemo(
    () => data.by_department.filter((d) => d.capital_at_risk_total > 0).map((d) => ({ label: d.department || "(none)", value: d.capital_at_risk_total, note: `${int(d.items_in_danger)} items` })),
    [data],
  );
  const totals = data.totals ?? { capital_at_risk: 0, items_in_danger: 0 };
  const change = data.stores.reduce((sum, s) => sum + s.change_since_yesterday.capital_at_risk, 0);
  const setLevel = (l: Level | null) => {
    const next = new URLSearchParams(params);
    if (l) next.set("level", l);
    else next.delete("level");
    setParams(next, { replace: true });
  };
  return (
    <>
      <dl className="facts panel" data-testid="danger-totals">
        <div>
          <dt>Capital at risk</dt>
          <dd data-testid="danger-total-capital" data-value={totals.capital_at_risk}>{inr(totals.capital_at_risk)}</dd>
        </div>
        <div>
          <dt>Items in danger</dt>
          <dd data-testid="danger-total-items" data-value={totals.items_in_danger}>{int(totals.items_in_danger)}</dd>
        </div>
        <div>
          <dt>Since yesterday</dt>
          <dd><Change amount={change} hadSnapshot={data.stores.some((s) => s.change_since_yesterday.had_snapshot)} testId="danger-total-change" /></dd>
        </div>
        <div>
          <dt>Counted on</dt>
          <dd data-testid="danger-day">{data.day}</dd>
        </div>
      </dl>
      <section className="panel" aria-labelledby="danger-chart-title">
        <div className="panel-head">
          <h2 id="danger-chart-title">Capital at risk by store{level ? `: ${LEVEL_TEXT[level]}` : ""}</h2>
        </div>
        <div className="segmented" role="group" aria-label="Danger level">
          {[null, ...LEVELS].map((l) => (
            <button key={l ?? "all"} type="button" className={l === level ? "on" : ""} aria-pressed={l === level} onClick={() => setLevel(l)} data-testid={`danger-level-${l ?? "all"}`}>
              {l ? LEVEL_TEXT[l] : "All levels"}
            </button>
          ))}
        </div>
        <BarChart bars={bars} format={inr} title={`Capital at risk by store${level ? `, ${LEVEL_TEXT[level]} level` : ""}`} testId="danger-chart" />
      </section>
      <StoresTable stores={data.stores} />
      <div className="store-filter">
        <label className="field">
          Recommendations for
          <select value={storeId ?? ""} onChange={(e) => {
            const next = new URLSearchParams(params);
            if (e.currentTarget.value) next.set("store", e.currentTarget.value);
            else next.delete("store");
            setParams(next, { replace: true });
          }} data-testid="decisions-store">
            <option value="">Every store</option>
            {data.stores.map((s) => (
              <option key={s.store_id} value={s.store_id}>{s.name || s.store_id}</option>
            ))}
          </select>
        </label>
      </div>
      <Decisions storeId={storeId} day={data.day} />
      {departments.length > 0 ? (
        <section className="panel" aria-labelledby="danger-dept-title">
          <div className="panel-head"><h2 id="danger-dept-title">By department</h2></div>
          <BarChart bars={departments} format={inr} title="Capital at risk by department" testId="danger-dept-chart" />
        </section>
      ) : null}
    </>
  );
}

export function StoreDangerPage() {
  const state = useApi((signal) => inventory.summary(signal), []);
  return (
    <div className="page" data-testid="page-inventory">
      <div className="page-head">
        <h1>Inventory at risk</h1>
        <button type="button" className="btn" onClick={state.reload} data-testid="danger-refresh">Refresh</button>
      </div>
      <InventoryNav />
      <p className="lead">
        Stock that has not sold ties up capital. Each item is at a danger level (early, high, critical) by the days since it last sold,
        one level higher when it holds too many days of cover; capital is units × cost (the price, or the MRP when no cost is known).
        Counted once a day by the daily job.
      </p>
      {state.error ? <ErrorBox error={state.error} onRetry={state.reload} /> : null}
      {!state.data && state.loading ? <Loading label="Loading the store danger summary…" /> : null}
      {state.data && state.data.day === null ? (
        <Empty testId="danger-empty">
          No daily count yet: the daily job has not run. <Link to="/alerts">Run it from the Alerts page.</Link>
        </Empty>
      ) : null}
      {state.data && state.data.day !== null ? <SummaryView data={state.data} /> : null}
    </div>
  );
}
