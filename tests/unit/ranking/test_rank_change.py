"""Why a rank moved: SHAP at an earlier moment (rebuilt from the item's events) and now."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from shared.core.errors import NotFound
from shared.projection.fold import apply_event, new_state
from shared.ranking.rank_change import FeatureMove, explain_change
from shared.ranking.ranker import Ranker
from tests.unit.ranking.conftest import NOW, START

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def world(small_model, simulated_states):
    catalogue, _, sim = simulated_states
    events = [e.to_doc() for e in sim.history(START, 24 * 9 + 14)]
    item = catalogue[0]["item_id"]
    mine = [e for e in events if e["item_id"] == item]
    # A burst of orders in the last hour: the rank should move for reasons about orders.
    burst = [
        {
            "id": f"burst-{i}",
            "item_id": item,
            "occurred_at": (NOW - timedelta(minutes=30 - i)).isoformat(),
            "kind": "order",
            "orders": 1,
            "units": 1,
            "clicks": 1,
            "views": 1,
            "revenue": 500.0,
        }
        for i in range(12)
    ]
    state = new_state(next(p for p in catalogue if p["item_id"] == item))
    for event in mine + burst:
        apply_event(state, event)
    others = {}
    for p in catalogue[1:]:
        others[p["item_id"]] = new_state(p)
    for event in events:
        if event["item_id"] in others:
            apply_event(others[event["item_id"]], event)
    ranker = Ranker(small_model)
    ranker.full([state, *others.values()], NOW)
    return ranker, state, mine + burst


def test_contributions_then_and_now_add_up_and_the_top_reasons_are_the_burst(world):
    ranker, state, events = world
    since = NOW - timedelta(hours=1)
    result = explain_change(ranker, state, events, since)
    deltas = [c["delta"] for c in result["changes"]]
    assert result["score_now"] - result["score_then"] == pytest.approx(sum(deltas), abs=1e-6)
    assert result["score_now"] == pytest.approx(
        float(ranker.model.predict(ranker.features_of(state["item_id"])[None, :])[0]), abs=1e-5
    )
    assert abs(deltas[0]) >= abs(deltas[-1])  # sorted by effect
    assert len(result["reasons"]) == 3
    orders = next(c for c in result["changes"] if c["feature"] == "orders_24h")
    # The burst, plus whatever the simulated shoppers bought in that hour.
    assert orders["value_now"] - orders["value_then"] >= 12


def test_nothing_happened_means_no_reasons(world):
    ranker, state, events = world
    # Explaining "since now" against the same moment: every delta is zero.
    result = explain_change(ranker, state, events, NOW)
    assert result["reasons"] == [] and all(abs(c["delta"]) < 1e-9 for c in result["changes"])


def test_an_unranked_item_is_not_found(world):
    ranker, state, events = world
    with pytest.raises(NotFound):
        explain_change(ranker, {**state, "item_id": "nope"}, events, NOW)


@pytest.mark.parametrize(
    ("then", "now", "expected"),
    [
        (3.0, 11.0, "orders in the last 24 h rose from 3 to 11: +0.80"),
        (11.0, 3.0, "orders in the last 24 h fell from 11 to 3: +0.80"),
        (None, 4.0, "orders in the last 24 h is now 4: +0.80"),
    ],
)
def test_sentences_say_what_moved_in_words(then, now, expected):
    move = FeatureMove("orders_24h", then, now, 0.1, 0.9)
    assert move.sentence() == expected


def test_ratios_and_money_read_as_a_seller_reads_them():
    assert "from 2.0% to 3.5%" in FeatureMove("conversion_24h", 0.02, 0.035, 0, 0.1).sentence()
    assert "from ₹1,099 to ₹999" in FeatureMove("price", 1099.0, 999.0, 0, 0.1).sentence()
    assert not np.isnan(FeatureMove("stock", 5, 5, 0, 0).delta)


def _stock_count(item: str, at, stock: int) -> dict:
    return {"id": f"count-{stock}", "item_id": item, "occurred_at": at.isoformat(),
            "kind": "stock", "stock_set": stock}  # fmt: skip


def _order(item: str, at) -> dict:
    return {"id": f"order-{at.isoformat()}", "item_id": item, "occurred_at": at.isoformat(),
            "kind": "order", "orders": 1, "units": 1, "revenue": 500.0}  # fmt: skip


def _on_recency_baseline(small_model, simulated_states, extra=()):
    """The world's first item, counted in stock two hours ago (plus ``extra`` events), alone in
    a ranking whose demo feed a fallback rule puts on recency-weighted sales."""
    from shared.ml.model import RankerModel

    catalogue, _, sim = simulated_states
    product = catalogue[0]
    item = product["item_id"]
    events = [e.to_doc() for e in sim.history(START, 24 * 9 + 14) if e.item_id == item]
    events += [_stock_count(item, NOW - timedelta(hours=2), 500), *extra]
    # Sales three days ago and a burst in the last half hour.
    events += [_order(item, NOW - timedelta(days=3, minutes=i)) for i in range(4)]
    events += [_order(item, NOW - timedelta(minutes=30 - i)) for i in range(6)]
    events.sort(key=lambda e: e["occurred_at"])
    state = new_state(product)
    for event in events:
        apply_event(state, event)
    rule = {"baseline": "recency_weighted", "offset": 0.0, "slope": 1.0}
    model = RankerModel.from_text(
        small_model.to_text(), {**small_model.metadata, "fallback": {"demo": rule}}
    )
    ranker = Ranker(model, mode="mock")
    ranker.full([state], NOW)
    return ranker, state, events


def test_an_item_a_baseline_ranks_is_explained_by_the_baselines_parts(
    small_model, simulated_states
):
    """Where the evidence put a kind on a baseline, the reasons are the baseline's parts that
    moved (the model's SHAP values would explain a ranking it did not make)."""
    ranker, state, events = _on_recency_baseline(small_model, simulated_states)
    result = explain_change(ranker, state, events, NOW - timedelta(hours=1))
    assert result["ranked_by"] == "recency_weighted"
    assert result["score_now"] > 0
    deltas = sum(c["delta"] for c in result["changes"])
    assert result["score_now"] - result["score_then"] == pytest.approx(deltas, abs=1e-9)
    assert {c["feature"] for c in result["changes"]} == {"span_0", "span_1", "span_2", "span_3"}
    # The burst is the last hour's: the last day's span moved, not days 2 to 30.
    assert result["reasons"][0].startswith("units sold in the last 24 h rose from")
    day = next(c for c in result["changes"] if c["feature"] == "span_0")
    assert day["value_now"] - day["value_then"] >= 6


def test_going_out_of_stock_is_the_one_reason_under_an_in_stock_baseline(
    small_model, simulated_states
):
    item = simulated_states[0][0]["item_id"]
    sold_out = _stock_count(item, NOW - timedelta(minutes=5), 0)
    ranker, state, events = _on_recency_baseline(small_model, simulated_states, [sold_out])
    result = explain_change(ranker, state, events, NOW - timedelta(minutes=10))
    assert result["score_now"] == -1.0 and result["score_then"] > 0
    assert result["reasons"] == [
        f"went out of stock: ranked after every item in stock: {-1.0 - result['score_then']:+.2f}"
    ]
