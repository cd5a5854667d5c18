"""Explanations and what-if answers in the API's shape. Nothing here writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.core.errors import NotFound, ValidationFailed
from shared.live.ranking_view import rank_history
from shared.live.state import LiveState
from shared.ml.baselines import explain_baseline
from shared.ml.explain import explain
from shared.ranking.rank_change import explain_change
from shared.ranking.whatif import price_whatif


def explain_item(state: LiveState, item_id: str, now: datetime) -> dict[str, Any]:
    with state.lock:
        if state.ranker is None or not state.ranker.scores_for([item_id]):
            raise NotFound(f"no ranked item {item_id!r}")
        row = state.ranker.features_of(item_id)
        result = explain(state.ranker.model, row)
        product = state.cache.get(item_id) or {}
        ranked_by = state.ranker.ranked_by(product.get("marketplace"), item_id)
    contributions = sorted(
        (
            {
                "feature": f["name"],
                "value": f["value"],
                "contribution": f["contribution"],
                **({"label": f["label"]} if "label" in f else {}),
            }
            for f in result["features"]
        ),
        key=lambda c: -abs(c["contribution"]),
    )
    # The SHAP values are always the model's; where a baseline ranks this kind of item (the
    # model's evidence did not clear the bar), what ranked it is the baseline's own sum.
    return {
        "item_id": item_id,
        "model_version": result["model_version"],
        "ranked_by": ranked_by,
        **({"baseline": explain_baseline(ranked_by, row)} if ranked_by != "model" else {}),
        "base_value": result["base_value"],
        "raw_score": result["raw_score"],
        "contributions": contributions,
    }


def explain_since(state: LiveState, item_id: str, since: datetime, now: datetime) -> dict:
    """What moved the item's rank since ``since``: SHAP then and now, in words."""
    if since >= now:
        raise ValidationFailed("'since' must be in the past", field="since")
    product = state.cache.get(item_id)
    if product is None or product.get("catalogued") is False:
        raise NotFound(f"no ranked item {item_id!r}")
    events = state.store.query(
        "events", "SELECT * FROM c WHERE c.item_id = @item", [("@item", item_id)]
    )
    with state.lock:
        assert state.ranker is not None
        result = explain_change(state.ranker, product, list(events), since)
        rank_now = state.ranker.rank_of(item_id, state.active_rules(), now)
    then = _nearest(rank_history(state.store, item_id, now), since)
    return {
        **result,
        "rank_then": then["rank"] if then else None,
        "rank_then_at": then["t"] if then else None,
        "rank_now": rank_now,
    }


def _nearest(points: list[dict], moment: datetime) -> dict | None:
    """The saved rank closest to ``moment`` (snapshots are a few seconds apart), within 5 min."""
    best = min(
        points,
        key=lambda p: abs((datetime.fromisoformat(p["t"]) - moment).total_seconds()),
        default=None,
    )
    if best is None or abs((datetime.fromisoformat(best["t"]) - moment).total_seconds()) > 300:
        return None
    return best


def whatif(
    state: LiveState,
    item_id: str,
    new_price: float | None,
    prices: list[float] | None,
    now: datetime,
) -> dict[str, Any]:
    product = state.cache.get(item_id)
    if product is None or product.get("catalogued") is False:
        raise NotFound(f"no ranked item {item_id!r}")
    with state.lock:
        assert state.ranker is not None
        wanted = prices if prices is not None else [float(new_price or 0)]
        result = price_whatif(
            state.ranker,
            product,
            wanted,
            now,
            state.active_rules(),
        )
        # A baseline that ranks this kind of item (the model's evidence did not clear the bar)
        # ignores price: the page says so instead of showing a rank that never moves.
        ranked_by = state.ranker.ranked_by(product.get("marketplace"), item_id)
    current = {
        "price": result.current_price,
        "score": result.current_score,
        "rank": result.current_rank,
    }
    if prices is not None:
        return {
            "item_id": item_id,
            "model_version": result.model_version,
            "ranked_by": ranked_by,
            "current": current,
            "curve": [{"price": p.price, "score": p.score, "rank": p.rank} for p in result.points],
        }
    point = result.points[0]
    return {
        "item_id": item_id,
        "model_version": result.model_version,
        "ranked_by": ranked_by,
        "current": current,
        "predicted": {
            "price": point.price,
            "score": point.score,
            "rank": point.rank,
            "rank_change": point.rank_change,
        },
        "shap_change": sorted(
            (
                {
                    "feature": c["name"],
                    "before": c["contribution_before"],
                    "after": c["contribution_after"],
                    "delta": c["change"],
                    "value_before": c["value_before"],
                    "value_after": c["value_after"],
                }
                for c in result.shap_change or []
            ),
            key=lambda c: -abs(c["delta"]),
        ),
    }
