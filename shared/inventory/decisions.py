"""The decision engine: for each item in danger, the action expected to recover the most capital.

Options, each with its expected capital recovered (INR, over the next 30 days):

- **markdown**: the item's own price response from the what-if machinery
  (``shared.ranking.whatif``): the item is re-scored at 10-50% off and placed in the current
  ranking (``price_curves``, the batch form of ``price_whatif``: every item in danger in one
  pass); a rank is worth the share of items at that depth of the ranking that sold in the
  last week (``SellThrough``). Recovered = units x new price x that share; the markdown with
  the most recovered is the one offered.
- **transfer** to the store where the same item sells (another store's count fell within the
  EARLY threshold): recovered = min(units, what that store sold in 30 days) x price.
- **clearance** boost on the marketplaces: the existing ``boost-clearance`` rule for the item's
  category and marketplace; its rank with the boost (``Ranker.placement``) is valued like a
  markdown's, at the full price.

Without a ranking model, or for an item not in the ranking, markdown and clearance say why
they have no estimate, and only a transfer can be recommended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from shared.projection import aging
from shared.ranking.ranker import Ranker
from shared.ranking.rule_models import Rule
from shared.ranking.whatif import PriceCurve, price_curves

MARKDOWNS = (0.1, 0.2, 0.3, 0.4, 0.5)
# Rows in danger decided at once, then written and dropped: a decision with its options and
# curve is ~3 KB, so 63,603 rows held at once were 200 MB of the daily job's peak. Each page is
# one batch of what-if curves (``whatif.CURVE_CHUNK``); an item's decision does not depend on
# the rows decided with it.
PAGE = 5_000
CLEARANCE_STRENGTH = 0.3
DECILES = 10
# Preference on equal recovery: keep the price first.
_ORDER = {"transfer": 0, "clearance": 1, "markdown": 2}


@dataclass(frozen=True)
class SellThrough:
    """Share of items that sold in the last 7 days, per decile of the model ranking."""

    shares: tuple[float, ...]
    total: int

    @classmethod
    def of(cls, ranker: Ranker, units_7d: Mapping[str, float]) -> SellThrough:
        scores = ranker.scores_for(units_7d)
        ids = sorted(scores, key=lambda i: (-scores[i], i))
        if not ids:
            return cls(tuple([0.0] * DECILES), 0)
        sold = np.array([units_7d[i] > 0 for i in ids], dtype=np.float64)
        chunks = np.array_split(sold, DECILES)
        shares = tuple(round(float(c.mean()), 4) if len(c) else 0.0 for c in chunks)
        return cls(shares, len(ranker))

    def share(self, rank: int | None) -> float:
        if rank is None or self.total == 0:
            return 0.0
        decile = min(DECILES - 1, int((rank - 1) * DECILES / self.total))
        return self.shares[decile]


@dataclass(frozen=True)
class RankingContext:
    ranker: Ranker
    rules: Sequence[Rule]
    sell_through: SellThrough
    products: Mapping[str, Mapping[str, Any]]  # full product documents by item id
    now: datetime


def decide(
    row: Mapping[str, Any],
    item_rows: Sequence[Mapping[str, Any]],
    ranking: RankingContext | None,
    thresholds: aging.Thresholds,
) -> dict[str, Any]:
    """The decision for one snapshot row in danger."""
    return decide_all([row], {str(row["item_id"]): item_rows}, ranking, thresholds)[0]


def decide_all(
    rows: Sequence[Mapping[str, Any]],
    by_item: Mapping[str, Sequence[Mapping[str, Any]]],
    ranking: RankingContext | None,
    thresholds: aging.Thresholds,
) -> list[dict[str, Any]]:
    """Decisions for snapshot rows in danger, in order: the what-if curves and clearance
    placements of all their items in one batch (an item's stores share its curve)."""
    curves, boosted = _curves(rows, ranking)
    out = []
    for row in rows:
        item = str(row["item_id"])
        units = int(row["units"])
        price = float(row.get("unit_value") or 0.0)
        options = [_transfer(row, by_item.get(item, [row]), units, price, thresholds)]
        if ranking is None:
            reason = "no ranking model: no price response is known"
            options += [_none("markdown", reason), _none("clearance", reason)]
        elif item not in curves:
            reason = "the item is not in the ranking (no catalogue details or no price)"
            options += [_none("markdown", reason), _none("clearance", reason)]
        else:
            share = ranking.sell_through.share
            options += [
                _markdown(curves[item], units, share),
                {
                    "action": "clearance",
                    "rank": boosted[item],
                    "current_rank": curves[item].current_rank,
                    "sell_share": share(boosted[item]),
                    "expected_recovery": round(units * price * share(boosted[item]), 2),
                    "rule": clearance_rule(row),
                },
            ]
        usable = [o for o in options if o["expected_recovery"] is not None]
        best = max(
            usable,
            key=lambda o: (o["expected_recovery"], -_ORDER[o["action"]]),
            default=None,
        )
        if best is not None and best["expected_recovery"] <= 0:
            best = None
        out.append(
            {
                "action": None if best is None else best["action"],
                "expected_recovery": 0.0 if best is None else best["expected_recovery"],
                "capital": row["capital"],
                "recommended": best,
                "options": options,
                "basis": None
                if ranking is None
                else f"what-if on ranking model {ranking.ranker.model.version}",
            }
        )
    return out


def _curves(
    rows: Sequence[Mapping[str, Any]], ranking: RankingContext | None
) -> tuple[dict[str, PriceCurve], dict[str, int | None]]:
    if ranking is None:
        return {}, {}
    states: dict[str, dict[str, Any]] = {}
    for row in rows:
        item, price = str(row["item_id"]), row.get("unit_value")
        product = ranking.products.get(item)
        if product is not None and price and ranking.ranker.scores_for([item]):
            states.setdefault(item, {**product, "price": float(price)})
    if not states:
        return {}, {}
    curves = price_curves(
        ranking.ranker,
        list(states.values()),
        [1 - m for m in MARKDOWNS],
        ranking.now,
        ranking.rules,
    )
    lift = CLEARANCE_STRENGTH * ranking.ranker.spread()
    ids = [c.item_id for c in curves]
    ranks = ranking.ranker.placements(
        ids, np.array([[c.current_score + lift] for c in curves]), ranking.rules, ranking.now
    )
    return {c.item_id: c for c in curves}, {i: r[0] for i, r in zip(ids, ranks, strict=True)}


def _none(action: str, reason: str) -> dict[str, Any]:
    return {"action": action, "expected_recovery": None, "reason": reason}


def _transfer(
    row: Mapping[str, Any],
    item_rows: Iterable[Mapping[str, Any]],
    units: int,
    price: float,
    thresholds: aging.Thresholds,
) -> dict[str, Any]:
    sellers = [
        r
        for r in item_rows
        if r["store_id"] != row["store_id"]
        and not str(r["store_id"]).startswith("marketplace:")
        and r.get("days_since_sale") is not None
        and r["days_since_sale"] < thresholds.early
        and float(r.get("sold_30d") or 0) > 0
    ]
    if not sellers:
        return _none("transfer", "no other store sold this item recently")
    target = max(sellers, key=lambda r: (float(r["sold_30d"]), r["store_id"]))
    moved = min(units, round(float(target["sold_30d"])) or 1)
    return {
        "action": "transfer",
        "to_store_id": target["store_id"],
        "to_store_name": target.get("store_name", target["store_id"]),
        "units": moved,
        "expected_recovery": round(moved * price, 2),
        "reason": f"sold {float(target['sold_30d']):.0f} in 30 days at {target['store_id']}",
    }


def _markdown(curve: PriceCurve, units: int, share: Any) -> dict[str, Any]:
    points: list[dict[str, Any]] = [
        {
            "markdown_pct": round(m * 100),
            "price": price,
            "rank": rank,
            "sell_share": share(rank),
            "expected_recovery": round(units * price * share(rank), 2),
        }
        for m, price, rank in zip(MARKDOWNS, curve.prices, curve.ranks, strict=True)
    ]
    best = max(points, key=lambda p: (p["expected_recovery"], -p["markdown_pct"]))
    return {"action": "markdown", **best, "current_rank": curve.current_rank, "curve": points}


def clearance_rule(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ``boost-clearance`` rule body that lifts this item (and its slow category peers)."""
    body: dict[str, Any] = {
        "strength": CLEARANCE_STRENGTH,
        "min_stock": max(1, int(row["units"])),
        "min_days_of_cover": float(min(60.0, max(1.0, float(row.get("days_of_cover") or 60)))),
        "max_units_7d": 3.0,
        "note": f"clearance of {row['item_id']} at {row['store_id']} (inventory decision)",
    }
    if row.get("category"):
        body["category"] = row["category"]
    if row.get("marketplace") in ("amazon", "myntra", "meesho"):
        body["marketplace"] = row["marketplace"]
    return body
