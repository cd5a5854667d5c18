// Store health as a seller reads it.
import type { Rejection } from "../../api/types";

const REASONS: Record<string, string> = {
  unauthorized: "Bad or missing signature, stale timestamp or wrong key",
  validation_failed: "Payload did not validate",
  malformed_json: "Body was not JSON",
  bad_request: "Bad request",
  payload_too_large: "Body over the size limit",
  forbidden: "Refused",
};

/** "Bad or missing signature… (unauthorized)": words first, the code for support. */
export function reasonText(reason: string): string {
  const words = REASONS[reason];
  return words ? `${words} (${reason})` : reason.replace(/_/g, " ");
}

/** The UTC minute "202612020745" as an ISO time, or null. */
export function minuteToIso(minute: string | null | undefined): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(minute ?? "");
  if (!m) return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00Z`;
}

/** Events per minute: "0", "0.4", "12", "1,250" (a 5-minute average). */
export function perMinute(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value) || value <= 0) return "0";
  if (value < 10) return String(Math.round(value * 10) / 10);
  return new Intl.NumberFormat("en-IN", { maximumFractionDigits: 0 }).format(value);
}

export function rejectedTotal(rejected: Rejection[] | undefined, total?: number): number {
  if (typeof total === "number" && Number.isFinite(total)) return total;
  return (rejected ?? []).reduce((sum, r) => sum + (r.count || 0), 0);
}

/** Is the previous secret still accepted at `now`? */
export function graceLeft(until: string | null | undefined, now: number = Date.now()): boolean {
  if (!until) return false;
  const t = Date.parse(until);
  return Number.isFinite(t) && t > now;
}
