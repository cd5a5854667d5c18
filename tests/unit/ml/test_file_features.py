"""Feature version f3: sales velocity and turnover from the daily rollup, and the columns only
files send (channels, reserved stock, demand signals), NaN where no such file came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from shared.core.errors import FeatureMismatch
from shared.ml.features import (
    COLUMN,
    DEMAND_FIELDS,
    FEATURE_VERSION,
    FEATURES,
    FILE_SIGNALS,
    build_raw,
)
from shared.projection.fold import apply_batch, new_state

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
FILE_COLUMNS = [COLUMN[c] for columns in FILE_SIGNALS.values() for c in columns]


def _product(item: str, marketplace: str = "amazon") -> dict:
    return new_state(
        {
            "item_id": item,
            "title": "t",
            "category": "Footwear",
            "marketplace": marketplace,
            "price": 1000.0,
            "mrp": 1200.0,
            "rating": 4.0,
            "review_count": 3,
            "stock": 0,
        }
    )


_ids = iter(range(10**6))


def _event(item: str, at: datetime, **fields) -> dict:
    return {"id": f"e{next(_ids)}", "item_id": item, "_ts": next(_ids), "kind": "order",
            "occurred_at": at.isoformat(), **fields}  # fmt: skip


def _sold(item: str, days_ago: int, units: int, revenue: float, channels=None) -> dict:
    at = NOW - timedelta(days=days_ago)
    if channels is None:  # a webhook order
        return _event(item, at, orders=1, units=units, revenue=revenue, stock_delta=-units)
    return _event(
        item,
        at,
        kind="sales",
        orders=1,
        units=units,
        revenue=revenue,
        channels={c: {"units": u, "revenue": r} for c, (u, r) in channels.items()},
        hourly={at.strftime("%Y%m%d%H"): [1, units, revenue]},
    )


def _row(doc: dict, mode: str = "live", now: datetime = NOW) -> dict[str, float]:
    return dict(zip(FEATURES, build_raw([doc], now, mode)[0].tolist(), strict=True))


def test_velocity_acceleration_and_turnover_from_the_daily_rollup():
    doc = _product("SKU-V")
    apply_batch(
        doc,
        [
            _event("SKU-V", NOW - timedelta(days=40), kind="stock", stock_set=100),
            _sold("SKU-V", 31, 50, 50000.0),  # outside every window
            _sold("SKU-V", 20, 9, 9000.0),  # within 30 days
            _sold("SKU-V", 10, 7, 7000.0),  # the week before
            _sold("SKU-V", 1, 14, 14000.0),  # this week
        ],
    )
    row = _row(doc)
    assert row["velocity_7d"] == pytest.approx(14 / 7)
    assert row["velocity_14d"] == pytest.approx(21 / 14)
    assert row["velocity_30d"] == pytest.approx(30 / 30)
    assert row["velocity_acceleration"] == pytest.approx(14 / 7 - 7 / 7)
    stock = 100 - 80  # the count, less every order after it
    assert row["stock"] == stock
    assert row["turnover_30d"] == pytest.approx(30 / (stock + 30 / 2))
    # A webhook-only seller: no file reached it, so every file-only column is missing.
    assert all(np.isnan(row[c]) for columns in FILE_SIGNALS.values() for c in columns)


def test_channel_shares_and_unit_prices_count_webhook_orders_as_marketplace():
    doc = _product("SKU-C")
    apply_batch(
        doc,
        [
            _sold("SKU-C", 2, 8, 6600.0, {"pos": (2, 2100.0), "wholesale": (6, 4500.0)}),
            _sold("SKU-C", 3, 1, 800.0, {"online": (1, 800.0)}),
            _sold("SKU-C", 4, 1, 970.0),  # a webhook order: marketplace
            _sold("SKU-C", 40, 5, 5000.0, {"online": (5, 5000.0)}),  # outside 30 days
        ],
    )
    row = _row(doc)
    assert row["channel_share_pos"] == pytest.approx(2 / 10)
    assert row["channel_share_wholesale"] == pytest.approx(6 / 10)
    assert row["channel_share_online"] == pytest.approx(1 / 10)
    assert row["channel_share_marketplace"] == pytest.approx(1 / 10)
    assert row["unit_price_vs_price_pos"] == pytest.approx(1050 / 1000)
    assert row["unit_price_vs_price_wholesale"] == pytest.approx(750 / 1000)
    assert row["unit_price_vs_price_online"] == pytest.approx(800 / 1000)
    assert row["unit_price_vs_price_marketplace"] == pytest.approx(970 / 1000)
    # The channels arrived, the other files did not.
    assert np.isnan(row["reserved_share"]) and np.isnan(row["external_demand"])


def test_a_channel_without_sales_has_no_unit_price_and_no_sales_no_shares():
    doc = _product("SKU-Z")
    apply_batch(doc, [_sold("SKU-Z", 45, 3, 300.0, {"pos": (3, 300.0)})])
    row = _row(doc)
    for channel in ("online", "pos", "marketplace", "wholesale"):
        assert row[f"channel_share_{channel}"] == 0
        assert np.isnan(row[f"unit_price_vs_price_{channel}"])


def test_reserved_share_from_the_inventory_files_locations():
    doc = _product("SKU-S")
    at = NOW - timedelta(hours=3)
    apply_batch(
        doc,
        [
            _event("SKU-S", at, kind="stock", stock_set=30, location_id="WH-1", stock_reserved=9),
            _event("SKU-S", at, kind="stock", stock_set=10, location_id="S-1", stock_reserved=1),
        ],
    )
    assert _row(doc)["reserved_share"] == pytest.approx(10 / 40)
    full = _product("SKU-T")
    apply_batch(
        full,
        [_event("SKU-T", at, kind="stock", stock_set=0, location_id="WH-1", stock_reserved=4)],
    )
    assert _row(full)["reserved_share"] == 1.0


def test_demand_fields_as_numbers_missing_when_unknown_or_a_week_old():
    doc = _product("SKU-D")
    signals = {
        "external_demand": "high",
        "market_trend": -0.4,
        "weather_factor": "rainy",
        "event_impact": "promotion",
        "social_sentiment": 0.25,
    }
    apply_batch(doc, [_event("SKU-D", NOW - timedelta(days=2), kind="demand", signals=signals)])
    row = _row(doc)
    assert row["external_demand"] == 2 and row["market_trend"] == pytest.approx(-0.4)
    assert row["weather"] == 3 and row["event_impact"] == 1
    assert row["social_sentiment"] == pytest.approx(0.25)
    # Optional columns the file left out are missing, not zero.
    partial = _product("SKU-P")
    apply_batch(
        partial,
        [_event("SKU-P", NOW, kind="demand", signals={"external_demand": "low", "x": "y"})],
    )
    row = _row(partial)
    assert row["external_demand"] == 0
    assert all(np.isnan(row[c]) for c in DEMAND_FIELDS if c != "external_demand")
    # Unknown words are missing too.
    odd = {**doc, "demand": {**doc["demand"], "external_demand": "huge", "weather_factor": "?"}}
    assert np.isnan(_row(odd)["external_demand"]) and np.isnan(_row(odd)["weather"])
    # Six days after the file's day it is known; eight days after, nothing of it is.
    assert not np.isnan(_row(doc, now=NOW + timedelta(days=4))["external_demand"])
    assert np.isnan(_row(doc, now=NOW + timedelta(days=6))["external_demand"])


@pytest.mark.parametrize("mode", ["mock", "live"])
def test_file_only_columns_are_missing_without_files_in_every_mode(mode):
    docs = [_product(f"SKU-{mp}", mp) for mp in ("amazon", "myntra", "meesho")]
    for doc in docs:
        apply_batch(doc, [_sold(doc["item_id"], 1, 2, 2000.0)])
    X = build_raw(docs, NOW, mode)
    assert np.isnan(X[:, FILE_COLUMNS]).all()
    # Velocity and turnover come from units, which every marketplace sends in both modes.
    assert X[:, COLUMN["velocity_7d"]].tolist() == pytest.approx([2 / 7] * 3)
    assert not np.isnan(X[:, COLUMN["turnover_30d"]]).any()


def test_an_f2_model_is_refused_with_retrain(small_model):
    from shared.ml.model import RankerModel
    from shared.ranking.ranker import Ranker

    assert FEATURE_VERSION.startswith("f3-")
    old = RankerModel.from_text(
        small_model.to_text(), {**small_model.metadata, "feature_version": "f2-4f1c2a9b7e"}
    )
    with pytest.raises(FeatureMismatch, match="retrain"):
        Ranker(old)
