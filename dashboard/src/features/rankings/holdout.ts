// The Rankings page's holdout check: GET /api/ranking/holdout, the current model against the
// baselines on the seller's own last 14 days (shared/ml/holdout_report.py says how it is scored).
import { request } from "../../api/client";

export type RankerName = "model" | "popularity" | "popularity_in_stock" | "recent_velocity" | "recency_weighted";

export interface HoldoutKind {
  kind: string;
  label: string;
  products: number;
  selling_products: number;
  units_sold: number;
  /** What ranks this kind of product in production: "model" or a baseline. */
  ranked_by: string | string[];
  status: "ok" | "not_enough_sales";
  ndcg: Record<RankerName, number> | null;
  strongest_baseline?: RankerName;
  lift?: number | null;
  winner: RankerName | null;
  verdict: string;
}

export interface HoldoutReport {
  window: { from: string; to: string; days: number };
  model_version: string;
  mode: string;
  measure: string;
  min_units: number;
  min_selling_products: number;
  status: "ok" | "not_enough_sales" | "not_enough_history";
  products?: number;
  units_sold?: number;
  verdict: string;
  kinds: HoldoutKind[];
}

/** The panel's id on the Rankings page: the item page links to it. */
export const HOLDOUT_ANCHOR = "holdout";

export const holdoutReport = (signal?: AbortSignal) => request<HoldoutReport>("GET", "/api/ranking/holdout", undefined, signal);

export const RANKER_LABELS: Record<RankerName, string> = {
  model: "The model",
  popularity: "Popularity",
  popularity_in_stock: "In-stock popularity",
  recent_velocity: "Recent velocity",
  recency_weighted: "Recency-weighted sales",
};

const DAY = 86_400_000;
const dayFormat = new Intl.DateTimeFormat("en-IN", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

/** The window's first and last days: ``to`` is the midnight after the last day. */
export function windowText(window: HoldoutReport["window"]): string {
  const last = new Date(Date.parse(window.to) - DAY);
  return `${dayFormat.format(new Date(window.from))} – ${dayFormat.format(last)} (${window.days} days)`;
}

/** The model first, then the baselines best first; the winner marked. */
export function holdoutRows(kind: HoldoutKind): { name: RankerName; label: string; ndcg: string; winner: boolean }[] {
  if (!kind.ndcg) return [];
  const ndcg = kind.ndcg;
  const names = (Object.keys(ndcg) as RankerName[]).filter((n) => n !== "model").sort((a, b) => ndcg[b] - ndcg[a]);
  return (["model", ...names] as RankerName[]).map((name) => ({ name, label: RANKER_LABELS[name] ?? name, ndcg: ndcg[name].toFixed(3), winner: kind.winner === name }));
}

/** "+12.5% over recent velocity" / "−8.0% against recency-weighted sales". */
export function liftText(kind: HoldoutKind): string | null {
  if (kind.lift == null || !kind.strongest_baseline) return null;
  const pct = `${kind.lift >= 0 ? "+" : "−"}${Math.abs(kind.lift * 100).toFixed(1)}%`;
  const against = (RANKER_LABELS[kind.strongest_baseline] ?? kind.strongest_baseline).toLowerCase();
  return `The model ${pct} ${kind.lift >= 0 ? "over" : "against"} ${against}`;
}

/** "12 of 40 products sold 310 units". */
export function sampleText(kind: HoldoutKind): string {
  const units = `${kind.units_sold} unit${kind.units_sold === 1 ? "" : "s"}`;
  return `${kind.selling_products} of ${kind.products} products sold ${units}`;
}

export function rankedByText(kind: HoldoutKind): string {
  const by = Array.isArray(kind.ranked_by) ? kind.ranked_by : [kind.ranked_by];
  return `Ranked in production by ${by.map((b) => (RANKER_LABELS[b as RankerName] ?? b).toLowerCase()).join(" and ")}`;
}
