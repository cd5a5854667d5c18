// "Why did the rank change": where the rank-change arrows lead, and the panel's words.

export const RANK_CHANGE_ANCHOR = "rank-change";

/** The item inspector's rank-change panel, measured from `since` when the ranking says when. */
export function rankChangeHref(itemId: string, since: string | null | undefined): string {
  const base = `/item/${encodeURIComponent(itemId)}`;
  const query = since ? `?since=${encodeURIComponent(since)}` : "";
  return `${base}${query}#${RANK_CHANGE_ANCHOR}`;
}

/** One hour before `now`, as the ISO time the API takes. */
export function hourAgo(now: number = Date.now()): string {
  return new Date(now - 3_600_000).toISOString();
}

/** "#12 → #4, up 8"; "not ranked then → #4"; "#4 → #4, unchanged". */
export function rankMove(then: number | null | undefined, now: number | null | undefined): string {
  const a = then ? `#${then}` : "no saved rank then";
  const b = now ? `#${now}` : "not ranked now";
  if (!then || !now) return `${a} → ${b}`;
  if (then === now) return `${a} → ${b}, unchanged`;
  return then > now ? `${a} → ${b}, up ${then - now}` : `${a} → ${b}, down ${now - then}`;
}

/** A feature value for the table: "—" when the marketplace does not send it. */
export function featureValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "not sent";
  if (Number.isInteger(value)) return new Intl.NumberFormat("en-IN").format(value);
  return new Intl.NumberFormat("en-IN", { maximumFractionDigits: 3 }).format(value);
}

/**
 * A reason as the seller reads it: a share is never shown over 100 % ("over 100%"), and a value
 * the marketplace does not send never reads as NaN.
 */
export function reasonText(sentence: string): string {
  return sentence
    .replace(/(\d[\d,]*(?:\.\d+)?)%/g, (whole, digits: string) => (Number(digits.replace(/,/g, "")) > 100 ? "over 100%" : whole))
    .replace(/\bnan\b/gi, "not sent");
}
