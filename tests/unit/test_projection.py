"""The projection: deltas sum into buckets, a redelivered batch is a no-op, rebuild agrees."""

from __future__ import annotations

import copy
import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from shared.projection import fold, windows

pytestmark = pytest.mark.unit
PRODUCT = {
    "item_id": "SKU-1",
    "title": "Kurta",
    "category": "ethnic wear",
    "marketplace": "myntra",
    "price": 999.0,
    "mrp": 1499.0,
    "stock": 0,
}
T0 = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def ev(i, ts, **deltas):
    return {
        "id": f"e{i}",
        "item_id": "SKU-1",
        "_ts": ts,
        "kind": "order",
        "occurred_at": (T0 + timedelta(minutes=10 * i)).isoformat(),
        **deltas,
    }


def feed():
    rng = random.Random(3)
    docs = [ev(0, 100, stock_set=20, kind="stock")]
    for i in range(1, 60):
        kind = rng.choice(["view", "click", "order"])
        deltas = {
            "view": {"views": 1},
            "click": {"clicks": 1},
            "order": {"orders": 1, "units": 2, "revenue": 1998.0, "stock_delta": -2},
        }[kind]
        docs.append(ev(i, 100 + i // 3, **deltas))
    return docs


def test_batch_sums_and_clamps_stock():
    state = fold.new_state(PRODUCT)
    docs = feed()
    fold.apply_batch(state, docs)
    orders = sum(1 for d in docs if d.get("orders"))
    assert state["totals"]["orders"] == orders
    assert state["stock"] == max(0, 20 - 2 * orders)
    assert sum(b[0] for b in state["buckets"].values()) == state["totals"]["views"]


def test_redelivered_batches_change_nothing():
    docs = feed()
    once = fold.new_state(PRODUCT)
    fold.apply_batch(once, docs)
    twice = fold.new_state(PRODUCT)
    fold.apply_batch(twice, docs[:30])
    fold.apply_batch(twice, docs[:30])  # the same batch again
    fold.apply_batch(twice, docs[20:])  # overlapping redelivery
    fold.apply_batch(twice, docs)  # everything again
    assert twice == once
    snapshot = copy.deepcopy(once)
    assert fold.apply_batch(once, docs) == []
    assert once == snapshot


def test_incremental_equals_rebuild():
    docs = feed()
    incremental = fold.new_state(PRODUCT)
    for start in range(0, len(docs), 7):
        fold.apply_batch(incremental, docs[start : start + 7])
    rebuilt = fold.rebuild({**incremental, "_etag": "x", "score": 1.0}, list(reversed(docs)))
    assert rebuilt["buckets"] == incremental["buckets"]
    assert rebuilt["totals"] == incremental["totals"]
    assert rebuilt["stock"] == incremental["stock"]


def test_windows_age_with_time():
    state = fold.new_state(PRODUCT)
    fold.apply_event(state, {"occurred_at": T0.isoformat(), "views": 5})
    views = lambda now: list(windows.window_counts([state], now)[0, :, 0])  # noqa: E731
    assert views(T0) == [5, 5, 5]  # 1h, 24h, 7d
    assert views(T0 + timedelta(hours=2)) == [0, 5, 5]
    assert views(T0 + timedelta(days=2)) == [0, 0, 5]
    assert views(T0 + timedelta(days=8)) == [0, 0, 0]


def test_days_of_cover_is_stock_over_the_weeks_pace_capped():
    assert windows.days_of_cover(70, 7) == 70  # one a day
    assert windows.days_of_cover(10, 0) == 100  # no sale: 0.1 a day
    assert windows.days_of_cover(10_000, 0) == windows.MAX_DAYS_OF_COVER


def test_any_delivery_order_within_a_second_gives_the_same_state():
    docs = [{**d, "_ts": 500} for d in feed()]
    docs.append(
        {
            **ev(90, 500, stock_set=7, kind="stock"),
            "occurred_at": (T0 + timedelta(minutes=305)).isoformat(),
        }
    )
    docs.append({**ev(91, 500, kind="offer", price=899.0, competitor_price=949.0)})
    reference = fold.new_state(PRODUCT)
    fold.apply_batch(reference, docs)
    for seed_ in range(5):
        shuffled = docs[:]
        random.Random(seed_).shuffle(shuffled)
        state = fold.new_state(PRODUCT)
        fold.apply_batch(state, shuffled)
        for key in ("buckets", "totals", "stock", "price", "competitor_price", "stock_base"):
            assert state[key] == reference[key], key


def test_stock_counts_moves_after_the_latest_inventory_count():
    state = fold.new_state({**PRODUCT, "stock": 10})
    at = lambda m: (T0 + timedelta(minutes=m)).isoformat()  # noqa: E731
    fold.apply_event(state, {"occurred_at": at(5), "stock_delta": -3})
    assert state["stock"] == 7
    fold.apply_event(state, {"occurred_at": at(10), "stock_set": 50})
    fold.apply_event(state, {"occurred_at": at(2), "stock_delta": -4})  # before the count
    assert state["stock"] == 50
    fold.apply_event(state, {"occurred_at": at(20), "stock_delta": -60})  # oversold
    assert state["stock"] == 0
    fold.apply_event(state, {"occurred_at": at(30), "stock_delta": 12})  # cancellation
    assert state["stock"] == 2


def test_an_orders_price_is_revenue_never_the_listing_price():
    state = fold.new_state({**PRODUCT, "price": 1099.0})
    order = {"occurred_at": T0.isoformat(), "kind": "order", "price": 100.0, "orders": 1}
    fold.apply_event(state, order)
    assert state["price"] == 1099.0 and state["last_order_price"] == 100.0
    later = (T0 + timedelta(minutes=1)).isoformat()
    fold.apply_event(state, {"occurred_at": later, "kind": "offer", "price": 999.0})
    assert state["price"] == 999.0
    fold.apply_event(
        state,
        {
            "occurred_at": (T0 + timedelta(minutes=2)).isoformat(),
            "kind": "catalogue",
            "price": 949.0,
        },
    )
    assert state["price"] == 949.0


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def test_stock_is_the_sum_over_locations_counted_after_the_total():
    state = fold.new_state({**PRODUCT, "stock": 10})
    fold.apply_event(state, {"occurred_at": at(5), "stock_set": 30, "location_id": "wh-a"})
    fold.apply_event(
        state, {"occurred_at": at(6), "stock_set": 12, "location_id": "st-1", "stock_reserved": 4}
    )
    assert state["stock"] == 42 and state["stock_reserved"] == 4
    fold.apply_event(state, {"occurred_at": at(7), "stock_delta": -2})  # an order after both
    assert state["stock"] == 40
    fold.apply_event(state, {"occurred_at": at(3), "stock_set": 99, "location_id": "wh-a"})
    assert state["stock"] == 40  # an older count of a location changes nothing
    fold.apply_event(state, {"occurred_at": at(8), "stock_set": 25, "location_id": "wh-a"})
    assert state["stock"] == 37  # the order is in the newer count now
    fold.apply_event(state, {"occurred_at": at(9), "stock_set": 5})  # a total count
    assert state["stock"] == 5 and state["stock_locations"] == {}


def test_located_stock_agrees_in_any_delivery_order():
    events = [
        {"id": "a", "_ts": 1, "occurred_at": at(5), "stock_set": 30, "location_id": "wh-a"},
        {"id": "b", "_ts": 1, "occurred_at": at(6), "stock_set": 12, "location_id": "st-1"},
        {"id": "c", "_ts": 1, "occurred_at": at(7), "stock_delta": -50},
        {"id": "d", "_ts": 1, "occurred_at": at(2), "stock_set": 7},
        {"id": "e", "_ts": 1, "occurred_at": at(4), "kind": "offer", "price": 100.0},
        {"id": "f", "_ts": 1, "occurred_at": at(1), "kind": "catalogue", "price": 120.0},
        {"id": "g", "_ts": 1, "occurred_at": at(8), "kind": "import_price", "price": 120.0},
    ]
    states = []
    for order in itertools.permutations(events):
        state = fold.new_state(PRODUCT)
        fold.apply_batch(state, list(order))
        states.append(
            {k: state[k] for k in ("stock", "stock_raw", "stock_locations", "price_history")}
        )
    assert all(s == states[0] for s in states)
    assert states[0]["stock_raw"] == -8 and states[0]["stock"] == 0
    assert [(h["price"], h["valid_to"]) for h in states[0]["price_history"]] == [
        (120.0, at(4)),
        (100.0, at(8)),
        (120.0, None),
    ]


def test_window_counts_follow_the_definition_for_many_products():
    """Any number of products, buckets in the future, older than the week or not an hour."""
    rng = random.Random(11)
    now = T0 + timedelta(minutes=17)
    start = now.replace(minute=0)
    products = [{"item_id": "no-buckets"}, {"item_id": "empty", "buckets": {}}]
    for p in range(40):
        buckets = {}
        for _ in range(rng.randrange(0, 30)):
            hours = rng.randrange(-3, 200)  # future hours and hours older than the week
            key = (start - timedelta(hours=hours)).strftime("%Y%m%d%H")
            buckets[key] = [rng.randrange(50), rng.randrange(9), rng.randrange(4), 1, rng.random()]
        buckets["not-an-hour"] = [1, 1, 1, 1, 1.0]
        products.append({"item_id": f"p{p}", "buckets": buckets})
    got = windows.window_counts(products, now)
    assert got.shape == (len(products), 3, 5)
    for row, product in enumerate(products):
        for w, hours in enumerate((1, 24, 168)):
            keys = {(start - timedelta(hours=h)).strftime("%Y%m%d%H") for h in range(hours)}
            for k in range(5):
                expected = 0.0
                for key, values in (product.get("buckets") or {}).items():
                    if key in keys:
                        expected += values[k]
                assert got[row, w, k] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_window_counts_refuse_a_bucket_of_the_wrong_width():
    key = T0.strftime("%Y%m%d%H")
    with pytest.raises(ValueError, match="counters"):
        windows.window_counts([{"buckets": {key: [1, 2, 3]}}], T0)
    assert windows.window_counts([], T0).shape == (0, 3, 5)


def test_an_imported_day_fills_each_hour_bucket():
    state = fold.new_state(PRODUCT)
    event = {
        "id": "import:sales:SKU-1:20261120:abc",
        "_ts": 1,
        "kind": "sales",
        "occurred_at": at(600),
        "orders": 5,
        "units": 7,
        "revenue": 700.0,
        "hourly": {"2026112008": [2, 3, 300.0], "2026112017": [3, 4, 400.0]},
    }
    fold.apply_batch(state, [event])
    assert state["buckets"] == {
        "2026112008": [0, 0, 2, 3, 300.0],
        "2026112017": [0, 0, 3, 4, 400.0],
    }
    assert state["totals"]["units"] == 7 and state["totals"]["revenue"] == 700.0
    fold.apply_batch(state, [event])  # redelivered: nothing changes
    assert state["totals"]["orders"] == 5
