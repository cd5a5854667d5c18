// Shapes of the ReSight HTTP API and SignalR messages (see dashboard/README.md).

export const MARKETPLACES = ["amazon", "myntra", "meesho"] as const;
export type Marketplace = (typeof MARKETPLACES)[number];
export type Mode = "live" | "mock";

export interface Kpis {
  views: number;
  clicks: number;
  purchases: number;
  units: number;
  revenue: number;
  conversion_rate: number;
  ctr: number;
  aov: number;
  low_stock: number;
  products: number;
}

export interface MarketplaceKpis {
  views: number;
  clicks: number;
  purchases: number;
  revenue: number;
}

export interface Metrics {
  as_of: string;
  mode: Mode;
  window: string;
  kpis: Kpis;
  totals: Kpis;
  by_marketplace: Partial<Record<Marketplace, MarketplaceKpis>>;
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
}

export interface Explanation {
  item_id: string;
  model_version: string;
  base_value: number;
  raw_score: number;
  contributions: Contribution[];
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

export interface RankQuery {
  category?: string;
  marketplace?: string;
  q?: string;
  limit?: number;
  offset?: number;
  explain?: boolean;
}

export interface RankResponse {
  model_version: string;
  as_of: string;
  total: number;
  items: RankItem[];
}

export interface RankingMessage {
  model_version: string;
  as_of: string;
  items: RankItem[];
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
  title: string;
  category: string;
  brand: string;
  marketplace: Marketplace;
  price: number;
  mrp: number;
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
  current: WhatIfPoint;
  predicted: WhatIfPoint & { rank_change: number };
  shap_change: { feature: string; before: number; after: number; delta: number }[];
}

export interface WhatIfCurve {
  item_id: string;
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

export interface Store {
  marketplace: Marketplace;
  display_name: string;
  connected: boolean;
  connected_at?: string | null;
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
