// The Imports page's logic: which files to refuse before uploading, the progress bar, and
// refusals in words. Pure, so it is unit-tested without a browser.
import type { ApiError } from "../../api/client";
import type { ImportJob, ImportKind, ImportStatus } from "../../api/types";
import { int } from "../../lib/format";

/** IMPORT_MAX_BYTES on the server (50 MB); the API answers 413 beyond it. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** What the server reads: CSV, and the workbook types python-calamine opens; marketplaces' tab-delimited reports (.txt, .tsv) too. */
export const ACCEPTED_EXTENSIONS = [".csv", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".txt", ".tsv"] as const;
/** How often a running import is polled for its progress (ms). */
export const POLL_MS = 700;

/** ReSight's own kinds, and a marketplace's order export (mapped onto ReSight's fields with a preset). */
export type UploadKind = ImportKind | "orders";

export const KIND_CHOICES: { value: UploadKind | "auto"; label: string }[] = [
  { value: "auto", label: "Detect from the file" },
  { value: "sales", label: "Sales CSV" },
  { value: "inventory", label: "Inventory CSV" },
  { value: "demand", label: "Demand signals CSV" },
  { value: "daily_update", label: "Excel daily update" },
  { value: "orders", label: "Order export (map its columns)" },
];

const KIND_NAMES: Record<UploadKind, string> = {
  sales: "Sales",
  inventory: "Inventory",
  demand: "Demand signals",
  daily_update: "Daily update (Excel)",
  orders: "Order export",
};

export function kindName(kind: string | null | undefined): string {
  return kind ? KIND_NAMES[kind as UploadKind] ?? kind : "Not known yet";
}

/**
 * The columns of ReSight's own CSV kinds (shared/ingest/bulk/schemas.py), required first. A
 * header with a kind's required columns is that kind; one made only of a kind's columns is
 * meant to be it (the server then names what is missing). Anything else is a marketplace's
 * export, whose columns are mapped once.
 */
const OWN_KINDS: Record<"sales" | "inventory" | "demand", { required: string[]; optional: string[] }> = {
  sales: { required: ["date", "product_id", "channel", "quantity_sold", "revenue"], optional: ["customer_segment", "promotion_code", "fulfillment_method"] },
  inventory: { required: ["date", "product_id", "location", "stock_level"], optional: ["reserved_stock", "in_transit", "supplier_id", "last_reorder_date"] },
  demand: {
    required: ["date", "product_id", "external_demand"],
    optional: ["market_trend", "competitor_price", "weather_factor", "event_impact", "social_sentiment"],
  },
};

export function isOwnKind(header: readonly string[]): boolean {
  const names = header.map((h) => h.trim()).filter(Boolean);
  if (names.length === 0) return false;
  return Object.values(OWN_KINDS).some(({ required, optional }) => {
    const columns = new Set([...required, ...optional]);
    return required.every((c) => names.includes(c)) || names.every((n) => columns.has(n));
  });
}

/** The columns of the daily update workbook's sheets (daily_update, stores, products, inventory). */
const SHEET_COLUMNS = new Set([
  "id", "store_id", "supplier_name", "stock_days", "style_code", "department_name", "category_name", "item_mrp", "image",
  "name", "city", "barcode", "article_name", "category", "mrp", "product_id", "quantity", "current_price", "lifecycle_start_date",
]);

/** A workbook's first sheet (as the preview reads it) that is one of the daily update's sheets. */
export function isOwnSheet(header: readonly string[]): boolean {
  const names = header.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, "_")).filter(Boolean);
  return names.length >= 2 && names.every((n) => SHEET_COLUMNS.has(n));
}

/** A workbook: the server reads its sheets (ReSight's daily update, or an export's first sheet). */
export function isWorkbook(name: string): boolean {
  return /\.(xlsx|xlsm|xlsb|xls|ods)$/i.test(name);
}

/** The header of a CSV or tab-delimited file from its first line (a byte-order mark and quotes taken off). */
export function headerOf(text: string): string[] {
  const line = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const delimiter = (line.match(/\t/g)?.length ?? 0) > (line.match(/,/g)?.length ?? 0) ? "\t" : ",";
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === delimiter) {
      out.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  out.push(cell.trim());
  return line.trim() === "" ? [] : out;
}

/** "12.3 MB", "840 KB", "512 bytes" (binary units, as the 50 MB limit is). */
export function fileSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
}

/**
 * Why a chosen file cannot be uploaded, or null when it can. The server checks the same things
 * (and more: the columns); refusing here saves sending 60 MB to hear "too large".
 */
export function refuseFile(file: { name: string; size: number }): string | null {
  const name = file.name.replace(/\\/g, "/").split("/").pop() ?? "";
  if (name.startsWith("~$")) return `${name} is an Excel lock file (Excel writes it while the workbook is open), not data. Choose the workbook itself.`;
  const lower = name.toLowerCase();
  if (!ACCEPTED_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
    return `${name || "This file"} is not a CSV or Excel file. Accepted: ${ACCEPTED_EXTENSIONS.join(", ")}.`;
  }
  if (file.size === 0) return `${name} is empty.`;
  if (file.size > MAX_IMPORT_BYTES) {
    return `${name} is ${fileSize(file.size)}; the limit is ${fileSize(MAX_IMPORT_BYTES)}. Split it into smaller files (by day or by location).`;
  }
  return null;
}

/** A failed upload in words for the seller; the call itself is shown under it. */
export function uploadErrorText(error: ApiError): string {
  if (error.status === 413) return `The file is over the ${fileSize(MAX_IMPORT_BYTES)} limit. Split it into smaller files.`;
  if (error.status === 403) return "Only an admin can upload files.";
  if (error.status === 0) return "The upload could not reach the server. Check the connection and try again.";
  if (error.field === "kind") return "That file kind is not one ReSight reads. Choose one from the list.";
  if (error.field) return `The file was refused: ${error.message}.`;
  return error.message;
}

export function isFinished(status: ImportStatus): boolean {
  return status === "imported" || status === "rejected";
}

export interface BarState {
  /** 0..100, or null while the total is unknown (an indeterminate bar). */
  percent: number | null;
  /** What is happening, in words, for the bar's label and screen readers. */
  label: string;
}

/** The bar while the file is being sent (bytes), before the server has an import. */
export function sendingBar(sent: number, total: number): BarState {
  const percent = total > 0 ? Math.min(100, Math.round((100 * sent) / total)) : null;
  return { percent, label: `Uploading: ${fileSize(sent)} of ${fileSize(total)}` };
}

/** The bar for an import the server is running: rows done of the total. */
export function importBar(job: Pick<ImportJob, "status" | "progress" | "counts">): BarState {
  const { rows_done: done, rows_total: total, phase } = job.progress;
  if (job.status === "imported") return { percent: 100, label: `Imported ${int(job.counts.rows ?? total ?? done)} rows` };
  if (job.status === "rejected") return { percent: 100, label: "Rejected: nothing was imported" };
  if (job.status === "queued") return { percent: null, label: "Uploaded; waiting for the import to start" };
  if (job.status === "failed") return { percent: null, label: "Interrupted; it will be retried automatically" };
  if (!total) return { percent: null, label: phase === "reading" ? "Reading the file" : "Starting" };
  // The server counts rows as done when their events are written (or, for invalid ones, once
  // reported): while it checks the rows, the count stays at 0, so the bar says so instead of 0%.
  if (phase === "validating" && done === 0) return { percent: null, label: `Checking ${int(total)} rows` };
  const percent = Math.min(100, Math.max(0, Math.round((100 * done) / total)));
  return { percent, label: `${phase === "writing" ? "Importing" : "Processing"}: ${int(done)} of ${int(total)} rows` };
}

/** A refusal reason from the server with what to do about it. */
export function reasonHelp(reason: string | null): string | null {
  if (!reason) return null;
  if (reason.includes("missing required columns")) return "Add the missing columns (the header row names them) or choose the right kind, then upload again.";
  if (reason.includes("match no file kind")) return "Check the header row against the templates, or choose the kind by hand.";
  if (reason.includes("strict mode")) return "Fix the rows listed in the error report, or upload without strict mode to import the valid rows.";
  if (reason.includes("workbook")) return "Save the file again from Excel as .xlsx and upload that.";
  return null;
}

export const STATUS_TEXT: Record<ImportStatus, string> = {
  queued: "Queued",
  processing: "Importing",
  imported: "Imported",
  rejected: "Rejected",
  failed: "Interrupted",
};
