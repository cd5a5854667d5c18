// The Data quality page's logic: check names, values and severities in words, and the trend as
// chart series. Pure, so it is unit-tested without a browser.
import type { ChartSeries } from "../../lib/chartText";
import type { QualityCheck, QualityRun, QualityRunSummary } from "../../api/types";
import { int, marketplaceLabel, pct } from "../../lib/format";

export type Badge = "critical" | "warning" | "info" | "pass" | "skipped";

/** A failed check carries its severity; a passed or skipped one says so. */
export function badgeOf(check: Pick<QualityCheck, "status" | "severity">): Badge {
  if (check.status === "fail") return check.severity;
  return check.status === "skipped" ? "skipped" : "pass";
}

export const BADGE_TEXT: Record<Badge, string> = {
  critical: "Critical",
  warning: "Warning",
  info: "Info",
  pass: "Passed",
  skipped: "Skipped",
};

export const RUN_STATUS_TEXT: Record<QualityRun["status"], string> = {
  ok: "All checks passed",
  warning: "Warnings",
  critical: "Critical problem",
};

const NAMES: Record<string, string> = {
  completeness: "Completeness",
  accuracy: "Accuracy",
  sales_without_stock_movement: "Sales without stock movement",
  reserved_above_stock: "Reserved stock above stock",
  negative_derived_stock: "Negative derived stock",
  conflicting_prices: "Conflicting prices on one day",
  sales_anomalies: "Unusual daily sales",
};

const FILE_KINDS: Record<string, string> = { sales: "sales files", inventory: "inventory files", demand: "demand files", daily_update: "daily update workbooks" };

/** "timeliness:amazon" -> "Amazon"; "timeliness:file:sales" -> "sales files". */
export function sourceName(source: string): string {
  if (source.startsWith("file:")) {
    const kind = source.slice(5);
    return FILE_KINDS[kind] ?? `${kind} files`;
  }
  return marketplaceLabel(source);
}

export function checkName(name: string): string {
  if (name.startsWith("timeliness:")) return `Timeliness: ${sourceName(name.slice("timeliness:".length))}`;
  return NAMES[name] ?? name.replace(/_/g, " ");
}

const hours = (h: number) => `${h < 10 ? h.toFixed(1) : Math.round(h)} h`;
const plural = (n: number, one: string, many: string) => `${int(n)} ${n === 1 ? one : many}`;

/** The measured value in words: "85.0%", "30 h since the last data", "3 products". */
export function valueText(check: QualityCheck): string {
  if (check.status === "skipped" || check.value === null) return "Not measured";
  switch (check.category) {
    case "completeness":
    case "accuracy":
      return pct(check.value, 1);
    case "timeliness":
      return `${hours(check.value)} since the last data`;
    case "anomalies":
      return plural(check.value, "product", "products");
    default:
      return check.name === "reserved_above_stock" ? plural(check.value, "location", "locations") : plural(check.value, "product", "products");
  }
}

/** What the check expects: "at least 90.0%", "at most 24 h", "none". */
export function thresholdText(check: QualityCheck): string {
  if (check.threshold === null) return "";
  switch (check.category) {
    case "completeness":
    case "accuracy":
      return `at least ${pct(check.threshold, 1)}`;
    case "timeliness":
      return `at most ${hours(check.threshold)}`;
    default:
      return check.threshold === 0 ? "none" : `at most ${int(check.threshold)}`;
  }
}

/** One line of detail: what is missing or which products, from the check's `details`. */
export function detailText(check: QualityCheck): string {
  const d = check.details ?? {};
  if (check.status === "skipped") return typeof d.reason === "string" ? `Skipped: ${d.reason}.` : "Skipped.";
  const list = (items: unknown[], total?: number) => {
    const shown = items.slice(0, 5).map(String).join(", ");
    const more = (total ?? items.length) - Math.min(items.length, 5);
    return more > 0 ? `${shown} and ${int(more)} more` : shown;
  };
  switch (check.category) {
    case "completeness": {
      const expected = Number(d.expected ?? 0);
      const reported = Number(d.reported ?? 0);
      const missing = Array.isArray(d.missing) ? d.missing : [];
      const head = `${int(reported)} of ${int(expected)} product-locations reported for the day.`;
      return missing.length ? `${head} Missing: ${list(missing, expected - reported)}.` : head;
    }
    case "timeliness":
      return "";
    case "accuracy":
      return `${int(Number(d.valid ?? 0))} of ${int(Number(d.rows ?? 0))} rows valid in ${plural(Number(d.files ?? 0), "file", "files")} of the last 24 h.`;
    case "anomalies": {
      const items = Array.isArray(d.items) ? (d.items as { item_id: string; units: number; mean: number }[]) : [];
      if (!items.length) return "";
      return items
        .slice(0, 5)
        .map((a) => `${a.item_id}: ${int(a.units)} units against ${a.mean.toFixed(1)} a day`)
        .join("; ") + (items.length > 5 ? `; and ${int(items.length - 5)} more` : "") + ".";
    }
    default: {
      const items = Array.isArray(d.items) ? d.items : [];
      return items.length ? `${list(items, check.value ?? items.length)}.` : "";
    }
  }
}

/** The four groups the issue names, in its order, then anything newer. */
export const CATEGORY_ORDER = ["completeness", "timeliness", "accuracy", "consistency", "anomalies"] as const;
export const CATEGORY_TEXT: Record<string, string> = {
  completeness: "Completeness",
  timeliness: "Timeliness",
  accuracy: "Accuracy",
  consistency: "Consistency",
  anomalies: "Anomalies",
};

export function byCategory(results: QualityCheck[]): { category: string; checks: QualityCheck[] }[] {
  const known = new Set<string>(CATEGORY_ORDER);
  const order = [...CATEGORY_ORDER, ...new Set(results.map((r) => r.category).filter((c) => !known.has(c)))];
  return order.map((category) => ({ category, checks: results.filter((r) => r.category === category) })).filter((g) => g.checks.length > 0);
}

/** The trend: completeness and accuracy as percentages, and the failed checks per run. */
export function historyChart(runs: QualityRunSummary[]): { x: number[]; shares: ChartSeries[]; failures: ChartSeries[] } {
  const sorted = [...runs].sort((a, b) => Date.parse(a.finished_at) - Date.parse(b.finished_at));
  const x = sorted.map((r) => Math.floor(Date.parse(r.finished_at) / 1000));
  const share = (name: string) => sorted.map((r) => (typeof r.values[name] === "number" ? Math.round((r.values[name] as number) * 1000) / 10 : null));
  return {
    x,
    shares: [
      { label: "Completeness %", color: "#0f5ef7", values: share("completeness") },
      { label: "Accuracy %", color: "#0a7d3e", values: share("accuracy") },
    ],
    failures: [
      { label: "Critical", color: "#c62828", values: sorted.map((r) => r.failed?.critical ?? 0) },
      { label: "Warnings", color: "#b35c00", values: sorted.map((r) => r.failed?.warning ?? 0) },
    ],
  };
}

/** "import of 9f2c…", "daily run": what started a run. */
export function triggerText(trigger: string): string {
  if (trigger.startsWith("import:")) return `after import ${trigger.slice(7, 15)}`;
  if (trigger === "daily") return "daily run";
  return trigger;
}
