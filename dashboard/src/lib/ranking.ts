import type { RankItem, RankQuery } from "../api/types";

export type Arrow = { dir: "up" | "down" | "same" | "new"; label: string; title: string };

/** How an item's rank moved since the previous ranking (positive rank_change = moved up). */
export function rankArrow(item: Pick<RankItem, "previous_rank" | "rank_change">): Arrow {
  if (item.previous_rank === null || item.previous_rank === undefined) {
    return { dir: "new", label: "NEW", title: "New in the ranking" };
  }
  const change = item.rank_change ?? 0;
  if (change > 0) return { dir: "up", label: `▲${change}`, title: `Up ${change} from #${item.previous_rank}` };
  if (change < 0) return { dir: "down", label: `▼${-change}`, title: `Down ${-change} from #${item.previous_rank}` };
  return { dir: "same", label: "–", title: `Unchanged at #${item.previous_rank}` };
}

/** Does an item satisfy the filters of a /api/rank query (the same rules the API applies)? */
export function matchesQuery(item: RankItem, query: RankQuery): boolean {
  if (query.category && item.category !== query.category) return false;
  if (query.marketplace && item.marketplace !== query.marketplace) return false;
  if (query.q) {
    const needle = query.q.trim().toLowerCase();
    if (needle && !item.title.toLowerCase().includes(needle) && !item.item_id.toLowerCase().includes(needle)) return false;
  }
  return true;
}

/**
 * Merge a live "ranking" message (the top N of the whole catalogue) into the page on screen.
 *
 * Items the message carries are authoritative: their rank, score, stock and rules replace the
 * page's. An item the message does not carry keeps its last known state, except that its rank
 * cannot be one the message has given to another item; such items are dropped from the top of
 * the page because the message proves they are no longer there (removed by a rule or overtaken).
 * On the first page, items of the message that match the filters join the page, so a pin or a
 * boost shows up without a refetch. The result is ordered by rank and at most `limit` long.
 */
export function mergeLiveRanking(page: RankItem[], live: RankItem[], query: RankQuery, limit: number): RankItem[] {
  const liveById = new Map(live.map((item) => [item.item_id, item]));
  const liveMaxRank = live.reduce((max, item) => Math.max(max, item.rank), 0);
  const offset = query.offset ?? 0;

  const merged = new Map<string, RankItem>();
  for (const item of page) {
    const fresh = liveById.get(item.item_id);
    if (fresh) merged.set(item.item_id, { ...item, ...fresh });
    else if (item.rank > liveMaxRank) merged.set(item.item_id, item);
  }
  if (offset === 0) {
    for (const item of live) {
      if (!merged.has(item.item_id) && matchesQuery(item, query)) merged.set(item.item_id, item);
    }
  }
  const items = [...merged.values()].sort((a, b) => a.rank - b.rank);
  return items.slice(0, limit);
}
