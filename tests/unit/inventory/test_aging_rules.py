"""The rules-based aging and danger levels, and the snapshot rows they produce."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from shared.inventory.snapshot import end_of_day, rows_for_day, snapshot_id
from shared.projection import aging, fold

pytestmark = pytest.mark.unit

T = aging.Thresholds()
DAY = date(2026, 12, 1)
AS_OF = end_of_day(DAY)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "0-30"),
        (30, "0-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, "181-365"),
        (365, "181-365"),
        (366, ">365"),
        (5000, ">365"),
        (None, None),
    ],
)
def test_aging_buckets_have_inclusive_upper_bounds(days, bucket) -> None:
    assert aging.aging_bucket(days) == bucket


@pytest.mark.parametrize(
    ("since_sale", "cover", "level"),
    [
        (29, 10.0, None),
        (30, 10.0, "EARLY"),
        (59, 10.0, "EARLY"),
        (60, 10.0, "HIGH"),
        (89, 10.0, "HIGH"),
        (90, 10.0, "CRITICAL"),
        (400, 10.0, "CRITICAL"),
        # more than 90 days of cover raises a level, CRITICAL stays CRITICAL
        (30, 90.0, "EARLY"),
        (30, 90.5, "HIGH"),
        (60, 200.0, "CRITICAL"),
        (90, 365.0, "CRITICAL"),
        # cover alone never puts an item in danger
        (5, 365.0, None),
        (None, 365.0, None),
    ],
)
def test_danger_levels_and_the_cover_raise(since_sale, cover, level) -> None:
    assert aging.danger_level(since_sale, cover, 10, T) == level


def test_nothing_on_hand_is_never_in_danger() -> None:
    assert aging.danger_level(400, 365.0, 0, T) is None


def test_vectorised_levels_agree_with_the_scalar_rule() -> None:
    rng = np.random.default_rng(3)
    days = rng.integers(0, 200, 500).astype(float)
    cover = rng.uniform(0, 365, 500)
    units = rng.integers(0, 5, 500)
    codes = aging.danger_codes(days, cover, units, T)
    names = [None, *aging.LEVELS]
    for d, c, u, code in zip(days, cover, units, codes, strict=True):
        assert aging.danger_level(int(d), float(c), int(u), T) == names[code]


def test_thresholds_come_from_settings_and_must_rise() -> None:
    class S:
        danger_early_days, danger_high_days, danger_critical_days = 10, 20, 40
        danger_cover_raise_days = 45.0

    t = aging.Thresholds.from_settings(S())
    assert aging.danger_level(20, 1.0, 1, t) == "HIGH"
    assert aging.danger_level(10, 50.0, 1, t) == "HIGH"
    with pytest.raises(ValueError, match="must rise"):
        aging.Thresholds(early=60, high=30, critical=90)


def test_capital_is_units_times_price_else_mrp() -> None:
    assert aging.capital(4, 250.0, 999.0) == 1000.0
    assert aging.capital(4, None, 999.0) == 3996.0
    assert aging.capital(4, None, None) == 0.0
    assert aging.capital(0, 250.0, 999.0) == 0.0


def _product(item: str, **fields) -> dict:
    doc = fold.new_state(
        {"item_id": item, "title": item, "category": "kurta", "marketplace": "myntra", **fields}
    )
    return doc


def _apply(doc: dict, *events: dict) -> dict:
    for i, e in enumerate(events):
        base = {"id": f"e{i}", "item_id": doc["item_id"], "marketplace": "myntra"}
        fold.apply_event(doc, {**base, **e})
    return doc


def test_fold_keeps_lifecycle_first_count_and_last_sale_in_any_order() -> None:
    events = [
        {
            "kind": "stock",
            "occurred_at": "2026-09-01T05:00:00+00:00",
            "stock_set": 9,
            "location_id": "s1",
            "lifecycle_start": "2026-08-15",
        },
        {
            "kind": "stock",
            "occurred_at": "2026-11-01T05:00:00+00:00",
            "stock_set": 7,
            "location_id": "s1",
            "lifecycle_start": "2026-08-20",
        },
        {
            "kind": "order",
            "occurred_at": "2026-10-02T05:00:00+00:00",
            "units": 1,
            "stock_delta": -1,
        },
        {"kind": "view", "occurred_at": "2026-11-20T05:00:00+00:00", "views": 1},
    ]
    forward = _apply(_product("A"), *events)
    backward = _apply(_product("A"), *reversed(events))
    for doc in (forward, backward):
        assert doc["location_since"]["s1"] == {
            "first_at": "2026-09-01T05:00:00+00:00",
            "lifecycle_start": "2026-08-15",
        }
        assert doc["last_sale_at"] == "2026-10-02T05:00:00+00:00"
        assert doc["first_stock_at"] == "2026-09-01T05:00:00+00:00"


def test_snapshot_row_per_location_with_aging_danger_and_capital() -> None:
    doc = _product("A", price=500.0, mrp=1000.0)
    _apply(
        doc,
        {
            "kind": "stock",
            "occurred_at": "2026-06-01T05:00:00+00:00",
            "stock_set": 10,
            "location_id": "s1",
            "lifecycle_start": "2026-06-01",
        },
        {
            "kind": "stock",
            "occurred_at": "2026-06-01T05:00:00+00:00",
            "stock_set": 4,
            "location_id": "s2",
            "lifecycle_start": "2026-10-20",
        },
    )
    rows = rows_for_day([doc], {}, DAY, AS_OF, T, {"s1": "Pune FC"})
    by_store = {r["store_id"]: r for r in rows}
    assert set(by_store) == {"s1", "s2"}
    s1, s2 = by_store["s1"], by_store["s2"]
    assert s1["store_name"] == "Pune FC" and s2["store_name"] == "s2"
    # never sold: days since the last sale are the days active
    assert s1["days_active"] == s1["days_since_sale"] == 183
    assert s1["aging_bucket"] == "181-365"
    # no sales at all: cover is at its cap, which raises CRITICAL no further
    assert s1["danger"] == "CRITICAL" and s1["capital"] == 5000.0
    # 4 units at the floor pace of 0.1 a day: 40 days of cover, no raise
    assert s2["days_active"] == 42 and s2["danger"] == "EARLY"
    assert s1["id"] == "2026-12-01:s1:A" and s1["previous_danger"] is None
    assert s1["level_changed"] is True


def test_a_count_that_falls_overnight_is_a_sale_at_that_store() -> None:
    doc = _product("A", price=100.0)
    doc["stock_locations"] = {
        "s1": {"value": 8, "at": "x", "reserved": 0, "in_transit": 0},
        "s2": {"value": 5, "at": "x", "reserved": 0, "in_transit": 0},
    }
    doc["location_since"] = {
        "s1": {"first_at": "2026-01-01T00:00:00+00:00", "lifecycle_start": None},
        "s2": {"first_at": "2026-01-01T00:00:00+00:00", "lifecycle_start": None},
    }
    prev = {
        ("s1", "A"): {
            "units": 10,
            "last_sale_day": "2026-08-01",
            "danger": "CRITICAL",
            "sold_30d": 0.0,
        },
        ("s2", "A"): {
            "units": 5,
            "last_sale_day": "2026-08-01",
            "danger": "CRITICAL",
            "sold_30d": 0.0,
        },
    }
    rows = {r["store_id"]: r for r in rows_for_day([doc], prev, DAY, AS_OF, T)}
    assert rows["s1"]["last_sale_day"] == "2026-12-01" and rows["s1"]["danger"] is None
    assert rows["s1"]["previous_danger"] == "CRITICAL" and rows["s1"]["level_changed"]
    assert rows["s1"]["sold_30d"] == 2.0
    assert rows["s2"]["days_since_sale"] == 122 and rows["s2"]["danger"] == "CRITICAL"
    assert rows["s2"]["level_changed"] is False


def test_an_item_without_locations_is_one_marketplace_row_using_its_own_sales() -> None:
    doc = _product("B", price=300.0)
    _apply(
        doc,
        {"kind": "stock", "occurred_at": "2026-10-01T05:00:00+00:00", "stock_set": 50},
        {"kind": "sales", "occurred_at": "2026-10-20T05:00:00+00:00", "units": 2, "revenue": 600.0},
    )
    (row,) = rows_for_day([doc], {}, DAY, AS_OF, T)
    assert row["store_id"] == "marketplace:myntra"
    assert row["units"] == 50 and row["days_since_sale"] == 42 and row["days_active"] == 61
    assert row["danger"] == "HIGH"  # EARLY by days, raised: no sale in the last week


def test_snapshot_ids_are_deterministic_and_safe() -> None:
    assert snapshot_id(DAY, "s1", "A") == snapshot_id(DAY, "s1", "A")
    odd = snapshot_id(DAY, "a/b", "c#d")
    assert "/" not in odd and "#" not in odd
    assert odd != snapshot_id(DAY, "a_b", "c_d")
    assert datetime(2026, 12, 1, 18, 29, tzinfo=UTC) < AS_OF
