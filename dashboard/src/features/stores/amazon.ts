// Amazon's SP-API connection as the Stores page shows it (GET /api/stores/amazon/sp-api).
import { query, request } from "../../api/client";

export type FieldState = "set" | "missing" | "unresolved";

export type OperationFigures = {
  calls?: number;
  ok?: number;
  throttled?: number;
  errors?: number;
  waits?: number;
  wait_seconds?: number;
  last_call_at?: string | null;
  last_ok_at?: string | null;
  last_error?: string | null;
  last_error_at?: string | null;
  rate?: number;
  burst?: number;
  lag_seconds?: number | null;
};

export type PathHealth = { healthy: boolean; why: string; [key: string]: unknown };

export type BackfillProgress = {
  status: "running" | "done" | "failed" | null;
  days: number | null;
  requested_at: string | null;
  requested_by: string | null;
  finished_at: string | null;
  chunks_total: number;
  chunks: Record<string, number>;
  rows_imported: number;
  error: string | null;
  failed: { start: string; end: string; reason: string | null }[];
  import_ids: string[];
};

export type AmazonStatus = {
  marketplace_id: string;
  endpoint: string;
  configured: boolean;
  lwa: Record<string, FieldState>;
  eventbridge: { token_header: string; webhook_path: string; event_source_prefix: string; token_accepted: boolean };
  operations: Record<string, OperationFigures>;
  paths: {
    notifications: PathHealth;
    catchup: PathHealth;
    backfill: PathHealth & { progress: BackfillProgress | null };
  };
};

export type ConnectionTest = {
  ok: boolean;
  error: string | null;
  marketplaces?: { id: string; name: string; participating: boolean; store_name?: string | null }[];
};

export const amazonApi = {
  status: (signal?: AbortSignal) => request<AmazonStatus>("GET", "/api/stores/amazon/sp-api", undefined, signal),
  test: () => request<ConnectionTest>("POST", "/api/stores/amazon/sp-api/test"),
  backfill: (days?: number) => request<BackfillProgress>("POST", `/api/stores/amazon/sp-api/backfill${query({ days })}`),
};

export const PATHS: { key: keyof AmazonStatus["paths"]; label: string }[] = [
  { key: "notifications", label: "Notifications (EventBridge)" },
  { key: "catchup", label: "Catch-up (getOrders)" },
  { key: "backfill", label: "History (all-orders report)" },
];

export const LWA_LABELS: Record<string, string> = {
  lwaClientId: "LWA client id",
  lwaClientSecret: "LWA client secret",
  refreshToken: "Seller's refresh token",
};

const FIELD_WORDS: Record<FieldState, string> = {
  set: "Set",
  missing: "Missing",
  unresolved: "Key Vault reference not resolved",
};

export function fieldText(state: FieldState | undefined): string {
  return state ? FIELD_WORDS[state] : "Missing";
}

/** Seconds as a seller reads a delay: "12 s", "4 min", "3 h 5 min", "2 d"; "—" when unknown. */
export function lagText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  return `${Math.floor(seconds / 86_400)} d`;
}

/** Chunks finished (imported or empty) of all, as a whole percentage. */
export function backfillPercent(progress: BackfillProgress | null | undefined): number {
  if (!progress || progress.chunks_total <= 0) return 0;
  const done = (progress.chunks.imported ?? 0) + (progress.chunks.empty ?? 0);
  return Math.round((100 * done) / progress.chunks_total);
}

/** "3 waits, 7 s": how long the usage plan held this operation's calls back. */
export function waitsText(op: OperationFigures): string {
  const waits = op.waits ?? 0;
  if (waits === 0) return "none";
  const seconds = op.wait_seconds ?? 0;
  return `${waits} ${waits === 1 ? "wait" : "waits"}, ${lagText(seconds)}`;
}
