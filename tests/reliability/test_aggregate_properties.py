"""Properties above the fold: the KPI aggregate, the ranking and the import planners.

Events for a few products arrive in any order with duplicates; the change feed delivers them
in batches with replays (the model of ``test_fold_properties``). After each batch the live loop
hands the touched products to the KPI aggregate and the ranker. Whatever the delivery, the
aggregate must equal KPIs computed once from the final states, and the incrementally updated
ranking the ranking built once from them. Imports: the same rows in any file order, imported
any number of times, give the same events.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from demo.simulated_training import SimConfig, train_simulated
from shared.ingest.bulk import events as planners
from shared.projection import fold, projected_kpis
from shared.ranking.ranker import Ranker
from tests.reliability.test_fold_properties import BASE, events, feed, steps, write_log

pytestmark = pytest.mark.unit

NOW = BASE + timedelta(days=7, hours=3)
CATALOGUE = [
    {
        "item_id": f"SKU-{i}",
        "title": f"Item {i}",
        "category": ("ethnic", "footwear", "beauty")[i % 3],
        "brand": "b",
        "marketplace": ("amazon", "myntra", "meesho")[i % 3],
        "price": 299.0 + 100 * i,
        "mrp": 999.0,
        "rating": 4.1,
        "review_count": 10 * i,
        "stock": 5 * i,
    }
    for i in range(4)
]


@st.composite
def catalogue_deliveries(draw):
    """(batches the feed delivers, per batch a redelivered subset flag) for the catalogue."""
    items = [p["item_id"] for p in CATALOGUE]
    distinct = draw(st.lists(st.sampled_from(items).flatmap(events), min_size=1, max_size=30))
    for i, doc in enumerate(distinct):
        doc["id"] = f"e{i}"
    repeats = draw(st.lists(st.sampled_from(distinct), max_size=len(distinct)))
    arrivals = draw(st.permutations(distinct + repeats))
    log = write_log(arrivals, draw(st.lists(st.integers(0, 1), min_size=1, max_size=5)))
    return feed(log, draw(steps))


def live_loop(batches, on_touched) -> dict[str, dict]:
    """Project each batch and hand the touched states on, as ``rank_on_events`` does; each
    batch's states may be handed on twice (a redelivery after the projection wrote)."""
    states = {p["item_id"]: fold.new_state(p) for p in CATALOGUE}
    for n, batch in enumerate(batches):
        touched = {}
        for doc in batch:
            touched[doc["item_id"]] = states[doc["item_id"]]
            fold.apply_batch(states[doc["item_id"]], [doc])
        docs = [copy.deepcopy(s) for s in touched.values()]
        on_touched(docs)
        if n % 2:
            on_touched(docs[::-1])
    return states


@given(catalogue_deliveries())
def test_the_kpi_aggregate_equals_kpis_of_the_final_states(batches):
    aggregate = projected_kpis.KpiAggregate(low_stock_threshold=5)
    aggregate.rebase([fold.new_state(p) for p in CATALOGUE], NOW)
    states = live_loop(batches, lambda docs: aggregate.update(docs, NOW))
    once = projected_kpis.compute(states.values(), NOW, low_stock_threshold=5, mode="live")
    assert aggregate.snapshot(NOW, mode="live") == once


@pytest.fixture(scope="module")
def model():
    config = SimConfig(items=120, days=14, seed=3, step_hours=8, holdout_days=3, rounds=40)
    return train_simulated(config, log=lambda _: None)[0]


def test_the_incremental_ranking_equals_the_ranking_built_once(model):
    @given(catalogue_deliveries())
    def check(batches):
        initial = [fold.new_state(p) for p in CATALOGUE]
        ranker = Ranker(model, mode="mock")
        ranker.full(initial, NOW)
        context = ranker.context
        states = live_loop(batches, lambda docs: ranker.update(docs, NOW))
        once = Ranker(model, mode="mock")
        once.full(list(states.values()), NOW, context)
        got = ranker.ranking([], NOW, limit=10).to_dict()["items"]
        want = once.ranking([], NOW, limit=10).to_dict()["items"]
        key = [(e["item_id"], e["rank"], round(e["score"], 9)) for e in got]
        assert key == [(e["item_id"], e["rank"], round(e["score"], 9)) for e in want]

    check()


# --- imports ----------------------------------------------------------------------------------

moments = st.integers(0, 3 * 24 * 60).map(
    lambda m: (BASE + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%S")
)
products = st.sampled_from(["SKU-0", "SKU-1", "SKU-2"])
cents = st.integers(1, 10_000_000).map(lambda c: c / 100)


def sales_rows():
    row = st.fixed_dictionaries(
        {
            "date": moments,
            "product_id": products,
            "channel": st.sampled_from(["online", "pos"]),
            "quantity_sold": st.integers(0, 40),
            "revenue": cents,
        }
    )
    return st.lists(
        row, min_size=1, max_size=40, unique_by=lambda r: (r["date"], r["product_id"], r["channel"])
    )


def inventory_rows():
    row = st.fixed_dictionaries(
        {
            "date": moments,
            "product_id": products,
            "location": st.sampled_from(["BLR-1", "DEL-2"]),
            "stock_level": st.integers(0, 500),
            "reserved_stock": st.one_of(st.none(), st.integers(0, 9)),
            "in_transit": st.one_of(st.none(), st.integers(0, 9)),
        }
    )
    return st.lists(
        row,
        min_size=1,
        max_size=30,
        unique_by=lambda r: (r["date"], r["product_id"], r["location"]),
    )


def demand_rows():
    row = st.fixed_dictionaries(
        {
            "date": moments,
            "product_id": products,
            "external_demand": st.sampled_from(["high", "medium", "low"]),
            "market_trend": st.one_of(st.none(), st.floats(-1, 1)),
            "competitor_price": st.one_of(st.none(), cents),
            "weather_factor": st.one_of(st.none(), st.sampled_from(["hot", "rainy"])),
            "event_impact": st.one_of(st.none(), st.sampled_from(["promotion", "none"])),
            "social_sentiment": st.one_of(st.none(), st.floats(-1, 1)),
        }
    )
    return st.lists(row, min_size=1, max_size=30, unique_by=lambda r: (r["date"], r["product_id"]))


def planned(kind: str, rows: list[dict]) -> dict[str, dict]:
    frame = pd.DataFrame(rows)
    out = planners.PLANNERS[kind](frame, lambda _: "myntra", "Asia/Kolkata", NOW)
    docs: dict[str, dict] = {}
    for plan in out:
        doc = plan.event.to_doc()
        doc.pop("received_at")
        assert docs.setdefault(doc["id"], doc) == doc, "one id, two different events"
    return docs


@pytest.mark.parametrize(
    "kind, rows",
    [("sales", sales_rows()), ("inventory", inventory_rows()), ("demand", demand_rows())],
)
def test_the_same_rows_in_any_order_and_any_number_of_imports_give_the_same_events(kind, rows):
    @given(rows, st.data())
    def check(file_rows, data):
        once = planned(kind, file_rows)
        shuffled = data.draw(st.permutations(file_rows))
        again = planned(kind, shuffled)
        assert again == once
        # Imported once more (the store keeps the first create of each id): nothing new.
        union = {**again, **planned(kind, file_rows)}
        assert union == once

    check()


def test_a_week_of_negative_net_units_ranks_with_finite_features():
    """Found by the ranking property: seven units of sales corrections in a week divided the
    units trend by zero."""
    from shared.ml.features import COLUMN, build_raw

    state = fold.new_state(CATALOGUE[1])
    fold.apply_event(
        state,
        {
            "id": "s",
            "kind": "sales",
            "occurred_at": (NOW - timedelta(days=2)).isoformat(),
            "units": -7,
        },
    )
    row = build_raw([state], NOW)[0]
    assert row[COLUMN["trend_units"]] == 1.0
