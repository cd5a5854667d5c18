// An order export's mapping on the Imports page: the answer of POST /api/imports/preview, the
// seller's choices (a field per column, a status per value, day-first, the preset's name and
// source) and the preset body they make (POST /api/import-presets). Pure, so it is unit-tested
// without a browser; the field, status and channel names are the API's (shared/ingest/bulk/mapping.py).
import type { RowError, Schemas } from "../../api/types";

export type FieldName =
  | "order_id"
  | "line_id"
  | "sku"
  | "date"
  | "status_date"
  | "quantity"
  | "price"
  | "status"
  | "city"
  | "state"
  | "pin_code"
  | "buyer_key"
  | "channel"
  | "marketplace";
export type OrderStatus = "created" | "cancelled" | "rto" | "shipped" | "delivered" | "returned";
export type Channel = "marketplace" | "online" | "pos" | "wholesale";
export type Marketplace = "amazon" | "myntra" | "meesho";
export type PresetBody = Schemas["PresetIn"];
export type MappingBody = Schemas["Mapping"];

export const ORDER_STATUSES: readonly OrderStatus[] = ["created", "cancelled", "rto", "shipped", "delivered", "returned"];
export const STATUS_LABELS: Record<OrderStatus, string> = {
  created: "Created (placed)",
  cancelled: "Cancelled",
  rto: "RTO (returned to origin)",
  shipped: "Shipped",
  delivered: "Delivered",
  returned: "Returned",
};
export const CHANNELS: readonly Channel[] = ["marketplace", "online", "pos", "wholesale"];
export const MARKETPLACES: readonly Marketplace[] = ["amazon", "myntra", "meesho"];

export const FIELD_LABELS: Record<FieldName, string> = {
  order_id: "Order id",
  line_id: "Line id (sub-order, item)",
  sku: "SKU",
  date: "Order date",
  status_date: "Status date",
  quantity: "Quantity",
  price: "Price or revenue",
  status: "Status",
  city: "City",
  state: "State",
  pin_code: "Pin code",
  buyer_key: "Buyer key (kept only hashed)",
  channel: "Channel",
  marketplace: "Marketplace",
};

export interface PreviewField {
  field: FieldName;
  required: boolean;
  description: string;
}
export interface PreviewGuess {
  column: string;
  field: FieldName | null;
  confidence: number;
  reason: string;
}
export interface PreviewDates {
  field: "date" | "status_date";
  column: string;
  order: string;
  day_first: boolean | null;
  needs_answer: boolean;
  evidence?: unknown;
}
export interface PreviewStatus {
  value: string;
  rows: number;
  status: OrderStatus | null;
}
export interface PresetSummary {
  id: string;
  name: string;
  shipped: boolean;
  mapping: MappingBody;
}
export interface Preset extends PresetSummary {
  header: string[];
  fingerprint: string;
}
export type Cell = string | number | boolean | null;

/** POST /api/imports/preview (shared/ingest/bulk/preview.py). */
export interface ExportPreview {
  file: string;
  delimiter: string | null;
  header: string[];
  fingerprint: string;
  rows: Cell[][];
  rows_total: number;
  row_errors: RowError[];
  guesses: PreviewGuess[];
  fields: PreviewField[];
  suggested: {
    columns: Partial<Record<FieldName, string>>;
    statuses: Record<string, OrderStatus>;
    day_first: boolean | null;
    missing: FieldName[];
  };
  dates: PreviewDates[];
  statuses: PreviewStatus[];
  preset: PresetSummary | null;
  closest_preset: (PresetSummary & { changes: { added: string[]; missing: string[] } }) | null;
}

/** What the seller has chosen so far. */
export interface MappingState {
  name: string;
  source: string;
  /** The source was typed by hand: the name no longer fills it in. */
  sourceEdited: boolean;
  /** Export column -> ReSight field ("" for none). */
  columns: Record<string, FieldName | "">;
  /** Status value (normalised) -> ReSight status ("" for not chosen yet). */
  statuses: Record<string, OrderStatus | "">;
  dayFirst: boolean | null;
  priceBasis: "unit" | "line";
  channel: Channel;
  marketplace: Marketplace | "";
}

/** As the API compares status values: lower case, one space between words. */
export function normaliseValue(value: string): string {
  return value.trim().toLowerCase().replace(/\s+/g, " ");
}

/** As the API compares column names: `Order ID`, `order-id` and ` order_id ` are one. */
export function normaliseName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^0-9a-z₹]+/g, " ")
    .trim();
}

/** A source for a preset's name: its first word ("Flipkart orders" -> "flipkart"). */
export function sourceFromName(name: string): string {
  const words = name.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const first = words[0] ?? "";
  const source = first.length >= 2 ? first : words.slice(0, 2).join("-");
  return source.slice(0, 32);
}

export const SOURCE_PATTERN = /^[a-z0-9][a-z0-9_-]{1,31}$/;

/** The share of columns a preset and a file must have in common for the file to be "that preset, changed". */
export const NEAR_SHARE = 0.6;

/**
 * The preset the API found closest, when it is close: most of its columns are in the file and
 * most of the file's columns are in it. (The API names any preset sharing three columns; an
 * export with "SKU", "Quantity" and "Order Status" is not Amazon's 32-column report.)
 */
export function nearPreset(preview: ExportPreview): ExportPreview["closest_preset"] {
  const near = preview.closest_preset;
  if (!near) return null;
  const names = new Set(preview.header.map(normaliseName).filter(Boolean));
  const shared = names.size - near.changes.added.length;
  const ofPreset = shared / Math.max(1, shared + near.changes.missing.length);
  const ofFile = shared / Math.max(1, names.size);
  return ofPreset >= NEAR_SHARE && ofFile >= NEAR_SHARE ? near : null;
}

/**
 * The first choices: the preset whose header nearly matches (its columns that are still there),
 * else the API's guesses; the statuses and day-first as the API found them in the whole file.
 */
export function initialMapping(preview: ExportPreview): MappingState {
  const near = nearPreset(preview);
  const inHeader = new Map(preview.header.map((h) => [normaliseName(h), h]));
  const columns: Record<string, FieldName | ""> = Object.fromEntries(preview.header.map((h) => [h, ""]));
  const fromPreset = near ? Object.entries(near.mapping.columns) : [];
  const taken = new Set<string>();
  for (const [field, column] of fromPreset) {
    const present = inHeader.get(normaliseName(column));
    if (present !== undefined && columns[present] === "") {
      columns[present] = field as FieldName;
      taken.add(field);
    }
  }
  for (const g of preview.guesses) {
    if (g.field && !taken.has(g.field) && columns[g.column] === "") {
      columns[g.column] = g.field;
      taken.add(g.field);
    }
  }
  const statuses: Record<string, OrderStatus | ""> = {};
  for (const s of preview.statuses) statuses[normaliseValue(s.value)] = s.status ?? "";
  for (const [value, status] of Object.entries(near?.mapping.statuses ?? {})) {
    const key = normaliseValue(value);
    if (key in statuses) statuses[key] = status as OrderStatus;
  }
  const source = near && !near.shipped ? near.mapping.source : "";
  return {
    name: near && !near.shipped ? near.name : "",
    source,
    sourceEdited: source !== "",
    columns,
    statuses,
    dayFirst: preview.suggested.day_first ?? near?.mapping.day_first ?? null,
    priceBasis: near?.mapping.price_basis ?? "unit",
    channel: near?.mapping.channel ?? "marketplace",
    marketplace: near?.mapping.marketplace ?? "",
  };
}

/** Map a column to a field; a field maps from one column only, so another column holding it lets go. */
export function assignField(state: MappingState, column: string, field: FieldName | ""): MappingState {
  const columns = { ...state.columns };
  if (field) for (const c of Object.keys(columns)) if (columns[c] === field) columns[c] = "";
  columns[column] = field;
  return { ...state, columns };
}

export function setStatus(state: MappingState, value: string, status: OrderStatus | ""): MappingState {
  return { ...state, statuses: { ...state.statuses, [normaliseValue(value)]: status } };
}

/** The name, and the source from it while the source was not typed by hand. */
export function setName(state: MappingState, name: string): MappingState {
  return { ...state, name, source: state.sourceEdited ? state.source : sourceFromName(name) };
}

export function setSource(state: MappingState, source: string): MappingState {
  return { ...state, source: source.trim().toLowerCase(), sourceEdited: true };
}

/** Field -> column, as the API's mapping has it. */
export function fieldColumns(state: MappingState): Partial<Record<FieldName, string>> {
  const out: Partial<Record<FieldName, string>> = {};
  for (const [column, field] of Object.entries(state.columns)) if (field) out[field] = column;
  return out;
}

function columnValues(preview: ExportPreview, column: string): string[] {
  const index = preview.header.indexOf(column);
  if (index < 0) return [];
  return preview.rows.map((r) => r[index]).filter((v): v is string | number | boolean => v !== null && String(v).trim() !== "" && String(v).trim() !== "-").map(String);
}

export interface StatusValue {
  value: string;
  rows: number;
  /** From the whole file (the API), or only from the first rows shown (another column was chosen). */
  fromSample: boolean;
}

/**
 * The status values to map: the API counts them over the whole file for the column it guessed;
 * for another column chosen here, the values of the rows shown.
 */
export function statusValues(preview: ExportPreview, state: MappingState): StatusValue[] {
  const column = fieldColumns(state).status;
  if (!column) return [];
  if (column === preview.suggested.columns.status) {
    return preview.statuses.map((s) => ({ value: normaliseValue(s.value), rows: s.rows, fromSample: false }));
  }
  const counts = new Map<string, number>();
  for (const v of columnValues(preview, column)) {
    const key = normaliseValue(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([value, rows]) => ({ value, rows, fromSample: true }));
}

const NUMERIC_DATE = /^(\d{1,4})[-/.](\d{1,2})[-/.](\d{2,4})\b/;

/**
 * Day-first from dates as written, decided over the whole column: a first part above 12 is a
 * day (true), a second part above 12 a month-first column (false); neither, or a year first,
 * is not told by the values (null).
 */
export function dayFirstOf(values: readonly string[]): boolean | null {
  let dayFirst = false;
  let monthFirst = false;
  for (const v of values) {
    const m = NUMERIC_DATE.exec(v.trim());
    if (!m || m[1].length === 4) continue;
    if (Number(m[1]) > 12) dayFirst = true;
    if (Number(m[2]) > 12) monthFirst = true;
  }
  if (dayFirst !== monthFirst) return dayFirst;
  return null;
}

export interface DateQuestion {
  column: string;
  /** The page must ask DD-MM or MM-DD. */
  ask: boolean;
  /** What the values say (null: they do not tell). */
  found: boolean | null;
  /** Examples from the column, to ask with. */
  examples: string[];
}

/** Whether the order date column needs the day-first question. */
export function dateQuestion(preview: ExportPreview, state: MappingState): DateQuestion | null {
  const column = fieldColumns(state).date;
  if (!column) return null;
  const examples = [...new Set(columnValues(preview, column))].slice(0, 3);
  const known = preview.dates.find((d) => d.column === column);
  if (known) return { column, ask: known.needs_answer, found: known.day_first, examples };
  const values = columnValues(preview, column);
  const numeric = values.some((v) => NUMERIC_DATE.test(v.trim()) && !/^\d{4}/.test(v.trim()));
  const found = dayFirstOf(values);
  return { column, ask: numeric && found === null, found, examples };
}

/** What stops the preset from being saved, in words; empty when it can be. */
export function problems(preview: ExportPreview, state: MappingState): string[] {
  const out: string[] = [];
  const mapped = fieldColumns(state);
  const required = preview.fields.filter((f) => f.required).map((f) => f.field);
  const missing = required.filter((f) => !mapped[f]);
  if (missing.length) out.push(`Choose a column for: ${missing.map((f) => FIELD_LABELS[f] ?? f).join(", ")}.`);
  const question = dateQuestion(preview, state);
  if (question?.ask && state.dayFirst === null) out.push(`Say how ${question.column} writes its dates: day first or month first.`);
  const unmapped = statusValues(preview, state).filter((s) => !state.statuses[s.value]);
  if (unmapped.length) out.push(`Choose a status for: ${unmapped.map((s) => `“${s.value}”`).join(", ")}.`);
  if (!state.name.trim()) out.push("Name the preset.");
  if (!SOURCE_PATTERN.test(state.source)) out.push("Give the source as 2 to 32 lower-case letters, digits, - or _ (for example flipkart).");
  return out;
}

/** The preset to save (POST /api/import-presets), from the preview's header and the choices. */
export function presetBody(preview: ExportPreview, state: MappingState): PresetBody {
  const values = new Set(statusValues(preview, state).map((s) => s.value));
  const statuses: Record<string, OrderStatus> = {};
  for (const [value, status] of Object.entries(state.statuses)) if (status && values.has(value)) statuses[value] = status;
  const question = dateQuestion(preview, state);
  return {
    name: state.name.trim(),
    header: preview.header,
    mapping: {
      source: state.source,
      columns: fieldColumns(state) as Record<string, string>,
      statuses,
      price_basis: state.priceBasis,
      channel: state.channel,
      marketplace: state.marketplace || null,
      day_first: state.dayFirst ?? question?.found ?? null,
    },
  };
}

/** The line under a column's select: what the API guessed and from what. */
export function guessText(guess: PreviewGuess | undefined): string {
  if (!guess?.field) return "No guess";
  const sure = guess.confidence >= 0.75 ? "sure" : guess.confidence >= 0.45 ? "likely" : "a hunch";
  return `Guessed ${FIELD_LABELS[guess.field] ?? guess.field} from its ${guess.reason} (${sure})`;
}

/** A cell of the sample as written; blanks as a dash. */
export function cellText(value: Cell | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  return String(value);
}
