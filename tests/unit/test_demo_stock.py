"""The demo's inventory history: counts per location, a year of lifecycle starts, slow movers
that last sold months ago and that simulated shoppers never buy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from demo.sim import demo_stock
from demo.sim.catalogue import simulate_catalogue
from shared.projection import fold

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)


@pytest.fixture
def products() -> list[dict]:
    return demo_stock.mark_slow_movers(simulate_catalogue(60, seed=7))


def test_every_product_is_counted_in_every_location_with_its_stock(products):
    events = demo_stock.history(products, NOW, seed=7)
    counts = [e for e in events if e.kind == "stock"]
    assert len(counts) == len(products) * len(demo_stock.LOCATIONS)
    for product in products:
        mine = [e for e in counts if e.item_id == product["item_id"]]
        assert {e.location_id for e in mine} == {loc["id"] for loc in demo_stock.LOCATIONS}
        assert sum(e.stock_set or 0 for e in mine) == product["stock"]


def test_lifecycle_starts_spread_over_the_past_year(products):
    starts = [
        datetime.fromisoformat(e.lifecycle_start).date()
        for e in demo_stock.history(products, NOW, seed=7)
        if e.kind == "stock" and e.lifecycle_start
    ]
    ages = sorted((NOW.date() - d).days for d in starts)
    assert ages[0] >= demo_stock.LIFECYCLE_DAYS[0] and ages[-1] <= 365
    assert ages[-1] - ages[0] > 250  # spread, not one date


def test_slow_movers_last_sold_months_ago_and_are_never_simulated(products):
    slow = [p for p in products if p.get(demo_stock.SLOW_FLAG)]
    assert len(slow) == len(products) // demo_stock.SLOW_EVERY
    assert not {p["item_id"] for p in slow} & {
        p["item_id"] for p in demo_stock.sold_by_simulator(products)
    }
    events = demo_stock.history(products, NOW, seed=7)
    for product in slow:
        sales = [e for e in events if e.item_id == product["item_id"] and e.kind == "order"]
        assert len(sales) == 1
        assert NOW - sales[0].occurred_at >= timedelta(days=demo_stock.SLOW_LAST_SALE_DAYS[0])
        state = fold.new_state(product)
        for event in sorted(
            (e for e in events if e.item_id == product["item_id"]), key=lambda e: e.occurred_at
        ):
            fold.apply_event(state, event.to_doc())
        assert state["last_sale_at"] == sales[0].occurred_at.isoformat()
        assert len(state["location_since"]) == len(demo_stock.LOCATIONS)


def test_the_same_seed_gives_the_same_history(products):
    first = [e.to_doc() for e in demo_stock.history(products, NOW, seed=7)]
    assert first == [e.to_doc() for e in demo_stock.history(products, NOW, seed=7)]
