"""The seller's holdout report on constructed histories whose answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from demo.sim.simulator import simulate_catalogue
from shared.core.records import Event
from shared.live import holdout
from shared.ml import holdout_report
from shared.ml.features import COLUMN
from tests.integration import holdout_history

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
CUTOFF = datetime(2026, 11, 16, tzinfo=UTC)  # 14 whole UTC days before NOW's midnight


class FakeModel:
    """A model that ranks by one feature column (the report needs predict and ranked_by)."""

    version = "fake-1"

    def __init__(self, column: str, sign: float = 1.0) -> None:
        self.column, self.sign = column, sign

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.sign * np.nan_to_num(X[:, COLUMN[self.column]].astype(np.float64), nan=-1e9)

    def ranked_by(self, X: np.ndarray, mode: str = "live") -> list[str]:
        return ["model"] * len(X)


def catalogue(n: int, marketplace: str = "myntra") -> list[dict]:
    products = simulate_catalogue(n, seed=4)
    return [
        {**p, "item_id": f"H{i:02d}", "marketplace": marketplace, "price": 500.0 + 10 * i}
        for i, p in enumerate(products)
    ]


def event(item: str, kind: str, at: datetime, n: int, **fields) -> dict:
    return Event(
        id=f"{kind}:{item}:{at.isoformat()}:{n}",
        item_id=item,
        marketplace=fields.pop("marketplace", "myntra"),
        kind=kind,
        raw_type=kind,
        occurred_at=at,
        received_at=at,
        **fields,
    ).to_doc()


def stocked(products: list[dict], at: datetime) -> list[dict]:
    return [event(p["item_id"], "stock", at, 0, stock_set=1000) for p in products]


def sold(item: str, day: datetime, units: int) -> list[dict]:
    """``units`` one-unit orders spread over the day's hours."""
    return [
        event(item, "order", day + timedelta(hours=1 + k % 20, minutes=k), k, units=1, orders=1)
        for k in range(units)
    ]


def recency_world() -> tuple[list[dict], list[dict]]:
    """The history of ``tests.integration.holdout_history``, around this module's window."""
    products, events = holdout_history.recency_history(CUTOFF)
    return products, [e.to_doc() for e in events]


def test_when_the_window_follows_recent_sales_the_recency_baseline_wins_over_the_model():
    products, events = recency_world()
    # The model stands in as last week's bestsellers: exactly what stopped selling.
    result = holdout_report.report(products, events, FakeModel("units_7d"), "live", NOW)
    assert result["status"] == "ok"
    assert result["window"] == {"from": CUTOFF.isoformat(), "to": "2026-11-30T00:00:00+00:00",
                                "days": 14}  # fmt: skip
    [kind] = result["kinds"]
    assert kind["kind"] == "live:myntra+meesho" and kind["ranked_by"] == "model"
    assert kind["products"] == 20 and kind["selling_products"] == 10
    assert kind["units_sold"] == holdout_history.WINDOW_UNITS == 385 == result["units_sold"]
    # Units the day before the window put the window's sellers in their exact order.
    assert kind["ndcg"]["recent_velocity"] == 1.0
    assert kind["winner"] == kind["strongest_baseline"] == "recent_velocity"
    assert kind["ndcg"]["model"] < kind["ndcg"]["popularity"] + 1e-9 < 0.8
    assert kind["lift"] == pytest.approx(kind["ndcg"]["model"] - 1.0, abs=1e-4)
    assert "recent velocity ranked your sales better than the model" in kind["verdict"]
    assert "over 10 products that sold 385 units" in kind["verdict"]


def test_a_model_that_foresees_the_window_wins_and_says_by_how_much():
    products = catalogue(12)
    events = stocked(products, CUTOFF - timedelta(days=20))
    # Before the window every product sold the same; in it, the cheaper the more.
    for p in products:
        events += sold(p["item_id"], CUTOFF - timedelta(days=2), 2)
    for k, p in enumerate(products):
        events += sold(p["item_id"], CUTOFF + timedelta(days=3), 12 - k)
    result = holdout_report.report(products, events, FakeModel("price", -1.0), "live", NOW)
    [kind] = result["kinds"]
    assert kind["ndcg"]["model"] == 1.0 and kind["winner"] == "model"
    best = kind["ndcg"][kind["strongest_baseline"]]
    assert best < 1.0 and kind["lift"] == pytest.approx(1.0 / best - 1.0, abs=1e-3)
    assert kind["verdict"].startswith("Myntra and Meesho: the model ranked your sales best")
    assert f"({kind['lift']:+.1%})" in kind["verdict"]


def test_too_few_sales_in_the_window_gives_no_figures():
    products = catalogue(10)
    events = stocked(products, CUTOFF - timedelta(days=20))
    for p in products[:3]:
        events += sold(p["item_id"], CUTOFF - timedelta(days=2), 3)
        events += sold(p["item_id"], CUTOFF + timedelta(days=2), 4)
    result = holdout_report.report(products, events, FakeModel("units_7d"), "live", NOW)
    assert result["status"] == "not_enough_sales"
    [kind] = result["kinds"]
    assert kind["status"] == "not_enough_sales" and kind["ndcg"] is None
    assert kind["winner"] is None and kind["units_sold"] == 12
    assert "not enough sales yet (12 units of 3 products" in kind["verdict"]


def test_products_listed_during_the_window_are_not_ranked_and_no_history_says_so():
    products = catalogue(6)
    late = stocked(products, CUTOFF + timedelta(days=1))
    late += sold(products[0]["item_id"], CUTOFF + timedelta(days=2), 40)
    result = holdout_report.report(products, late, FakeModel("units_7d"), "live", NOW)
    assert result["status"] == "not_enough_history" and result["kinds"] == []
    assert "your first event is on 17 Nov 2026" in result["verdict"]
    # One product had a stock count before the window: it alone is ranked; its sales count.
    early = [*late, *stocked(products[:1], CUTOFF - timedelta(days=1))]
    result = holdout_report.report(products, early, FakeModel("units_7d"), "live", NOW)
    assert result["products"] == 1 and result["units_sold"] == 40


def test_an_amazon_hour_with_a_sales_notification_is_not_counted_twice():
    products = catalogue(1, marketplace="amazon")
    item = products[0]["item_id"]
    hour = CUTOFF + timedelta(days=1, hours=5)
    events = [
        event(item, "order", hour, 0, units=3, orders=1, marketplace="amazon"),
        event(item, "sales", hour + timedelta(minutes=30), 1, units=3, marketplace="amazon"),
        event(item, "order", hour + timedelta(days=1), 2, units=2, orders=1, marketplace="amazon"),
    ]
    units = holdout_report.units_sold(products, events, CUTOFF, CUTOFF + timedelta(days=14))
    assert units.tolist() == [5.0]


def test_the_report_is_built_once_per_key_until_it_is_old():
    holdout.clear_cache()
    calls: list[int] = []

    def build() -> dict:
        calls.append(1)
        return {"n": len(calls)}

    key = ("seller", "v1", "2026-11-30")
    assert holdout.cached(key, build) == {"n": 1}
    assert holdout.cached(key, build) == {"n": 1}
    assert holdout.cached(("seller", "v2", "2026-11-30"), build) == {"n": 2}
    assert holdout.cached(key, build, ttl=0.0) == {"n": 3}
    holdout.clear_cache()
