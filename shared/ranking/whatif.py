"""What-if pricing: how would one item's score and rank move at other prices?

The item's state is copied with each new price and its features rebuilt with the ranker's
catalogue context (so price-relative features such as price vs category median and vs the
competitor move with it), scored in one batch, and placed against everyone else's *current*
adjusted scores with the active rules. Nothing is written and nothing in the ranker changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np

from shared.core.errors import NotFound, ValidationFailed
from shared.ml.explain import contributions
from shared.ranking.ranker import Ranker
from shared.ranking.rule_models import Rule

MAX_PRICES = 200


@dataclass(frozen=True)
class WhatIfPoint:
    price: float
    score: float
    adjusted_score: float
    score_change: float
    rank: int | None  # None: a remove rule hides the item
    rank_change: int | None  # current rank - new rank: positive = moves up


@dataclass(frozen=True)
class PriceWhatIf:
    item_id: str
    model_version: str
    current_price: float | None
    current_score: float
    current_rank: int | None
    points: list[WhatIfPoint]
    # One price only: per feature, value and SHAP contribution before and after.
    shap_change: list[dict[str, Any]] | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def price_whatif(
    ranker: Ranker,
    product_state: Mapping[str, Any],
    new_prices: Sequence[float],
    now: datetime,
    rules: Iterable[Rule],
) -> PriceWhatIf:
    prices = _validate_prices(new_prices)
    item_id = str(product_state.get("item_id", ""))
    current = ranker.scores_for([item_id])
    if item_id not in current or ranker.context is None:
        raise NotFound(f"item {item_id!r} is not in the ranking")
    rules = list(rules)
    docs = [{**product_state, "price": price} for price in prices]
    X = ranker.features(docs, now)
    scores = ranker.score(X)
    current_score = current[item_id]
    adjusted, ranks = ranker.placement(item_id, np.append(scores, current_score), rules, now)
    current_rank = ranks[-1]
    points = [
        WhatIfPoint(
            price=price,
            score=float(score),
            adjusted_score=float(shifted),
            score_change=float(score - current_score),
            rank=rank,
            rank_change=None if rank is None or current_rank is None else current_rank - rank,
        )
        for price, score, shifted, rank in zip(
            prices, scores, adjusted[:-1], ranks[:-1], strict=True
        )
    ]
    shap_change = None
    if len(prices) == 1:
        before = ranker.features_of(item_id)
        _, values = contributions(ranker.model, np.vstack([before, X[0]]))
        shap_change = [
            {
                "name": name,
                "value_before": _plain(before[i]),
                "value_after": _plain(X[0, i]),
                "contribution_before": float(values[0, i]),
                "contribution_after": float(values[1, i]),
                "change": float(values[1, i] - values[0, i]),
            }
            for i, name in enumerate(ranker.model.features)
        ]
    price = product_state.get("price")
    return PriceWhatIf(
        item_id=item_id,
        model_version=ranker.model.version,
        current_price=None if price is None else float(price),
        current_score=current_score,
        current_rank=current_rank,
        points=points,
        shap_change=shap_change,
    )


@dataclass(frozen=True)
class PriceCurve:
    """One item's ranks at other prices (``price_curves``)."""

    item_id: str
    current_score: float
    current_rank: int | None
    prices: list[float]
    scores: list[float]
    ranks: list[int | None]


CURVE_CHUNK = 5_000


def price_curves(
    ranker: Ranker,
    product_states: Sequence[Mapping[str, Any]],
    factors: Sequence[float],
    now: datetime,
    rules: Iterable[Rule],
) -> list[PriceCurve]:
    """``price_whatif`` for many items at once, each at ``price x factor`` for every factor:
    features and scores in one batch per chunk of items, ranks from ``Ranker.placements``.
    Nothing is written; the items must be in the ranking and have a price."""
    rules = list(rules)
    if ranker.context is None:
        raise NotFound("the ranking has not been built yet")
    out: list[PriceCurve] = []
    for start in range(0, len(product_states), CURVE_CHUNK):
        chunk = product_states[start : start + CURVE_CHUNK]
        ids = [str(s.get("item_id", "")) for s in chunk]
        current = ranker.scores_for(ids)
        missing = [i for i in ids if i not in current]
        if missing:
            raise NotFound(f"items {missing[:5]} are not in the ranking")
        prices = [[round(float(s["price"]) * f, 2) for f in factors] for s in chunk]
        docs = [{**s, "price": p} for s, row in zip(chunk, prices, strict=True) for p in row]
        scores = ranker.score(ranker.features(docs, now)).reshape(len(chunk), len(factors))
        candidates = np.column_stack([scores, [current[i] for i in ids]])
        ranks = ranker.placements(ids, candidates, rules, now)
        out += [
            PriceCurve(
                item_id=item,
                current_score=current[item],
                current_rank=rank[-1],
                prices=row_prices,
                scores=[float(v) for v in row_scores],
                ranks=rank[:-1],
            )
            for item, row_prices, row_scores, rank in zip(ids, prices, scores, ranks, strict=True)
        ]
    return out


def _validate_prices(values: Sequence[float]) -> list[float]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
        raise ValidationFailed("prices must be a non-empty list of numbers", field="prices")
    if len(values) > MAX_PRICES:
        raise ValidationFailed(f"at most {MAX_PRICES} prices per curve", field="prices")
    out = []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationFailed(f"prices[{i}] must be a number", field=f"prices[{i}]")
        if not math.isfinite(value) or value <= 0:
            raise ValidationFailed(
                f"prices[{i}] must be a positive price in INR", field=f"prices[{i}]"
            )
        out.append(float(value))
    return out


def _plain(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
