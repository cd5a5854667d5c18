import type { LiveEvent } from "../api/types";

export const TICKER_SIZE = 50;

/** Add a live event to the ticker: newest first, no duplicates (delivery is at least once), bounded. */
export function pushEvent(buffer: readonly LiveEvent[], event: LiveEvent, size: number = TICKER_SIZE): LiveEvent[] {
  if (buffer.some((existing) => existing.id === event.id)) return buffer as LiveEvent[];
  const next = [event, ...buffer];
  // Messages can arrive out of order across reconnects; keep the newest occurrence first.
  next.sort((a, b) => Date.parse(b.occurred_at) - Date.parse(a.occurred_at));
  return next.slice(0, size);
}
