"""Why an item's rank moved: its SHAP contributions at an earlier moment and now (or, for an
item a baseline ranks, the baseline's parts then and now).

The item's state at ``since`` is rebuilt from its own events (the log is the truth: stock,
price and windowed counters exactly as they were), scored with the current model and
catalogue context, and explained next to its current row. Using one model for both moments
isolates what changed about the item; a model promoted in between is reported, not mixed in.
Nothing here writes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from shared.core.errors import NotFound
from shared.ml.baselines import explain_baseline
from shared.ml.explain import contributions
from shared.projection import fold
from shared.ranking.ranker import Ranker

TOP_REASONS = 3

# What a seller calls each feature; windows are spelled out where they matter.
WORDS: dict[str, str] = {
    "views_1h": "views in the last hour",
    "views_24h": "views in the last 24 h",
    "views_7d": "views in the last 7 days",
    "clicks_1h": "clicks in the last hour",
    "clicks_24h": "clicks in the last 24 h",
    "clicks_7d": "clicks in the last 7 days",
    "orders_1h": "orders in the last hour",
    "orders_24h": "orders in the last 24 h",
    "orders_7d": "orders in the last 7 days",
    "units_24h": "units sold in the last 24 h",
    "units_7d": "units sold in the last 7 days",
    "revenue_24h": "revenue in the last 24 h",
    "revenue_7d": "revenue in the last 7 days",
    "ctr_24h": "click-through rate over 24 h",
    "ctr_7d": "click-through rate over 7 days",
    "conversion_24h": "conversion over 24 h",
    "conversion_7d": "conversion over 7 days",
    "unit_sessions_7d": "units per view over 7 days",
    "trend_views": "today's views against the week's pace",
    "trend_units": "today's sales against the week's pace",
    "price": "price",
    "price_vs_category": "price against the category median",
    "discount": "discount off MRP",
    "price_vs_competitor": "price against the lowest competitor",
    "rating": "rating",
    "review_count": "number of reviews",
    "stock": "stock",
    "in_stock": "in stock",
    "days_of_cover": "days of cover",
    "marketplace": "marketplace",
    "category": "category",
    "velocity_7d": "units a day over 7 days",
    "velocity_14d": "units a day over 14 days",
    "velocity_30d": "units a day over 30 days",
    "velocity_acceleration": "this week's daily sales against the week before",
    "turnover_30d": "stock turnover over 30 days",
    "reserved_share": "share of stock reserved",
    "channel_share_online": "share of 30-day units sold online",
    "channel_share_pos": "share of 30-day units sold in stores",
    "channel_share_marketplace": "share of 30-day units sold on marketplaces",
    "channel_share_wholesale": "share of 30-day units sold wholesale",
    "unit_price_vs_price_online": "online revenue per unit against the price",
    "unit_price_vs_price_pos": "store revenue per unit against the price",
    "unit_price_vs_price_marketplace": "marketplace revenue per unit against the price",
    "unit_price_vs_price_wholesale": "wholesale revenue per unit against the price",
    "external_demand": "external demand (low, medium, high)",
    "market_trend": "market trend",
    "weather": "weather",
    "event_impact": "promotion or holiday",
    "social_sentiment": "social sentiment",
}
_RATIOS = {
    "ctr_24h", "ctr_7d", "conversion_24h", "conversion_7d", "unit_sessions_7d", "discount",
    "reserved_share", "channel_share_online", "channel_share_pos", "channel_share_marketplace",
    "channel_share_wholesale",
}  # fmt: skip
_MONEY = {"price", "revenue_24h", "revenue_7d"}


@dataclass(frozen=True)
class FeatureMove:
    name: str
    value_then: float | None
    value_now: float | None
    contribution_then: float
    contribution_now: float
    # What a seller calls it, where it is not a feature (a baseline's part).
    words: str | None = None

    @property
    def delta(self) -> float:
        return self.contribution_now - self.contribution_then

    def sentence(self) -> str:
        """ "orders in the last 24 h rose from 3 to 11: +0.8" """
        words = self.words or WORDS.get(self.name, self.name)
        then, now = self.value_then, self.value_now
        if then is None and now is None:
            moved = "not sent"
        elif then is None or now is None:
            moved = f"is now {_fmt(self.name, now)}" if now is not None else "is no longer sent"
        elif now > then:
            moved = f"rose from {_fmt(self.name, then)} to {_fmt(self.name, now)}"
        elif now < then:
            moved = f"fell from {_fmt(self.name, then)} to {_fmt(self.name, now)}"
        else:
            moved = f"stayed at {_fmt(self.name, now)}"
        return f"{words} {moved}: {self.delta:+.2f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.name,
            "value_then": self.value_then,
            "value_now": self.value_now,
            "contribution_then": self.contribution_then,
            "contribution_now": self.contribution_now,
            "delta": self.delta,
            "sentence": self.sentence(),
            **({"words": self.words} if self.words else {}),
        }


def explain_change(
    ranker: Ranker,
    product: Mapping[str, Any],
    events: Iterable[Mapping[str, Any]],
    since: datetime,
) -> dict[str, Any]:
    """Feature by feature, what moved the item's score between ``since`` and now."""
    item_id = str(product["item_id"])
    if not ranker.scores_for([item_id]) or ranker.context is None:
        raise NotFound(f"item {item_id!r} is not in the ranking")
    past = [e for e in events if fold.as_datetime(e["occurred_at"]) <= since]
    state_then = fold.rebuild(product, past)
    then = ranker.features([state_then], since)[0]
    now = ranker.features_of(item_id)
    ranked_by = ranker.ranked_by(product.get("marketplace"), item_id)
    if ranked_by != "model":
        return {
            "item_id": item_id,
            "model_version": ranker.model.version,
            "ranked_by": ranked_by,
            "since": since.isoformat(),
            **_baseline_change(ranked_by, then, now),
        }
    base, values = contributions(ranker.model, np.vstack([then, now]))
    moves = [
        FeatureMove(
            name=name,
            value_then=_plain(then[i]),
            value_now=_plain(now[i]),
            contribution_then=float(values[0, i]),
            contribution_now=float(values[1, i]),
        )
        for i, name in enumerate(ranker.model.features)
    ]
    moves.sort(key=lambda m: -abs(m.delta))
    return {
        "item_id": item_id,
        "model_version": ranker.model.version,
        "ranked_by": ranked_by,
        "since": since.isoformat(),
        "base_value": base,
        "score_then": float(base + values[0].sum()),
        "score_now": float(base + values[1].sum()),
        "reasons": [m.sentence() for m in moves[:TOP_REASONS] if abs(m.delta) > 1e-9],
        "changes": [m.to_dict() for m in moves],
    }


def _baseline_change(baseline: str, then: np.ndarray, now: np.ndarray) -> dict[str, Any]:
    """The same answer for an item a baseline ranks: its parts then and now (a baseline's
    score is the sum of its parts, so the parts that moved are the whole reason)."""
    before, after = explain_baseline(baseline, then), explain_baseline(baseline, now)
    parts_then = {p["part"]: p for p in before["parts"]}
    parts_now = {p["part"]: p for p in after["parts"]}
    moves = [
        FeatureMove(
            name=part,
            value_then=parts_then.get(part, {}).get("value"),
            value_now=parts_now.get(part, {}).get("value"),
            contribution_then=float(parts_then.get(part, {}).get("contribution", 0.0)),
            contribution_now=float(parts_now.get(part, {}).get("contribution", 0.0)),
            words=(parts_now.get(part) or parts_then[part])["words"],
        )
        for part in dict.fromkeys([*parts_then, *parts_now])
    ]
    moves.sort(key=lambda m: -abs(m.delta))
    reasons = [m.sentence() for m in moves if abs(m.delta) > 1e-9]
    if parts_then.keys() != parts_now.keys():
        # Out of stock (or sales not sent) at one moment: one part at -1 stands for the whole
        # score, so the gate itself is the reason and the spans are not "no longer sent".
        delta = after["score"] - before["score"]
        gate = next(p for p in (*after["parts"], *before["parts"]) if p["part"] in _GATES)
        went, came = _GATES[gate["part"]]
        reasons = [f"{went if gate['part'] in parts_now else came}: {delta:+.2f}"]
    return {
        "base_value": 0.0,
        "score_then": before["score"],
        "score_now": after["score"],
        "reasons": reasons[:TOP_REASONS],
        "changes": [m.to_dict() for m in moves],
    }


# A baseline's one-part answers: (words when it starts, words when it ends).
_GATES = {
    "in_stock": ("went out of stock: ranked after every item in stock", "back in stock"),
    "not_sent": ("sales no longer sent", "sales now sent"),
}


def _plain(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "not sent"
    if name in _RATIOS:
        # Smoothed rates can pass 1 (more orders than clicks when clicks are not sent).
        return "over 100%" if value > 1 else f"{value * 100:.1f}%"
    if name in _MONEY:
        return f"₹{value:,.0f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"
