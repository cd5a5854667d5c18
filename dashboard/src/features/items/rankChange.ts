// "Why did the rank change": where the rank-change arrows lead, and the panel's words.

export const RANK_CHANGE_ANCHOR = "rank-change";

/**
 * The item inspector's rank-change panel, measured from `since` when the ranking says when. The
 * ranking's own previous rank (measured at that very moment) goes along as `then`, for when the
 * API has no saved rank from then.
 */
export function rankChangeHref(itemId: string, since: string | null | undefined, previousRank?: number | null): string {
  const base = `/item/${encodeURIComponent(itemId)}`;
  const params = new URLSearchParams();
  if (since) params.set("since", since);
  if (since && previousRank) params.set("then", String(previousRank));
  const query = params.toString();
  return `${base}${query ? `?${query}` : ""}#${RANK_CHANGE_ANCHOR}`;
}

/** The rank then: the API's saved rank, else the ranking's previous rank passed in the link. */
export function rankThen(fromApi: number | null | undefined, fromLink: string | null | undefined): number | null {
  if (fromApi) return fromApi;
  const value = Number(fromLink);
  return Number.isInteger(value) && value > 0 ? value : null;
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
