"""One product as the item inspector shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.core.records import COUNTERS
from shared.live.ranking_view import rank_history
from shared.live.state import LiveState
from shared.projection.windows import WINDOWS, days_of_cover, window_counts


def item_details(state: LiveState, product: dict[str, Any], now: datetime) -> dict[str, Any]:
    windows = window_counts([product], now)[0]
    counters = {}
    for name, sums in zip(WINDOWS, windows, strict=True):
        counters[name] = {
            c: (round(v, 2) if c == "revenue" else int(v))
            for c, v in zip(COUNTERS, sums, strict=True)
        }
    units_7d = counters["7d"]["units"]
    stock = int(product.get("stock", 0))
    # No sale in a week: the cover is unknown to a seller, not "365 days".
    cover = round(float(days_of_cover(stock, units_7d)), 1) if units_7d > 0 else None
    rank = score = None
    if state.ranker is not None and product.get("catalogued", True):
        rank = state.ranker.rank_of(product["item_id"], state.active_rules(), now)
        score = state.ranker.scores_for([product["item_id"]]).get(product["item_id"])
    return {
        **{
            k: product.get(k)
            for k in (
                "item_id",
                "title",
                "category",
                "brand",
                "marketplace",
                "price",
                "mrp",
                "rating",
                "review_count",
                "competitor_price",
                "last_event_at",
                "last_order_price",
                "first_seen_at",
                "asin",
            )
        },
        # A listing known only from its events: shown, counted, ranked once completed.
        "needs_catalogue_details": product.get("catalogued", True) is False,
        "stock": stock,
        "days_of_cover": cover,
        "counters": counters,
        "totals": product.get("totals", {}),
        "score": score,
        "score_percentile": (
            state.ranker.percentiles([score])[0]
            if state.ranker is not None and score is not None
            else None
        ),
        "rank": rank,
        "model_version": state.model_version,
        # Saved ranks of the last day, then the live one.
        "rank_history": rank_history(state.store, product["item_id"], now)
        + ([{"t": now.isoformat(), "rank": rank, "score": score}] if rank is not None else []),
    }
