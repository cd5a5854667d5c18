// Shapes and calls of inventory intelligence (/api/inventory/*, /api/ml/*, /api/products/price),
// the daily job (/api/jobs*) and the WhatsApp alerts (/api/alerts*, /api/whatsapp/*).
import { query, request } from "../../api/client";

export const LEVELS = ["EARLY", "HIGH", "CRITICAL"] as const;
export type Level = (typeof LEVELS)[number];
export type ByLevel<T> = Record<Level, T>;

export interface StoreChange {
  capital_at_risk: number;
  items_in_danger: number;
  by_level: ByLevel<number>;
  /** False when there was no snapshot of this store yesterday: the change is from nothing. */
  had_snapshot: boolean;
}

export interface StoreDanger {
  store_id: string;
  name: string | null;
  capital_at_risk: ByLevel<number>;
  capital_at_risk_total: number;
  items: ByLevel<number>;
  items_in_danger: number;
  items_total: number;
  capital_total: number;
  change_since_yesterday: StoreChange;
}

export interface GroupDanger {
  capital_at_risk: ByLevel<number>;
  capital_at_risk_total: number;
  items_in_danger: number;
  department?: string;
  category?: string;
}

export interface DangerSummary {
  day: string | null;
  previous_day: string | null;
  levels?: Level[];
  stores: StoreDanger[];
  by_department: GroupDanger[];
  by_category: GroupDanger[];
  totals?: { capital_at_risk: number; items_in_danger: number };
  message?: string;
}

export interface RiskReason {
  feature: string;
  value: number | null;
  contribution: number;
  effect: string;
}

export interface InventoryRow {
  id: string;
  day: string;
  store_id: string;
  store_name: string | null;
  item_id: string;
  title: string | null;
  style_code: string | null;
  category: string | null;
  department: string | null;
  image: string | null;
  units: number;
  unit_value: number | null;
  capital: number;
  days_active: number | null;
  aging_bucket: string | null;
  days_since_sale: number | null;
  days_of_cover: number | null;
  danger: Level | null;
  previous_danger: Level | null;
  level_changed: boolean;
  risk: number | null;
  risk_source: "model" | "rules" | null;
  risk_model_version?: string | null;
  risk_reasons?: RiskReason[] | null;
  decision?: Decision | null;
  clearance_rule_id?: string | null;
}

export interface SearchFilters {
  query?: string;
  department?: string[];
  store_id?: string;
  danger?: Level[];
  alert_only?: boolean;
  page?: number;
  page_size?: number;
}

export interface SearchPage {
  day: string | null;
  page: number;
  page_size: number;
  total: number;
  items: InventoryRow[];
}

export interface PricePoint {
  price: number;
  valid_from: string;
  valid_to: string | null;
}

export interface ProductDetail {
  item_id: string;
  title: string | null;
  category: string | null;
  department: string | null;
  style_code: string | null;
  image: string | null;
  marketplace: string | null;
  current_price: number | null;
  mrp: number | null;
  stock: number | null;
  days_active: number | null;
  last_sale_at: string | null;
  price_history: PricePoint[];
  day: string | null;
  stores: InventoryRow[];
}

export type Action = "markdown" | "transfer" | "clearance";

export interface DecisionOption {
  action: Action;
  expected_recovery: number | null;
  reason?: string;
  markdown_pct?: number;
  price?: number;
  rank?: number | null;
  current_rank?: number | null;
  sell_share?: number;
  to_store_id?: string;
  to_store_name?: string;
  units?: number;
  rule?: Record<string, unknown>;
}

export interface Decision {
  action: Action | null;
  expected_recovery: number;
  capital: number;
  recommended: DecisionOption | null;
  options: DecisionOption[];
  basis: string | null;
}

export interface DecisionRow {
  id: string;
  store_id: string;
  store_name: string | null;
  item_id: string;
  title: string | null;
  category: string | null;
  image: string | null;
  units: number;
  capital: number;
  danger: Level | null;
  days_since_sale: number | null;
  decision: Decision;
  clearance_rule_id: string | null;
}

export interface DecisionsPage {
  day: string | null;
  decisions: DecisionRow[];
  expected_recovery: number;
}

export interface ClearanceResult {
  rule: { id: string } & Record<string, unknown>;
  created: boolean;
}

export interface RiskScores {
  day: string | null;
  source: "model" | "rules" | null;
  items: Pick<InventoryRow, "store_id" | "item_id" | "title" | "category" | "units" | "capital" | "danger" | "risk" | "risk_source" | "risk_model_version" | "risk_reasons">[];
  message?: string;
}

// --- the daily job ---------------------------------------------------------------------------

export type RunStatus = "running" | "retrying" | "succeeded" | "failed";

export interface JobStep {
  name: string;
  status: "pending" | "running" | "done";
  started_at?: string;
  finished_at?: string;
  seconds?: number;
  attempt?: number;
  result?: Record<string, unknown>;
}

export interface JobRun {
  id: string;
  job: string;
  day: string;
  status: RunStatus;
  owner: string;
  attempt: number;
  max_attempts: number;
  started_at: string;
  heartbeat_at: string | null;
  ended_at: string | null;
  error: string | null;
  steps: JobStep[];
  attempts: { attempt: number; owner: string; started_at: string; ended_at: string; outcome: string; error: string | null }[];
  retry_at: string | null;
}

export interface JobsPayload {
  runs: JobRun[];
  schedule: { timer: string; run_hour_ist: number; stale_seconds: number; max_attempts: number; steps: string[] };
}

// --- alerts ----------------------------------------------------------------------------------

export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "retry" | "unconfirmed";
export type AlertStatus = "pending" | "sent" | "partial" | "failed" | "no_recipients";

export interface Delivery {
  phone: string;
  role: string;
  name?: string | null;
  store_id?: string | null;
  status: DeliveryStatus;
  attempts?: number;
  message_id?: string | null;
  error_code?: number | null;
  error?: string | null;
  message_type?: string;
  template?: string;
  sent_at?: string | null;
  /** What WhatsApp's status webhook later reported for the message. */
  delivery?: "delivered" | "read" | "failed" | null;
}

export interface Alert {
  id: string;
  day: string;
  kind: "danger" | "manual";
  item_id?: string;
  store_id?: string;
  store_name?: string | null;
  title?: string | null;
  level?: Level;
  previous_level?: Level | null;
  capital?: number | null;
  units?: number | null;
  days_since_sale?: number | null;
  image?: string | null;
  body: string[];
  status: AlertStatus;
  created_at: string;
  deliveries: Delivery[];
}

export interface AlertsRun {
  day: string;
  send_notifications: boolean;
  candidates: number;
  would_alert?: Alert[];
  created?: number;
  duplicates?: number;
  sent?: number;
  failed?: number;
  retry?: number;
  unconfirmed?: number;
  not_configured?: number;
}

/** A message as the WhatsApp Cloud API received it (the Graph request body). */
export interface GraphPayload {
  to: string;
  type: "text" | "image" | "template";
  text?: { body: string };
  image?: { link: string; caption?: string };
  template?: {
    name: string;
    language: { code: string };
    components?: { type: string; parameters: { type: string; text?: string; image?: { link: string } }[] }[];
  };
}

export interface GraphMessage {
  id: string;
  received_at: number;
  payload: GraphPayload;
  media: { status: number | null; bytes?: number; content_type?: string | null; error?: string } | null;
}

const enc = encodeURIComponent;

/** The same-origin link to a product's image (thumbnails and the preview). */
export const imageUrl = (itemId: string) => `/api/inventory/items/${enc(itemId)}/image`;

export const inventory = {
  summary: (signal?: AbortSignal) => request<DangerSummary>("GET", "/api/inventory/store-danger-summary", undefined, signal),
  search: (f: SearchFilters, signal?: AbortSignal) =>
    request<SearchPage>(
      "GET",
      `/api/inventory/search${query({
        query: f.query,
        department: f.department?.join(","),
        store_id: f.store_id,
        danger: f.danger?.join(","),
        alert_only: f.alert_only ? "true" : undefined,
        page: f.page,
        page_size: f.page_size,
      })}`,
      undefined,
      signal,
    ),
  item: (id: string, signal?: AbortSignal) => request<ProductDetail>("GET", `/api/inventory/items/${enc(id)}`, undefined, signal),
  decisions: (params: { store_id?: string; action?: Action; limit?: number }, signal?: AbortSignal) =>
    request<DecisionsPage>("GET", `/api/inventory/decisions${query({ ...params })}`, undefined, signal),
  clearance: (itemId: string, storeId: string, day: string | null) =>
    request<ClearanceResult>("POST", "/api/inventory/decisions/clearance", { item_id: itemId, store_id: storeId, ...(day ? { day } : {}) }),
  risk: (params: { store_id?: string; product_id?: string; limit?: number }, signal?: AbortSignal) =>
    request<RiskScores>("GET", `/api/ml/inventory${query({ ...params })}`, undefined, signal),
  setPrice: (itemId: string, price: number) => request<{ item_id: string; price: number; created: boolean }>("POST", "/api/products/price", { item_id: itemId, price }),
  jobs: (signal?: AbortSignal) => request<JobsPayload>("GET", `/api/jobs${query({ job: "daily", limit: 14 })}`, undefined, signal),
  runDaily: (rerun: boolean) => request<{ run: JobRun }>("POST", `/api/jobs/daily/run${query({ rerun: rerun ? "true" : undefined })}`),
  alerts: (limit: number, signal?: AbortSignal) => request<{ alerts: Alert[] }>("GET", `/api/alerts${query({ limit })}`, undefined, signal),
  runAlerts: (send: boolean) => request<AlertsRun>("POST", `/api/alerts/run${query({ send_notifications: send ? "true" : "false" })}`),
  phoneMessages: (signal?: AbortSignal) => request<{ messages: GraphMessage[] }>("GET", "/api/whatsapp/local-messages", undefined, signal),
};
