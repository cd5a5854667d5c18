/**
 * What the live connection does when a phone sleeps and wakes.
 *
 * A page that goes hidden (screen off, another app) keeps its hub connection for a short grace
 * period, then closes it: a sleeping phone receives nothing, and nothing piles up for it. When the
 * page is visible again, one new connection is opened and every page refetches what it shows once
 * (the `connects` counter), instead of replaying the messages it missed.
 *
 * A phone may freeze the page before the grace timer fires; the connection then still looks open
 * when the page wakes, with a backlog of stale messages in its socket. A page that was hidden for
 * longer than the grace period therefore drops that connection unread and starts a fresh one.
 */
export const HIDDEN_GRACE_MS = 10_000;

export type ResumeAction = "none" | "connect" | "restart";

export function resumeAction(opts: { paused: boolean; hiddenAt: number | null; now: number; graceMs?: number }): ResumeAction {
  if (opts.paused) return "connect";
  if (opts.hiddenAt === null) return "none";
  return opts.now - opts.hiddenAt > (opts.graceMs ?? HIDDEN_GRACE_MS) ? "restart" : "none";
}

/**
 * Seconds since the epoch at which a JWT expires, or null if it cannot be read. The hub token is
 * reused for the next connection while it has a minute left, so a reconnection negotiates once.
 */
export function tokenExpiry(token: string): number | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : null;
  } catch {
    return null;
  }
}

export function tokenUsable(token: string | null, nowMs: number, marginMs = 60_000): token is string {
  if (!token) return false;
  const exp = tokenExpiry(token);
  return exp !== null && exp * 1000 - marginMs > nowMs;
}
