import type { components } from "./generated/openapi";

/** The request bodies the backend documents (pydantic models), by name. */
export type Schemas = components["schemas"];

// Shapes of the ReSight HTTP API and SignalR messages (see dashboard/README.md).

export const MARKETPLACES = ["amazon", "myntra", "meesho"] as const;
export type Marketplace = (typeof MARKETPLACES)[number];
export type Mode = "live" | "mock";

/** The two ratios a KPI block may carry; either is null when no marketplace sends its inputs. */
export type RatioKey = "conversion_rate" | "ctr";

/** Ratio fields of a KPI block: the marketplaces a ratio leaves out, and what it is computed from. */
export interface RatioFields {
  conversion_rate: number | null;
  ctr: number | null;
  /** Marketplaces that do not send a ratio's inputs (left out of it). */
  not_sent?: Partial<Record<RatioKey, string[]>>;
  /** "orders/clicks" (conversion) or "units/views" (Amazon's unit session percentage). */
  conversion_rate_basis?: string[];
  ctr_basis?: string[];
}

export interface Kpis extends RatioFields {
  views: number;
  clicks: number;
  purchases: number;
  units: number;
  revenue: number;
  aov: number;
  low_stock: number;
  products: number;
  /** Listings known only from their events (stock unknown), waiting for catalogue details. */
  needs_details?: number;
}

export interface MarketplaceKpis extends Partial<RatioFields> {
  views: number;
  clicks: number;
  purchases: number;
  revenue: number;
}

/** Per marketplace, the signals it sends in the current mode and their grain ("event" / "hourly"). */
export type SignalTable = Partial<Record<Marketplace, Record<string, string>>>;

export interface Metrics {
  as_of: string;
  mode: Mode;
  window: string;
  kpis: Kpis;
  totals: Kpis;
  by_marketplace: Partial<Record<Marketplace, MarketplaceKpis>>;
  signals?: SignalTable;
}

export type SeriesRange = "hour" | "day";

export interface SeriesPoint extends Partial<Record<Marketplace, MarketplaceKpis>> {
  t: string;
}

export interface Series {
  range: SeriesRange;
  step: "minute" | "hour";
  points: SeriesPoint[];
}

export type RuleType = "pin" | "boost" | "demote" | "remove" | "clearance";

export interface RuleRef {
  id: string;
  type: RuleType;
}

export interface Contribution {
  feature: string;
  value: number | string | null;
  contribution: number;
  label?: string;
}

/** One part of a baseline's score ("units sold in the last 24 h"); the parts add up to the score. */
export interface BaselinePart {
  part: string;
  words: string;
  value: number | null;
  contribution: number;
}

/** The baseline that ranks an item, its score and the parts that make it. */
export interface BaselineScore {
  name: string;
  score: number;
  parts: BaselinePart[];
}

/** GET /api/explain/{id}: the model's SHAP values, and what really ranks the item. */
export interface Explanation {
  item_id: string;
  model_version: string;
  base_value: number;
  raw_score: number;
  contributions: Contribution[];
  /** "model", or the baseline that ranks this kind of item; absent from older answers (the model). */
  ranked_by?: string;
  /** Present when a baseline ranks the item. */
  baseline?: BaselineScore;
}

export interface RankItem {
  item_id: string;
  title: string;
  category: string;
  marketplace: Marketplace;
  brand: string;
  price: number;
  mrp: number;
  stock: number;
  score: number;
  /** Share (0-100) of the catalogue with a lower model score. */
  score_percentile?: number;
  rank: number;
  previous_rank: number | null;
  rank_change: number | null;
  rules: RuleRef[];
  explanation?: Explanation;
}

/** POST /api/rank's body, generated from the backend's OpenAPI document. */
export type RankQuery = Schemas["RankRequest"];

export interface RankResponse {
  model_version: string;
  as_of: string;
  /** The moment rank changes are measured from (GET /api/explain/{id}?since=). */
  previous_rank_at?: string | null;
  total: number;
  items: RankItem[];
}

export interface RankingMessage {
  model_version: string;
  as_of: string;
  previous_rank_at?: string | null;
  items: RankItem[];
}

export interface FeatureChange {
  feature: string;
  value_then: number | null;
  value_now: number | null;
  contribution_then: number;
  contribution_now: number;
  delta: number;
  sentence: string;
}

/** GET /api/explain/{id}?since=: what moved an item's rank since a moment. */
export interface RankChange {
  item_id: string;
  model_version?: string;
  since?: string;
  reasons: string[];
  changes: FeatureChange[];
  rank_then: number | null;
  rank_then_at: string | null;
  rank_now: number | null;
  /** The baseline's values when a baseline ranks the item. */
  score_then: number;
  score_now: number;
  /** "model", or the baseline whose parts `reasons` and `changes` then describe; absent: the model. */
  ranked_by?: string;
}

export interface Counters {
  views: number;
  clicks: number;
  orders: number;
  units: number;
  revenue: number;
}

export interface ItemDetail {
  item_id: string;
  title: string | null;
  category: string | null;
  brand: string | null;
  marketplace: Marketplace;
  price: number | null;
  mrp: number | null;
  /** The unit price of the latest order (revenue), never the listing price. */
  last_order_price?: number | null;
  first_seen_at?: string | null;
  asin?: string | null;
  /** Known only from its events: not ranked until an admin completes its details. */
  needs_catalogue_details?: boolean;
  rating: number | null;
  review_count: number | null;
  stock: number;
  competitor_price: number | null;
  days_of_cover: number | null;
  counters: Partial<Record<"1h" | "24h" | "7d", Counters>>;
  totals: Partial<Counters>;
  score: number | null;
  score_percentile?: number | null;
  rank: number | null;
  model_version: string | null;
  last_event_at: string | null;
  rank_history: { t: string; rank: number; score: number }[];
}

export interface WhatIfPoint {
  price: number;
  score: number;
  rank: number;
}

export interface WhatIfResult {
  item_id: string;
  /** "model", or the baseline that ranks this kind of item (price does not move it). */
  ranked_by: string;
  current: WhatIfPoint;
  predicted: WhatIfPoint & { rank_change: number };
  shap_change: { feature: string; before: number; after: number; delta: number }[];
}

export interface WhatIfCurve {
  item_id: string;
  ranked_by: string;
  current: WhatIfPoint;
  curve: WhatIfPoint[];
}

export interface Rule {
  id: string;
  type: RuleType;
  item_id?: string;
  position?: number;
  strength?: number;
  valid_from?: string;
  valid_to?: string;
  note?: string;
  created_at: string;
  created_by: string;
  active: boolean;
}

export interface RulesPayload {
  rules: Rule[];
}

export interface Rejection {
  reason: string;
  count: number;
  /** "YYYYMMDDHHMM" in UTC: the last minute this reason was seen. */
  last_minute?: string;
}

export interface Store {
  marketplace: Marketplace;
  display_name: string;
  /** Receiving signed events, or switched on by hand. */
  connected: boolean;
  connected_at?: string | null;
  receiving?: boolean;
  manual?: boolean;
  webhook_url?: string;
  webhook_path?: string;
  last_event_at?: string | null;
  events_per_minute?: number;
  rejected?: Rejection[];
  rejected_24h?: number;
  secret_rotated_at?: string | null;
  previous_secret_valid_until?: string | null;
}

export interface RotatedSecret {
  marketplace: string;
  secret: string;
  rotated_at: string;
  previous_valid_until: string;
}

export interface UnmatchedItem {
  item_id: string;
  marketplace: Marketplace;
  last_order_price?: number | null;
  price?: number | null;
  stock?: number | null;
  totals?: Partial<Counters>;
  first_seen_at?: string | null;
  last_event_at?: string | null;
}

/** PUT /api/catalogue/{id}'s body, generated from the backend's OpenAPI document. */
export type ListingDetails = Schemas["ListingDetails"];

export interface DeadLetter {
  item_id: string;
  events: number;
  error: string;
  attempts: number;
  first_failed_at: string;
  last_failed_at: string;
}

export interface DeadLetters {
  count: number;
  items: DeadLetter[];
}

export interface Health {
  status: string;
  checks: Record<string, string>;
  dead_letters?: number;
}

export interface StoresPayload {
  mode: Mode;
  stores: Store[];
}

export interface AuditEntry {
  id: string;
  at: string;
  action: string;
  actor: string;
  item_id?: string;
  before?: unknown;
  after?: unknown;
  details?: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  continuation: string | null;
}

export type EventKind = "view" | "click" | "order" | "cancel" | "traffic" | "sales" | "offer" | "stock";

export interface LiveEvent {
  id: string;
  item_id: string;
  title: string;
  marketplace: Marketplace;
  kind: EventKind;
  units: number;
  revenue: number;
  occurred_at: string;
}

export interface ModelMessage {
  version: string;
  metrics: Record<string, number>;
}

export interface ClientPrincipal {
  userId: string;
  userDetails: string;
  identityProvider: string;
  userRoles: string[];
}

export interface Negotiation {
  url: string;
  accessToken: string;
}

// --- Bulk imports and data quality (docs/api.md, Imports and data quality) ---

export type ImportKind = "sales" | "inventory" | "demand" | "daily_update";
export type ImportStatus = "queued" | "processing" | "imported" | "rejected" | "failed";

export interface RowError {
  row: number;
  column: string;
  value: string | null;
  rule: string;
}

export interface ImportCounts {
  rows?: number;
  valid?: number;
  invalid?: number;
  events_new?: number;
  events_duplicate?: number;
  [extra: string]: number | undefined;
}

export interface ImportJob {
  id: string;
  file: string;
  kind: ImportKind | null;
  strict: boolean;
  actor: string;
  status: ImportStatus;
  reason: string | null;
  progress: { phase: string; rows_done: number; rows_total: number | null; percent: number };
  counts: ImportCounts;
  errors_sample: RowError[];
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  links: { self: string; report: string | null; errors_csv: string | null };
}

export type QualitySeverity = "critical" | "warning" | "info";

export interface QualityCheck {
  name: string;
  category: "completeness" | "timeliness" | "accuracy" | "consistency" | "anomalies" | string;
  rule: string;
  severity: QualitySeverity;
  status: "pass" | "fail" | "skipped";
  value: number | null;
  threshold: number | null;
  details: Record<string, unknown>;
}

export interface QualityRun {
  id: string;
  day: string;
  trigger: string;
  status: "ok" | "warning" | "critical";
  failed: Record<QualitySeverity, number>;
  checks: number;
  started_at?: string;
  finished_at: string;
  results: QualityCheck[];
}

export interface QualityRunSummary {
  id: string;
  day: string;
  trigger: string;
  status: QualityRun["status"];
  failed: Record<QualitySeverity, number>;
  finished_at: string;
  values: Record<string, number | null>;
}

/** Which data an answer was computed from: the simulated demo, or the seller's own. */
export type Dataset = "demo" | "seller";

export interface DemoState {
  state: "running" | "ended" | "off";
  /** "automatic": a fresh deployment's, ended by the first real data; "presenter": started by an admin. */
  kind?: "automatic" | "presenter" | null;
  started_at: string | null;
  ended_at: string | null;
  reason: string | null;
  deleted_at: string | null;
}

/** GET /api/demo, the answer of its actions, and the "demo" hub message. */
export interface DemoPayload {
  dataset: Dataset;
  demo: DemoState;
}
