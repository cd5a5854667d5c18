from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from demo.sim.simulator import SimEvent, Simulator, simulate_catalogue
from shared.core.records import Product
from shared.projection.fold import apply_event, new_state

pytestmark = pytest.mark.unit

START = datetime(2026, 10, 5, tzinfo=UTC)


def test_catalogue_is_valid_realistic_and_seeded():
    catalogue = simulate_catalogue(200, 3)
    assert catalogue == simulate_catalogue(200, 3)
    assert catalogue != simulate_catalogue(200, 4)
    ids = [p["item_id"] for p in catalogue]
    assert len(set(ids)) == 200
    for p in catalogue:
        product = Product(**p)
        assert product.item_id.startswith("SKU-") and len(product.item_id.split("-")[2]) == 4
        assert product.mrp >= product.price > 0
        assert product.marketplace in ("amazon", "myntra", "meesho")
    # Only observable listing fields: nothing of the hidden demand model leaks.
    listing = {
        "item_id",
        "title",
        "category",
        "brand",
        "marketplace",
        "price",
        "mrp",
        "rating",
        "review_count",
        "stock",
    }
    for product in catalogue:
        amazon = product["marketplace"] == "amazon"
        assert set(product) == (listing | {"asin"} if amazon else listing)
    assert len({p["category"] for p in catalogue}) >= 6
    assert {p["marketplace"] for p in catalogue} == {"amazon", "myntra", "meesho"}


def test_history_is_deterministic_with_unique_ids():
    catalogue = simulate_catalogue(40, 9)
    a = Simulator(catalogue, 9).history(START, 72)
    b = Simulator(catalogue, 9).history(START, 72)
    assert [e.to_doc() for e in a] == [e.to_doc() for e in b]
    assert len({e.id for e in a}) == len(a)
    assert {e.source for e in a} == {"backfill"}
    c = Simulator(catalogue, 10).history(START, 72)
    assert [e.to_doc() for e in a] != [e.to_doc() for e in c]


def test_history_funnel_mix_and_order_events():
    catalogue = simulate_catalogue(80, 2)
    events = Simulator(catalogue, 2).history(START, 24 * 7)
    views = sum(e.views for e in events)
    clicks = sum(e.clicks for e in events)
    orders = sum(e.orders for e in events)
    total = views + clicks + orders
    assert 0.6 < views / total < 0.8
    assert 0.12 < clicks / total < 0.28
    assert 0.05 < orders / total < 0.15
    for e in events:
        if e.kind == "order":
            assert e.orders == 1 and e.units >= 1 and e.stock_delta == -e.units
            assert e.revenue == pytest.approx(e.units * e.price)
    kinds = Counter(e.kind for e in events)
    assert kinds["stock"] >= len(catalogue)  # initial levels, then restocks


def test_no_sales_at_zero_stock_and_restocks_happen():
    catalogue = simulate_catalogue(60, 4)
    for p in catalogue:
        p["stock"] = 15  # small stocks: sell-outs within days
    events = Simulator(catalogue, 4).history(START, 24 * 14)
    states = {p["item_id"]: new_state(p) for p in catalogue}
    sold_out = restocked = 0
    for e in sorted(events, key=lambda e: e.occurred_at):
        state = states[e.item_id]
        if e.kind == "order":
            assert state["stock"] >= e.units, "an order larger than the stock on hand"
        if e.kind == "stock" and e.raw_type == "Restock":
            restocked += 1
        apply_event(state, e.to_doc())
        if e.kind == "order" and state["stock"] == 0:
            sold_out += 1
    assert sold_out > 0 and restocked > 0


def test_demand_follows_time_of_day():
    catalogue = simulate_catalogue(100, 6)
    events = Simulator(catalogue, 6).history(START, 24 * 7)
    by_ist_hour = Counter()
    for e in events:
        by_ist_hour[(e.occurred_at + timedelta(hours=5, minutes=30)).hour] += e.views
    assert by_ist_hour[21] > 3 * by_ist_hour[4]  # evening peak vs small hours


def test_tick_mix_order_and_stock():
    catalogue = simulate_catalogue(50, 8)
    now = datetime(2026, 10, 9, 15, tzinfo=UTC)
    a = Simulator(catalogue, 8).tick(now, 2000)
    assert a == Simulator(catalogue, 8).tick(now, 2000)
    assert len(a) == 2000 and all(isinstance(e, SimEvent) for e in a)
    mix = Counter(e.kind for e in a)
    assert 0.6 < mix["view"] / 2000 < 0.8
    assert 0.12 < mix["click"] / 2000 < 0.28
    assert 0.05 < mix["order"] / 2000 < 0.15
    assert [e.occurred_at for e in a] == sorted(e.occurred_at for e in a)

    sim = Simulator(catalogue, 8)
    for p in catalogue:
        sim.set_stock(p["item_id"], 0)
    sim.set_stock(catalogue[0]["item_id"], 3)
    events = sim.tick(now, 3000)
    orders = [e for e in events if e.kind == "order"]
    assert {e.item_id for e in orders} <= {catalogue[0]["item_id"]}
    assert sum(e.quantity for e in orders) <= 3


def test_live_history_sends_per_marketplace_only_what_it_really_sends():
    from shared.core import signals

    catalogue = simulate_catalogue(60, 5)
    demo = Simulator(catalogue, 5).history(START, 24 * 4)
    live = Simulator(catalogue, 5).history(START, 24 * 4, mode="live")
    assert [e.to_doc() for e in demo] == [
        e.to_doc() for e in Simulator(catalogue, 5).history(START, 24 * 4, mode="mock")
    ]
    assert len({e.id for e in live}) == len(live)
    by_mp = {mp: [e for e in live if e.marketplace == mp] for mp in ("amazon", "myntra", "meesho")}
    amazon = by_mp["amazon"]
    assert not any(e.clicks for e in live)  # no marketplace sends clicks
    assert any(e.kind == "traffic" and e.views for e in amazon)
    for e in amazon:
        if e.kind == "order":  # ORDER_CHANGE: no price, units or revenue
            assert e.orders == 1 and e.units == 0 and e.revenue == 0 and e.price is None
            assert e.stock_delta < 0 and e.raw_type == "ORDER_CHANGE"
    sales = [e for e in amazon if e.kind == "sales"]
    assert sales and all(e.occurred_at.minute == 0 and e.orders == 0 for e in sales)
    assert {e.kind for e in amazon} <= {"traffic", "order", "sales", "offer", "stock"}
    for mp in ("myntra", "meesho"):
        assert "views" not in signals.sent(mp, "live")
        kinds = {e.kind for e in by_mp[mp]}
        assert "traffic" not in kinds and "offer" not in kinds and "order" in kinds
        for e in by_mp[mp]:
            if e.kind == "order":
                assert e.units >= 1 and e.revenue == pytest.approx(e.units * e.price)
            if e.kind == "catalogue":  # the seller's own price changes, no competitor
                assert e.price and e.competitor_price is None
    # The same shoppers: per item, as many orders and units as the demo reports.
    for item in {p["item_id"] for p in catalogue}:
        d = [e for e in demo if e.item_id == item]
        v = [e for e in live if e.item_id == item]
        assert sum(e.orders for e in v) == sum(e.orders for e in d)
        assert sum(e.units for e in v) == sum(e.units for e in d)
        assert sum(e.revenue for e in v) == pytest.approx(sum(e.revenue for e in d))
        assert sum(e.stock_delta for e in v) == sum(e.stock_delta for e in d)
    with pytest.raises(ValueError, match="mode"):
        Simulator(catalogue, 5).history(START, 2, mode="demo")
