import type {
  AuditPage,
  DeadLetters,
  Dataset,
  DemoPayload,
  Health,
  ImportJob,
  ListingDetails,
  QualityRun,
  QualityRunSummary,
  RankChange,
  RotatedSecret,
  UnmatchedItem,
  ClientPrincipal,
  ItemDetail,
  Explanation,
  Metrics,
  Negotiation,
  RankQuery,
  RankResponse,
  Rule,
  RulesPayload,
  Schemas,
  Series,
  SeriesRange,
  StoresPayload,
  WhatIfCurve,
  WhatIfResult,
} from "./types";

/** A failed API call, with enough detail to tell the user exactly what failed. */
export class ApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: string | null;
  readonly field: string | null;

  constructor(method: string, path: string, status: number, code: string | null, message: string, field: string | null) {
    super(message);
    this.name = "ApiError";
    this.method = method;
    this.path = path;
    this.status = status;
    this.code = code;
    this.field = field;
  }

  /** One line: "POST /api/rules/pin → 422 invalid: position must be ≥ 1 (field position)". */
  get summary(): string {
    const status = this.status === 0 ? "network error" : String(this.status);
    const code = this.code ? `${this.code}: ` : "";
    const field = this.field ? ` (field ${this.field})` : "";
    return `${this.method} ${this.path} → ${status} ${code}${this.message}${field}`;
  }
}

async function errorFrom(method: string, path: string, response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  return errorFromText(method, path, response.status, response.statusText, text);
}

/** The ApiError of a failed answer's status and body text (JSON `{error, message, field}` or plain). */
export function errorFromText(method: string, path: string, status: number, statusText: string, text: string): ApiError {
  let code: string | null = null;
  let message = statusText || "request failed";
  let field: string | null = null;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown; field?: unknown };
    if (typeof body.error === "string") code = body.error;
    if (typeof body.message === "string") message = body.message;
    if (typeof body.field === "string") field = body.field;
  } catch {
    if (text) message = text.slice(0, 200);
  }
  return new ApiError(method, path, status, code, message, field);
}

/** The response header naming the dataset an answer was computed from. */
export const DATASET_HEADER = "X-ReSight-Dataset";

type DatasetListener = (dataset: Dataset) => void;
const datasetListeners = new Set<DatasetListener>();

/** Hear the dataset every API answer names in its header; returns the function that stops it. */
export function onDataset(listener: DatasetListener): () => void {
  datasetListeners.add(listener);
  return () => datasetListeners.delete(listener);
}

/** "demo" or "seller" from a header value, anything else null. */
export function datasetOf(value: string | null): Dataset | null {
  const v = value?.trim().toLowerCase();
  return v === "demo" || v === "seller" ? v : null;
}

function noteDataset(response: Response): void {
  const dataset = datasetOf(response.headers.get(DATASET_HEADER));
  if (dataset) for (const listener of datasetListeners) listener(dataset);
}

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      signal,
      credentials: "same-origin",
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (exc) {
    if (exc instanceof DOMException && exc.name === "AbortError") throw exc;
    throw new ApiError(method, path, 0, null, exc instanceof Error ? exc.message : String(exc), null);
  }
  noteDataset(response);
  if (!response.ok) throw await errorFrom(method, path, response);
  return (await response.json()) as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const enc = encodeURIComponent;

export type RuleCreate =
  | { type: "pin"; item_id: string; position: number }
  | { type: "boost" | "demote"; item_id: string; strength: number }
  | { type: "remove"; item_id: string }
  | { type: "clearance"; strength: number };

export type RuleWindow = { valid_from?: string; valid_to?: string; note?: string };

/** Each rule's request body, as the backend documents it (the rule without what the server sets). */
type RuleBodies = {
  pin: Schemas["PinRule"];
  boost: Schemas["BoostRule"];
  demote: Schemas["DemoteRule"];
  remove: Schemas["RemoveRule"];
  clearance: Schemas["ClearanceRule"];
};

const RULE_PATHS: Record<RuleCreate["type"], string> = {
  pin: "/api/rules/pin",
  boost: "/api/rules/boost",
  demote: "/api/rules/demote",
  remove: "/api/rules/remove",
  clearance: "/api/rules/boost-clearance",
};

export const api = {
  me: async (signal?: AbortSignal): Promise<ClientPrincipal | null> =>
    (await request<{ clientPrincipal: ClientPrincipal | null }>("GET", "/.auth/me", undefined, signal)).clientPrincipal,
  metrics: (signal?: AbortSignal) => request<Metrics>("GET", "/api/metrics", undefined, signal),
  series: (range: SeriesRange, signal?: AbortSignal) => request<Series>("GET", `/api/metrics/series${query({ range })}`, undefined, signal),
  rank: (body: RankQuery, signal?: AbortSignal) => request<RankResponse>("POST", "/api/rank", body, signal),
  item: (id: string, signal?: AbortSignal) => request<ItemDetail>("GET", `/api/item/${enc(id)}`, undefined, signal),
  explain: (id: string, signal?: AbortSignal) => request<Explanation>("GET", `/api/explain/${enc(id)}`, undefined, signal),
  rankChange: (id: string, since: string, signal?: AbortSignal) =>
    request<RankChange>("GET", `/api/explain/${enc(id)}${query({ since })}`, undefined, signal),
  whatIf: (itemId: string, newPrice: number, signal?: AbortSignal) =>
    request<WhatIfResult>("POST", "/api/whatif/price", { item_id: itemId, new_price: newPrice } satisfies Schemas["WhatIfRequest"], signal),
  whatIfCurve: (itemId: string, prices: number[], signal?: AbortSignal) =>
    request<WhatIfCurve>("POST", "/api/whatif/price", { item_id: itemId, prices } satisfies Schemas["WhatIfRequest"], signal),
  rules: (signal?: AbortSignal) => request<RulesPayload>("GET", "/api/rules", undefined, signal),
  createRule: (rule: RuleCreate, window: RuleWindow) => {
    const { type, ...fields } = rule;
    const body: RuleBodies[typeof type] = { ...fields, ...window };
    return request<Rule>("POST", RULE_PATHS[type], body);
  },
  deleteRule: (id: string) => request<{ deleted: string }>("DELETE", `/api/rules/${enc(id)}`),
  stores: (signal?: AbortSignal) => request<StoresPayload>("GET", "/api/stores", undefined, signal),
  setStore: (marketplace: string, connect: boolean) =>
    request<StoresPayload>("POST", `/api/stores/${enc(marketplace)}/${connect ? "connect" : "disconnect"}`),
  rotateSecret: (marketplace: string) => request<RotatedSecret>("POST", `/api/stores/${enc(marketplace)}/rotate-secret`),
  unmatched: (signal?: AbortSignal) => request<{ items: UnmatchedItem[] }>("GET", "/api/catalogue/unmatched", undefined, signal),
  completeListing: (id: string, details: ListingDetails) => request<Record<string, unknown>>("PUT", `/api/catalogue/${enc(id)}`, details),
  health: (signal?: AbortSignal) => request<Health>("GET", "/api/health", undefined, signal),
  deadLetters: (signal?: AbortSignal) => request<DeadLetters>("GET", "/api/deadletters", undefined, signal),
  audit: (params: { limit?: number; continuation?: string | null; action?: string; item_id?: string }, signal?: AbortSignal) =>
    request<AuditPage>("GET", `/api/audit${query(params)}`, undefined, signal),
  negotiate: () => request<Negotiation>("POST", "/api/negotiate"),
  imports: (limit: number, signal?: AbortSignal) => request<{ imports: ImportJob[] }>("GET", `/api/imports${query({ limit })}`, undefined, signal),
  importJob: (id: string, signal?: AbortSignal) => request<ImportJob>("GET", `/api/imports/${enc(id)}`, undefined, signal),
  quality: (signal?: AbortSignal) => request<{ run: QualityRun | null }>("GET", "/api/quality", undefined, signal),
  demo: (signal?: AbortSignal) => request<DemoPayload>("GET", "/api/demo", undefined, signal),
  startDemo: () => request<DemoPayload>("POST", "/api/demo/start"),
  endDemo: () => request<DemoPayload>("POST", "/api/demo/end"),
  deleteDemo: () => request<DemoPayload>("DELETE", "/api/demo"),
  qualityHistory: (days: number, signal?: AbortSignal) =>
    request<{ runs: QualityRunSummary[] }>("GET", `/api/quality/history${query({ days })}`, undefined, signal),
};

interface UploadReservation {
  import: ImportJob;
  upload: { method: string; url: string; headers: Record<string, string>; expires_at: string };
}

/**
 * Upload a file to import: POST /api/imports/uploads reserves the import and answers a short-lived,
 * write-only link; the file then goes straight from the browser to Blob Storage, so no function
 * holds it in memory, and the blob trigger imports it. XMLHttpRequest rather than fetch because
 * only it reports upload progress (bytes sent of total) for a large file.
 */
export async function uploadImport(
  file: File,
  // ``preset``: an order export's saved mapping, named in the reservation.
  options: { kind: string | null; strict: boolean; preset?: string },
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<ImportJob> {
  const reserved = await request<UploadReservation>(
    "POST",
    "/api/imports/uploads",
    { name: file.name, size: file.size, kind: options.kind, strict: options.strict, preset: options.preset },
    signal,
  );
  const link = reserved.upload;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(link.method, link.url);
    for (const [name, value] of Object.entries(link.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(reserved.import);
      else
        reject(
          new ApiError(
            "PUT",
            "file storage",
            xhr.status,
            null,
            xhr.status === 403
              ? "the upload link was refused or has expired; upload the file again"
              : `file storage refused the upload (${xhr.status} ${xhr.statusText})`,
            null,
          ),
        );
    };
    xhr.onerror = () => reject(new ApiError("PUT", "file storage", 0, null, "the upload could not reach file storage", null));
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
