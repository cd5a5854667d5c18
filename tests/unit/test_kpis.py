"""KPIs: the running aggregate always equals a computation from scratch."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from shared.projection import fold, projected_kpis

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 21, 10, 20, tzinfo=UTC)


def product(i: int, rng: random.Random) -> dict:
    state = fold.new_state(
        {
            "item_id": f"SKU-{i}",
            "title": "t",
            "category": "Footwear",
            "marketplace": rng.choice(["amazon", "myntra", "meesho"]),
            "price": 499.0,
            "mrp": 999.0,
            "stock": rng.randint(0, 30),
        }
    )
    for _ in range(rng.randint(0, 6)):
        at = NOW - timedelta(hours=rng.randint(0, 40), minutes=rng.randint(0, 59))
        fold.apply_event(
            state,
            {
                "occurred_at": at.isoformat(),
                "views": rng.randint(0, 9),
                "clicks": rng.randint(0, 3),
                "orders": 1,
                "units": 1,
                "revenue": round(rng.uniform(99, 2999), 2),
                "stock_delta": -1,
            },
        )
    return state


def test_aggregate_tracks_updates_exactly():
    rng = random.Random(4)
    catalogue = {f"SKU-{i}": product(i, rng) for i in range(60)}
    aggregate = projected_kpis.KpiAggregate(low_stock_threshold=10)
    aggregate.rebase(catalogue.values(), NOW)
    for _ in range(5):
        changed = [product(rng.randrange(80), rng) for _ in range(7)]  # some are new items
        catalogue.update({p["item_id"]: p for p in changed})
        aggregate.update(changed, NOW)
        expected = projected_kpis.compute(
            catalogue.values(), NOW, low_stock_threshold=10, mode="mock"
        )
        assert aggregate.snapshot(NOW, mode="mock") == expected


def test_window_and_ratios():
    rng = random.Random(9)
    p = product(1, rng)
    p["buckets"] = {"2026112110": [100, 20, 5, 6, 4995.5], "2026111901": [7, 7, 7, 7, 7.0]}
    p["totals"] = {"views": 107, "clicks": 27, "orders": 12, "units": 13, "revenue": 5002.5}
    p["stock"] = 3
    snap = projected_kpis.compute([p], NOW, low_stock_threshold=10, mode="mock")
    assert snap["kpis"] == {
        "views": 100,
        "clicks": 20,
        "purchases": 5,
        "units": 6,
        "revenue": 4995.5,
        "conversion_rate": 0.25,
        "conversion_rate_basis": ["orders/clicks"],
        "ctr": 0.2,
        "ctr_basis": ["clicks/views"],
        "not_sent": {},
        "aov": 999.1,
        "low_stock": 1,
        "products": 1,
        "needs_details": 0,
    }
    assert snap["totals"]["revenue"] == 5002.5
    assert snap["by_marketplace"][p["marketplace"]]["views"] == 100


def test_unknown_listings_count_their_sales_but_not_their_stock_and_merged_ones_not_at_all():
    known = fold.new_state({"item_id": "A", "marketplace": "amazon", "stock": 50})
    unknown = fold.new_state(fold.unknown_listing("B0UNKNOWN1", [{"marketplace": "amazon"}]))
    merged = {**fold.new_state(fold.unknown_listing("B0MERGED01", [])), "merged_into": "A"}
    for state in (known, unknown, merged):
        fold.apply_event(
            state, {"occurred_at": NOW.isoformat(), "kind": "order", "orders": 1, "revenue": 100.0}
        )
    snap = projected_kpis.compute(
        [known, unknown, merged], NOW, low_stock_threshold=10, mode="live"
    )
    assert snap["kpis"]["purchases"] == 2 and snap["kpis"]["revenue"] == 200.0
    assert snap["kpis"]["needs_details"] == 1 and snap["kpis"]["low_stock"] == 0
    assert snap["kpis"]["products"] == 2


def test_live_kpis_use_only_what_each_marketplace_sends():
    # Amazon: hourly glance views and units; Myntra: orders only (shared.core.signals).
    amazon = fold.new_state({"item_id": "A", "marketplace": "amazon", "stock": 50})
    myntra = fold.new_state({"item_id": "M", "marketplace": "myntra", "stock": 50})
    at = NOW.isoformat()
    fold.apply_event(amazon, {"occurred_at": at, "kind": "traffic", "views": 40})
    fold.apply_event(amazon, {"occurred_at": at, "kind": "sales", "units": 50, "revenue": 999.0})
    fold.apply_event(myntra, {"occurred_at": at, "kind": "order", "orders": 3, "units": 3})
    snap = projected_kpis.compute([amazon, myntra], NOW, low_stock_threshold=10, mode="live")
    k = snap["kpis"]
    # Unit session percentage: units over glance views, Amazon only, never above 100%.
    assert k["conversion_rate"] == 1.0 and k["conversion_rate_basis"] == ["units/views"]
    assert k["not_sent"]["conversion_rate"] == ["myntra", "meesho"]
    assert k["ctr"] is None and k["not_sent"]["ctr"] == ["amazon", "myntra", "meesho"]
    assert snap["by_marketplace"]["myntra"]["conversion_rate"] is None
    assert snap["by_marketplace"]["amazon"]["ctr"] is None
    assert snap["signals"]["myntra"] == {"orders": "event", "units": "event", "revenue": "event"}
    assert "clicks" not in snap["signals"]["amazon"]
