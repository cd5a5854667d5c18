// Pure helpers of the Analytics and Analyst pages: tables to records, date ranges, chart inputs.
import type { ApiError } from "../../api/client";
import type { Cell, ChartKind, DateRange, Granularity, Table } from "./api";

export type Row = Record<string, Cell>;

/** Rows as objects keyed by column name. */
export function records(table: Table | null | undefined): Row[] {
  if (!table) return [];
  return table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i] ?? null])));
}

/** A cell as a number; anything that is not a finite number is null. */
export function num(cell: Cell | undefined): number | null {
  return typeof cell === "number" && Number.isFinite(cell) ? cell : null;
}

/** The lake job has not published gold tables yet: an empty state, not an error. */
export function lakeIsEmpty(error: ApiError | null | undefined): boolean {
  return !!error && error.status === 503 && error.code === "lake_empty";
}

const DAY_MS = 86_400_000;
const IST_MS = 330 * 60_000;

/** The IST calendar day of a moment, as YYYY-MM-DD. */
export function istDay(epochMs: number): string {
  return new Date(epochMs + IST_MS).toISOString().slice(0, 10);
}

/** The API's default: the last 30 IST days, today included. */
export function defaultRange(nowMs: number): DateRange {
  return { start: istDay(nowMs - 29 * DAY_MS), end: istDay(nowMs) };
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Why a range cannot be asked for, in words; null when it can. */
export function rangeProblem(range: DateRange): string | null {
  const valid = (d: string) => ISO_DAY.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));
  if (!valid(range.start)) return "Choose a start date.";
  if (!valid(range.end)) return "Choose an end date.";
  if (range.start > range.end) return "The start date must not be after the end date.";
  const days = (Date.parse(`${range.end}T00:00:00Z`) - Date.parse(`${range.start}T00:00:00Z`)) / DAY_MS;
  if (days > 3660) return "The range may span at most ten years.";
  return null;
}

/** A revenue period ("2026-11-03" or "2026-11") as epoch seconds of its first IST midnight. */
export function periodEpoch(period: string, granularity: Granularity): number {
  const day = granularity === "monthly" ? `${period}-01` : period;
  return (Date.parse(`${day}T00:00:00Z`) - IST_MS) / 1000;
}

export interface RevenueSeries {
  x: number[];
  periods: string[];
  revenue: number[];
  orders: number[];
  totals: { revenue: number; gross_revenue: number; orders: number; units: number; cancelled_lines: number };
}

/** The revenue table as chart columns and its totals (in paise-safe rupees, to 2 decimals). */
export function revenueSeries(table: Table, granularity: Granularity): RevenueSeries {
  const rows = records(table);
  const sum = (key: string) => rows.reduce((acc, r) => acc + (num(r[key]) ?? 0), 0);
  return {
    x: rows.map((r) => periodEpoch(String(r.period), granularity)),
    periods: rows.map((r) => String(r.period)),
    revenue: rows.map((r) => num(r.revenue) ?? 0),
    orders: rows.map((r) => num(r.orders) ?? 0),
    totals: {
      revenue: Math.round(sum("revenue") * 100) / 100,
      gross_revenue: Math.round(sum("gross_revenue") * 100) / 100,
      orders: sum("orders"),
      units: sum("units"),
      cancelled_lines: sum("cancelled_lines"),
    },
  };
}

export interface Bar {
  label: string;
  value: number;
  /** Said after the value (a share, a count). */
  note?: string;
}

/**
 * Bars from a table: one per row, labelled by one column and measured by another; largest
 * first, or in the table's own order (months, weekdays) with ``keepOrder``.
 */
export function barsOf(table: Table | null | undefined, labelColumn: string, valueColumn: string, note?: (row: Row) => string | undefined, keepOrder = false): Bar[] {
  const bars = records(table).map((r) => {
    const bar: Bar = { label: r[labelColumn] === null ? "unknown" : String(r[labelColumn]), value: num(r[valueColumn]) ?? 0 };
    const said = note?.(r);
    if (said) bar.note = said;
    return bar;
  });
  return keepOrder ? bars : bars.sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}

/** The bars in words: every bar's value, so nothing depends on seeing or hovering. */
export function describeBars(bars: Bar[], format: (value: number) => string): string {
  if (bars.length === 0) return "No data.";
  return bars.map((b) => `${b.label}: ${format(b.value)}${b.note ? ` (${b.note})` : ""}`).join("; ") + ".";
}

export interface RfmGrid {
  /** Recency score, 5 (most recent) first. */
  recency: number[];
  frequency: number[];
  /** counts[i][j]: customers with recency recency[i] and frequency frequency[j]. */
  counts: number[][];
  max: number;
  total: number;
}

/** The R x F quintile grid, every cell present (0 where the API has no row). */
export function rfmGrid(table: Table | null | undefined): RfmGrid {
  const recency = [5, 4, 3, 2, 1];
  const frequency = [1, 2, 3, 4, 5];
  const counts = recency.map(() => frequency.map(() => 0));
  for (const r of records(table)) {
    const i = recency.indexOf(num(r.r) ?? 0);
    const j = frequency.indexOf(num(r.f) ?? 0);
    if (i >= 0 && j >= 0) counts[i][j] += num(r.customers) ?? 0;
  }
  const flat = counts.flat();
  return { recency, frequency, counts, max: Math.max(0, ...flat), total: flat.reduce((a, b) => a + b, 0) };
}

/** A cell's background: deeper blue for more customers, light enough for dark text (AA). */
export function heat(count: number, max: number): string {
  if (max <= 0 || count <= 0) return "rgb(250, 251, 252)";
  const t = count / max;
  // From #eef3ff to #9dbbff: dark text (#1b2230) stays above 7:1 on both ends.
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(238, 157)}, ${mix(243, 187)}, ${mix(255, 255)})`;
}

/** The minimum support as typed: a number from 0.001 to 1, or why not. */
export function parseMinSupport(text: string): { value: number } | { error: string } {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value)) return { error: "Enter a number, such as 0.01 (1% of baskets)." };
  if (value < 0.001 || value > 1) return { error: "Minimum support must be between 0.001 and 1." };
  return { value };
}

/** Order lines without a buyer identity (Amazon never sends one): what customer analytics leave out. */
export function withoutCustomer(table: Table | null | undefined): { lines: number; revenue: number; byMarketplace: { marketplace: string; lines: number }[] } {
  const rows = records(table);
  return {
    lines: rows.reduce((a, r) => a + (num(r.order_lines) ?? 0), 0),
    revenue: rows.reduce((a, r) => a + (num(r.revenue) ?? 0), 0),
    byMarketplace: rows.map((r) => ({ marketplace: String(r.marketplace), lines: num(r.order_lines) ?? 0 })),
  };
}

/** A festival season as sellers say it; "none" is the baseline. */
export function seasonLabel(season: string): string {
  if (season === "none") return "Normal days (baseline)";
  if (season === "end_of_season_sale") return "End-of-season sale";
  if (season === "eid") return "Eid";
  return season.charAt(0).toUpperCase() + season.slice(1);
}

/** A result cell as text in a table. */
export function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return "—";
  if (typeof cell === "object") return JSON.stringify(cell);
  return String(cell);
}

export type ResultChart =
  | { kind: "bar"; label: string; value: string; bars: Bar[] }
  | { kind: "line"; label: string; value: string; x: number[]; values: number[] }
  | null;

const DATE_LIKE = /^\d{4}-\d{2}(-\d{2})?$/;

/**
 * What to draw for a query result: the first text column against the first numeric one.
 * A line when the model asks for one and the labels are days or months; bars otherwise
 * (at most 30); nothing when the result has no label and value columns or is a single row.
 */
export function resultChart(columns: string[], rows: Cell[][], kind: ChartKind | undefined): ResultChart {
  if (kind === "table" || rows.length < 2) return null;
  const numeric = columns.findIndex((_, i) => rows.every((r) => r[i] === null || typeof r[i] === "number") && rows.some((r) => typeof r[i] === "number"));
  const label = columns.findIndex((_, i) => i !== numeric && rows.every((r) => typeof r[i] === "string" || typeof r[i] === "number" || r[i] === null));
  if (numeric < 0 || label < 0) return null;
  const labels = rows.map((r) => cellText(r[label]));
  const values = rows.map((r) => num(r[numeric]) ?? 0);
  if (kind === "line" && labels.every((l) => DATE_LIKE.test(l))) {
    const granularity: Granularity = labels[0].length === 7 ? "monthly" : "daily";
    const points = labels.map((l, i) => [periodEpoch(l, granularity), values[i]] as const).sort((a, b) => a[0] - b[0]);
    return { kind: "line", label: columns[label], value: columns[numeric], x: points.map((p) => p[0]), values: points.map((p) => p[1]) };
  }
  const bars = labels.map((l, i) => ({ label: l, value: values[i] })).slice(0, 30);
  return { kind: "bar", label: columns[label], value: columns[numeric], bars };
}

/** The guard's refusal and the other 400s of a query, as the console shows them. */
export function queryProblem(error: ApiError): { title: string; message: string } {
  if (error.code === "query_refused") return { title: "Refused", message: error.message };
  if (error.code === "query_timeout") return { title: "Too slow", message: error.message };
  if (error.code === "query_failed") return { title: "The query failed", message: error.message };
  return { title: `Request failed (${error.status === 0 ? "network error" : error.status})`, message: error.code ? `${error.code}: ${error.message}` : error.message };
}
