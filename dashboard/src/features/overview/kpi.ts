// KPIs that mean what they say: a ratio a marketplace does not send is "not sent", never 0,
// never over 100 % and never NaN.
import type { RatioFields, RatioKey } from "../../api/types";
import { marketplaceLabel, pct } from "../../lib/format";

/** "Amazon", "Amazon and Myntra", "Amazon, Myntra and Meesho". */
export function listNames(names: string[]): string {
  const labels = names.map(marketplaceLabel);
  if (labels.length <= 1) return labels.join("");
  return `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
}

/** "not sent by Amazon, Myntra and Meesho" (empty when every marketplace sends it). */
export function notSentBy(marketplaces: string[] | null | undefined): string {
  return marketplaces && marketplaces.length ? `not sent by ${listNames(marketplaces)}` : "";
}

/**
 * The line under a count card (views, clicks) that some marketplaces do not send. When none
 * sends it but the 24 h window still holds some (the demo feed ran earlier), say where they
 * came from rather than show a count next to "not sent".
 */
export function countNote(count: number, missing: string[], marketplaces: number): string {
  if (!missing.length) return "";
  if (missing.length >= marketplaces && count > 0) return `from the demo feed; ${notSentBy(missing)}`;
  return notSentBy(missing);
}

/** A 0..1 share shown to a seller: null for anything that is not a finite number, at most 1. */
export function share(value: number | null | undefined): number | null {
  if (value === null || value === undefined || typeof value !== "number" || !Number.isFinite(value)) return null;
  return Math.min(1, Math.max(0, value));
}

/** Is conversion Amazon's unit session percentage (units over glance views) only? */
export function isUnitSession(basis: string[] | null | undefined): boolean {
  return !!basis && basis.length > 0 && basis.every((b) => b === "units/views");
}

export interface RatioView {
  /** The figure: "3.45%", or "Not sent" when no marketplace sends the inputs. */
  text: string;
  /** The clamped share, or null. */
  value: number | null;
  /** Card label: "Conversion", "Unit session %", "CTR". */
  label: string;
  /** What the ratio is computed from, in words. */
  hint: string;
  /** "not sent by Myntra and Meesho" when some marketplaces are left out, else "". */
  note: string;
}

const BASIS_WORDS: Record<string, string> = {
  "orders/clicks": "orders ÷ clicks",
  "units/views": "units ÷ page views (unit session %)",
  "clicks/views": "clicks ÷ views",
};

/** How a KPI block's conversion or CTR is shown. */
export function ratioView(block: Partial<RatioFields> | null | undefined, key: RatioKey): RatioView {
  const value = share(block?.[key]);
  const basis = (key === "conversion_rate" ? block?.conversion_rate_basis : block?.ctr_basis) ?? [];
  const missing = block?.not_sent?.[key] ?? [];
  let label: string;
  if (key === "ctr") label = "CTR";
  else label = isUnitSession(basis) ? "Unit session %" : "Conversion";
  const defaultHint = key === "ctr" ? "clicks ÷ views" : "orders ÷ clicks";
  const hint = basis.length ? basis.map((b) => BASIS_WORDS[b] ?? b.replace("/", " ÷ ")).join("; ") : defaultHint;
  return {
    text: value === null ? "Not sent" : pct(value),
    value,
    label,
    hint,
    note: notSentBy(missing),
  };
}

/**
 * An item's conversion over a window, orders ÷ clicks: "—" without clicks, and "n/a" when there
 * are more orders than clicks (orders arrive that no click preceded, as in live mode), so the
 * column never reads above 100 %.
 */
export function windowConversion(orders: number | null | undefined, clicks: number | null | undefined): string {
  if (!clicks || !Number.isFinite(clicks) || clicks <= 0) return "—";
  const ratio = (orders ?? 0) / clicks;
  if (!Number.isFinite(ratio)) return "—";
  return ratio > 1 ? "n/a" : pct(ratio);
}
