"""The ranking as the API and the dashboard see it: ranker entries joined with the catalogue.

Previous ranks come from the ranker's published baseline, re-based at most every
``RANK_CHANGE_WINDOW``, so a broadcast and a refetch moments later show the same arrows. Every
few seconds the top of the ranking is saved, one document per minute with that minute's latest
ranks (``snapshots`` container, kind ``ranking``, kept a day): the item inspector's rank history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.adapters.cosmos import Store
from shared.live.state import LiveState

SNAPSHOT_TOP = 200
HISTORY_TTL = 86_400
RANK_CHANGE_WINDOW = timedelta(minutes=5)
SNAPSHOT_EVERY = timedelta(seconds=10)


def entry_payload(state: LiveState, entry: Any, percentile: float) -> dict[str, Any]:
    product = state.cache.get(entry.item_id) or {}
    return {
        "item_id": entry.item_id,
        "title": product.get("title", entry.item_id),
        "category": product.get("category"),
        "marketplace": product.get("marketplace"),
        "brand": product.get("brand"),
        "price": product.get("price"),
        "mrp": product.get("mrp"),
        "stock": product.get("stock"),
        "score": round(float(entry.score), 6),
        "score_percentile": percentile,
        "rank": entry.rank,
        "previous_rank": entry.previous_rank,
        "rank_change": entry.rank_change,
        "rules": [{"id": r.id, "type": r.type} for r in entry.rules],
        # "model", or the baseline that ranks this kind of item (its marketplace, or sales that
        # come in files) until the model beats it: the entry's own, decided from its row.
        "ranked_by": entry.ranked_by,
    }


def ranking_payload(
    state: LiveState,
    *,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
    category: str | None = None,
    marketplace: str | None = None,
    query: str | None = None,
) -> dict[str, Any]:
    with state.lock:
        assert state.ranker is not None
        page = state.ranker.ranking(
            state.active_rules(),
            now,
            category=category,
            marketplace=marketplace,
            limit=limit,
            offset=offset,
            query=query,
        )
        percentiles = state.ranker.percentiles(e.score for e in page.entries)
        items = [entry_payload(state, e, p) for e, p in zip(page.entries, percentiles, strict=True)]
    return {
        "model_version": state.model_version,
        "as_of": now.isoformat(),
        # Rank changes are against the ranking at this moment (GET /api/explain/{id}?since=).
        "previous_rank_at": state.published_at.isoformat() if state.published_at else None,
        "total": page.total,
        "items": items,
    }


def save_snapshot(store: Store, state: LiveState, now: datetime) -> None:
    """After a broadcast: move the rank-change baseline when due, record the minute's ranks."""
    assert state.ranker is not None
    rules = state.active_rules()
    if state.published_at is None or now - state.published_at >= RANK_CHANGE_WINDOW:
        state.ranker.publish(rules, now)
        state.published_at = now
    minute = now.strftime("%Y%m%d%H%M")
    last = state.snapshot_at
    if last is not None and last.strftime("%Y%m%d%H%M") == minute and now - last < SNAPSHOT_EVERY:
        return  # a few writes a minute however many broadcasts; the minute's latest ranks win
    page = state.ranker.ranking(rules, now, limit=SNAPSHOT_TOP)
    ranks = {e.item_id: [e.rank, round(float(e.score), 6)] for e in page.entries}
    store.upsert(
        "snapshots",
        {
            "id": f"ranking-{minute}",
            "kind": "ranking",
            "at": now.isoformat(),
            "ranks": ranks,
            "ttl": HISTORY_TTL,
        },
    )
    state.snapshot_at = now


def rank_history(store: Store, item_id: str, now: datetime) -> list[dict[str, Any]]:
    since = (now - timedelta(days=1)).isoformat()
    rows = store.query(
        "snapshots",
        "SELECT c.at, c.ranks FROM c WHERE c.kind = 'ranking' AND c.at >= @since",
        [("@since", since)],
        partition_key="ranking",
    )
    points = []
    for row in rows:
        hit = row["ranks"].get(item_id)
        if hit:
            points.append({"t": row["at"], "rank": hit[0], "score": hit[1]})
    return sorted(points, key=lambda p: p["t"])
