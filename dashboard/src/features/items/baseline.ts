// What ranks an item when the model does not: the backend's fallback baselines, in words. The
// what-if page, the item's explanation and its rank-change panel all name them the same way.

/** What the backend's fallback baselines rank by (shared/ml/baselines.py FALLBACK_BASELINES). */
export const BASELINE_NAMES: Record<string, string> = {
  popularity: "units sold",
  popularity_in_stock: "units sold among items in stock",
  recent_velocity: "recent sales pace",
  recency_weighted: "recent sales, the newest counting most",
};

/** The model ranks a kind of data only where it beats the strongest baseline by this share (REQUIRED_LIFT). */
export const REQUIRED_LIFT = 0.1;

/**
 * A baseline, not the model, ranks the item. An answer without `ranked_by` comes from a backend
 * that ranked everything by the model.
 */
export function rankedByBaseline(rankedBy: string | null | undefined): rankedBy is string {
  return !!rankedBy && rankedBy !== "model";
}

/** A baseline as the seller reads it; one the dashboard does not know yet keeps its own name. */
export function baselineName(name: string): string {
  return BASELINE_NAMES[name] ?? name.replace(/_/g, " ");
}

/** A baseline's parts in the seller's words, by part ("span_0": "units sold in the last 24 h"). */
export function partWords(parts: readonly { part: string; words: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((parts ?? []).map((p) => [p.part, p.words]));
}
