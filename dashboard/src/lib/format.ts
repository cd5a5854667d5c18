// Indian conventions: rupees with lakh/crore grouping, times in IST.

const TZ = "Asia/Kolkata";
const DASH = "—";

const rupees = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR", maximumFractionDigits: 0 });
const rupeesPaise = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const rupeesCompact = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR", notation: "compact", minimumFractionDigits: 0, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en-IN", { notation: "compact", maximumFractionDigits: 1 });

function missing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

/** ₹12,34,567 (whole rupees); with paise: ₹1,234.50. */
export function inr(value: number | null | undefined, paise = false): string {
  if (missing(value)) return DASH;
  return (paise ? rupeesPaise : rupees).format(value);
}

/** ₹12.35L, ₹1.2Cr: for tight spaces such as chart axes and KPI subtitles. */
export function inrCompact(value: number | null | undefined): string {
  if (missing(value)) return DASH;
  return rupeesCompact.format(value);
}

/** 12,34,567 */
export function int(value: number | null | undefined): string {
  if (missing(value)) return DASH;
  return integer.format(value);
}

/** 950, 1.2K, 12.3L, 1.2Cr */
export function compactNumber(value: number | null | undefined): string {
  if (missing(value)) return DASH;
  return compact.format(value);
}

/** A 0..1 ratio as a percentage: 0.0345 -> "3.45%"; more digits for small ratios so they do not read as 0. */
export function pct(ratio: number | null | undefined, digits?: number): string {
  if (missing(ratio)) return DASH;
  const value = ratio * 100;
  const places = digits ?? (Math.abs(value) < 10 ? 2 : 1);
  return `${value.toFixed(places)}%`;
}

/** A model score, fixed to 4 places so columns line up. */
export function score(value: number | null | undefined): string {
  if (missing(value)) return DASH;
  return value.toFixed(4);
}

/**
 * Where a score stands in the catalogue, as a seller reads it: "Top 3%" for an item that scores
 * higher than 97% of the catalogue. The raw model score only orders items.
 */
export function standing(percentile: number | null | undefined): string {
  if (missing(percentile)) return DASH;
  const top = Math.max(1, Math.ceil(100 - percentile));
  return top >= 50 ? `Bottom ${Math.max(1, Math.ceil(percentile))}%` : `Top ${top}%`;
}

/** A signed number: +0.0123 / −0.0045 (true minus sign for legibility). */
export function signed(value: number, digits = 4): string {
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return `±${text}`;
  return value > 0 ? `+${text}` : `−${text}`;
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

const dateTime = new Intl.DateTimeFormat("en-IN", { timeZone: TZ, day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const timeOnly = new Intl.DateTimeFormat("en-IN", { timeZone: TZ, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** "22 Nov 2026, 05:13 IST" */
export function istDateTime(iso: string | null | undefined): string {
  const date = parse(iso);
  return date ? `${dateTime.format(date)} IST` : DASH;
}

/** "05:13:11" in IST, for tickers. */
export function istTime(iso: string | null | undefined): string {
  const date = parse(iso);
  return date ? timeOnly.format(date) : DASH;
}

const clock = new Intl.DateTimeFormat("en-IN", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const day = new Intl.DateTimeFormat("en-IN", { timeZone: TZ, day: "numeric", month: "short" });

/**
 * Time-axis labels in IST ("05:20"); the first label and each IST midnight also carry the date
 * ("00:00\n22 Nov") so a 24-hour chart says which day it is.
 */
export function istAxisLabels(epochSeconds: number[]): string[] {
  return epochSeconds.map((ts, i) => {
    const date = new Date(ts * 1000);
    const text = clock.format(date);
    return i === 0 || text === "00:00" ? `${text}\n${day.format(date)}` : text;
  });
}

/** Value for <input type="datetime-local"> showing an instant in IST: "2026-11-22T05:13". */
export function toIstInput(iso: string | Date): string {
  const date = typeof iso === "string" ? new Date(iso) : iso;
  const shifted = new Date(date.getTime() + 330 * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** An IST wall-clock time from <input type="datetime-local"> as a UTC ISO string, or null if blank/invalid. */
export function istInputToUtc(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  const utc = Date.UTC(y, mo - 1, d, h, mi) - 330 * 60_000;
  return new Date(utc).toISOString();
}

/** "12s ago", "5 min ago", "3 h ago" relative to now. */
export function ago(iso: string | null | undefined, now: number = Date.now()): string {
  const date = parse(iso);
  if (!date) return DASH;
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** Human label for a feature name: "price_ratio_competitor" -> "Price ratio competitor". */
export function featureLabel(name: string): string {
  const words = name.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function marketplaceLabel(name: string): string {
  return { amazon: "Amazon", myntra: "Myntra", meesho: "Meesho" }[name] ?? name;
}

const NBSP = "\u00a0";
const oneDecimal = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 1 });

/**
 * Short Indian notation for a number that must fit a small space: 99,999 stays whole; then
 * lakh and crore with at most one decimal: "4.3 L", "1.2 Cr", "1,234 Cr" (a no-break space before
 * the unit so it never wraps). With `rupees`: "₹4.3 L". The exact figure is always shown nearby.
 */
export function indianShort(value: number | null | undefined, rupees = false): string {
  if (missing(value)) return DASH;
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  const prefix = `${sign}${rupees ? "₹" : ""}`;
  if (abs < 1e5) return `${prefix}${integer.format(Math.round(abs))}`;
  // Round first, so 99,99,999 reads "1 Cr", not "100 L".
  const lakhs = Math.round(abs / 1e4) / 10;
  if (lakhs < 100) return `${prefix}${oneDecimal.format(lakhs)}${NBSP}L`;
  const crores = Math.round(abs / 1e6) / 10;
  return `${prefix}${oneDecimal.format(crores)}${NBSP}Cr`;
}
