// Shapes and calls of the analytics KPIs (/api/analytics/*) and the analyst (/api/analyst/*).
import { query, request } from "../../api/client";

export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };

/** A result as the lake's SQL returns it: column names and rows of values in that order. */
export interface Table {
  columns: string[];
  rows: Cell[][];
}

/** Every answer names the lake run it was computed from; date-ranged ones their IST days. */
export interface Answer {
  lake_version: string;
  start?: string;
  end?: string;
}

export type Granularity = "daily" | "monthly";
export interface DateRange {
  start: string;
  end: string;
}

export interface RevenueAnswer extends Answer, Table {
  granularity: Granularity;
}

export interface DeliveryOverall {
  lines: number;
  shipped: number;
  delivered: number;
  rto: number;
  returned: number;
  median_hours_to_ship: number | null;
  median_hours_to_deliver: number | null;
  on_time_share: number | null;
  rto_rate: number | null;
}

export interface DeliveryAnswer extends Answer {
  overall: DeliveryOverall;
  by_state: Table;
  promise_days: number;
}

export interface SeasonalAnswer extends Answer {
  by_month: Table;
  by_weekday: Table;
  by_festival: Table;
}

export interface SegmentsAnswer extends Answer {
  segments: Table;
  grid: Table;
  /** Order lines without a buyer (Amazon): in sales, never in customer analytics. */
  without_customer: Table;
}

export interface Itemset {
  items: string[];
  support: number;
}

export interface BasketRule {
  antecedents: string[];
  consequents: string[];
  support: number;
  confidence: number;
  lift: number;
}

export interface BasketAnswer extends Answer {
  min_support: number;
  baskets: number;
  itemsets: Itemset[];
  rules: BasketRule[];
}

export interface CustomerValue {
  customer_key: string;
  repeat_purchases: number;
  p_alive: number;
  expected_purchases: number;
  expected_value: number;
}

export interface ClvAnswer extends Answer {
  fitted: boolean;
  reason?: string;
  customers: number;
  horizon_days?: number;
  expected_value_total?: number;
  expected_purchases_total?: number;
  top?: CustomerValue[];
  without_customer?: Table;
}

export type ChartKind = "bar" | "line" | "table" | "grid";

export interface QueryAnswer extends Table {
  sql: string;
  truncated: boolean;
  question?: string;
  chart?: ChartKind;
}

export interface GoldTable {
  table: string;
  columns: { name: string; type: string }[];
}

export interface AnalystSchema {
  ask_enabled: boolean;
  tables: GoldTable[];
  examples: { question: string; sql: string }[];
}

const get = <T>(path: string, params: Record<string, string | number | undefined>, signal?: AbortSignal) =>
  request<T>("GET", `/api/analytics/${path}${query(params)}`, undefined, signal);

export const analytics = {
  revenue: (range: DateRange, granularity: Granularity, signal?: AbortSignal) => get<RevenueAnswer>("revenue", { ...range, granularity }, signal),
  byPlace: (place: "city" | "state", range: DateRange, signal?: AbortSignal) => get<Answer & Table>(`sales-by-${place}`, { ...range }, signal),
  topProducts: (range: DateRange, limit: number, signal?: AbortSignal) => get<Answer & Table>("top-products", { ...range, limit }, signal),
  turnover: (range: DateRange, signal?: AbortSignal) => get<Answer & Table>("inventory-turnover", { ...range }, signal),
  delivery: (range: DateRange, signal?: AbortSignal) => get<DeliveryAnswer>("delivery", { ...range }, signal),
  seasonal: (range: DateRange, signal?: AbortSignal) => get<SeasonalAnswer>("seasonal", { ...range }, signal),
  segments: (signal?: AbortSignal) => get<SegmentsAnswer>("customers/segments", {}, signal),
  basket: (minSupport: number, signal?: AbortSignal) => get<BasketAnswer>("basket", { min_support: minSupport }, signal),
  clv: (limit: number, signal?: AbortSignal) => get<ClvAnswer>("clv", { limit }, signal),
  schema: (signal?: AbortSignal) => request<AnalystSchema>("GET", "/api/analyst/schema", undefined, signal),
  sql: (sql: string) => request<QueryAnswer>("POST", "/api/analyst/sql", { sql }),
  ask: (question: string) => request<QueryAnswer>("POST", "/api/analyst/ask", { question }),
};
