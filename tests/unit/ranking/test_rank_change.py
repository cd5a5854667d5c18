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
