// Inventory intelligence as a seller reads it: danger levels in words, capital at risk as
// bars, the change since yesterday, search filters in the address bar, decisions and risk.
import { LEVELS, type Decision, type DecisionOption, type DangerSummary, type InventoryRow, type Level, type PricePoint, type SearchFilters } from "./api";
import type { Bar } from "../analytics/analytics";
import { inr, int, pct } from "../../lib/format";

export const LEVEL_TEXT: Record<Level, string> = { EARLY: "Early", HIGH: "High", CRITICAL: "Critical" };

export const PAGE_SIZE = 25;

/** Capital at risk per store (one level, or all of them), largest first; stores with none left out. */
export function storeBars(summary: DangerSummary, level: Level | null): Bar[] {
  return summary.stores
    .map((s) => {
      const value = level ? s.capital_at_risk[level] : s.capital_at_risk_total;
      const items = level ? s.items[level] : s.items_in_danger;
      return { label: s.name || s.store_id, value, note: `${int(items)} ${items === 1 ? "item" : "items"}` };
    })
    .filter((b) => b.value > 0)
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}

/** The options a decision also considered, besides the recommended one, that recover capital. */
export function otherOptions(d: Decision): DecisionOption[] {
  return d.options.filter((o) => o.action !== d.recommended?.action && o.expected_recovery !== null);
}

/** "▲ ₹12,000 more than yesterday", "▼ ₹500 less", "No change", "New today" (no snapshot yesterday). */
export function changeText(amount: number, hadSnapshot: boolean, format: (v: number) => string = inr): { text: string; dir: "up" | "down" | "same" | "new" } {
  if (!hadSnapshot) return { text: "New since yesterday", dir: "new" };
  if (Math.abs(amount) < 0.5) return { text: "No change since yesterday", dir: "same" };
  return amount > 0
    ? { text: `▲ ${format(amount)} more than yesterday`, dir: "up" }
    : { text: `▼ ${format(-amount)} less than yesterday`, dir: "down" };
}

const isLevel = (v: string): v is Level => (LEVELS as readonly string[]).includes(v);
const list = (raw: string | null) => (raw ? raw.split(",").map((v) => v.trim()).filter(Boolean) : []);

/** The search filters kept in the address bar (shareable, back button works). */
export function filtersFrom(params: URLSearchParams): Required<Omit<SearchFilters, "page_size">> {
  const page = Number(params.get("page") ?? "1");
  return {
    query: params.get("q") ?? "",
    department: list(params.get("department")),
    store_id: params.get("store") ?? "",
    danger: list(params.get("danger")).map((v) => v.toUpperCase()).filter(isLevel),
    alert_only: params.get("alert_only") === "true",
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

export function paramsOf(f: Partial<Omit<SearchFilters, "page_size">>): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.query?.trim()) out.q = f.query.trim();
  if (f.department?.length) out.department = f.department.join(",");
  if (f.store_id) out.store = f.store_id;
  if (f.danger?.length) out.danger = f.danger.join(",");
  if (f.alert_only) out.alert_only = "true";
  if (f.page && f.page > 1) out.page = String(f.page);
  return out;
}

/** The drill-down from the store danger page to the store's items (at one level). */
export function drillDown(storeId: string, level: Level | null): string {
  const search = new URLSearchParams(paramsOf({ store_id: storeId, danger: level ? [level] : [...LEVELS] }));
  return `/inventory/search?${search.toString()}`;
}

export function pageInfo(page: number, pageSize: number, total: number): { first: number; last: number; pages: number; text: string } {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (total === 0) return { first: 0, last: 0, pages, text: "No items" };
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return { first, last, pages, text: `${int(first)}–${int(last)} of ${int(total)}` };
}

/** One option of a decision in words: "Mark down 20% to ₹1,600", "Move 5 units to Pune". */
export function optionText(o: DecisionOption): string {
  switch (o.action) {
    case "markdown":
      return o.markdown_pct !== undefined ? `Mark down ${o.markdown_pct}%${o.price !== undefined ? ` to ${inr(o.price)}` : ""}` : "Mark down";
    case "transfer":
      return o.to_store_id ? `Move ${int(o.units ?? 0)} ${o.units === 1 ? "unit" : "units"} to ${o.to_store_name || o.to_store_id}` : "Transfer";
    case "clearance":
      return "Clearance boost on the marketplaces";
  }
}

/** The recommended action, or why there is none. */
export function decisionText(d: Decision | null | undefined): { action: string; recovery: string | null } {
  if (!d || !d.recommended) {
    const reasons = (d?.options ?? []).map((o) => o.reason).filter(Boolean);
    return { action: reasons.length ? `No action recovers capital: ${reasons[0]}` : "No recommendation", recovery: null };
  }
  return { action: optionText(d.recommended), recovery: `${inr(d.expected_recovery)} expected back in 30 days` };
}

/** A risk score with its source, never an unlabelled number. */
export function riskText(row: Pick<InventoryRow, "risk" | "risk_source" | "danger" | "risk_model_version">): { value: string; label: string } {
  if (row.risk_source === "model" && row.risk !== null && row.risk !== undefined) {
    return { value: pct(row.risk, 0), label: `chance of no sale in 30 days (model${row.risk_model_version ? ` ${row.risk_model_version}` : ""})` };
  }
  return { value: row.danger ? LEVEL_TEXT[row.danger] : "Not in danger", label: "rules-based level (no risk model)" };
}

/**
 * Price history as a step line: each price from its valid_from, the last one carried to `now`.
 * x in epoch seconds; unreadable dates are skipped.
 */
export function priceSeries(history: PricePoint[], now: number = Date.now()): { x: number[]; y: number[] } {
  const points = history
    .map((p) => ({ t: Date.parse(p.valid_from) / 1000, price: p.price }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.price))
    .sort((a, b) => a.t - b.t);
  const x: number[] = [];
  const y: number[] = [];
  points.forEach((p, i) => {
    if (i > 0) {
      // the previous price holds until this one starts
      x.push(p.t - 1);
      y.push(points[i - 1].price);
    }
    x.push(p.t);
    y.push(p.price);
  });
  const end = Math.floor(now / 1000);
  if (points.length > 0 && end > x[x.length - 1]) {
    x.push(end);
    y.push(points[points.length - 1].price);
  }
  return { x, y };
}
