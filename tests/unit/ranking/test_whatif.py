from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime

import numpy as np
import pytest

from shared.core.errors import NotFound, ValidationFailed
from shared.ranking.ranker import Ranker
from shared.ranking.rule_models import parse_rule
from shared.ranking.whatif import price_whatif

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 10, 14, 20, tzinfo=UTC)  # conftest: end of the simulated history


@pytest.fixture()
def ranker(small_model, states):
    r = Ranker(small_model)
    r.full(list(states.values()), NOW)
    return r


def _snapshot(ranker):
    return pickle.dumps({k: v for k, v in vars(ranker).items() if k != "model"})


def test_whatif_changes_nothing(ranker, states):
    rules = [parse_rule("boost-clearance", {"strength": 0.3})]
    ranker.publish(rules, NOW)
    item = sorted(states)[10]
    state_before = copy.deepcopy(states[item])
    ranker_before = _snapshot(ranker)
    page_before = ranker.ranking(rules, NOW, limit=1000)
    price = states[item]["price"]
    price_whatif(ranker, states[item], [price * f for f in np.linspace(0.5, 1.5, 50)], NOW, rules)
    price_whatif(ranker, states[item], [price * 0.8], NOW, rules)
    assert states[item] == state_before
    assert _snapshot(ranker) == ranker_before
    assert ranker.ranking(rules, NOW, limit=1000) == page_before


def test_current_price_reproduces_current_score_and_rank(ranker, states):
    rules = [parse_rule("demote", {"item_id": sorted(states)[4], "strength": 0.4})]
    page = {e.item_id: e for e in ranker.ranking(rules, NOW, limit=1000).entries}
    for item in sorted(states)[:12]:
        result = price_whatif(ranker, states[item], [states[item]["price"]], NOW, rules)
        point = result.points[0]
        assert result.current_rank == page[item].rank == point.rank
        assert point.score == pytest.approx(page[item].score)
        assert point.adjusted_score == pytest.approx(page[item].adjusted_score)
        assert point.rank_change == 0


def test_curve_ranks_match_a_ranking_with_the_new_price(ranker, states, small_model):
    rules = [parse_rule("pin", {"item_id": sorted(states)[0], "position": 1})]
    item = sorted(states)[30]
    prices = [states[item]["price"] * f for f in (0.6, 0.85, 1.3)]
    result = price_whatif(ranker, states[item], prices, NOW, rules)
    assert [p.price for p in result.points] == prices
    # Lower prices never score lower: the model is monotone in price.
    scores = [p.score for p in result.points]
    assert scores[0] >= scores[1] >= scores[2]
    for point in result.points:
        other = Ranker(small_model)
        other.full(list(states.values()), NOW, context=ranker.context)
        other.update([{**states[item], "price": point.price}], NOW)
        assert other.rank_of(item, rules, NOW) == point.rank
        assert point.rank_change == result.current_rank - point.rank


def test_single_price_explains_the_score_change(ranker, states):
    item = sorted(states)[20]
    result = price_whatif(ranker, states[item], [states[item]["price"] * 0.7], NOW, [])
    change = result.shap_change
    assert change is not None
    assert sum(c["change"] for c in change) == pytest.approx(
        result.points[0].score_change, rel=1e-6, abs=1e-9
    )
    by_name = {c["name"]: c for c in change}
    assert by_name["price"]["value_after"] == pytest.approx(states[item]["price"] * 0.7)
    assert (
        by_name["price_vs_category"]["value_after"] < by_name["price_vs_category"]["value_before"]
    )
    for unaffected in ("rating", "stock", "views_7d"):
        assert by_name[unaffected]["value_after"] == by_name[unaffected]["value_before"]
    curve = price_whatif(ranker, states[item], [100.0, 200.0], NOW, [])
    assert curve.shap_change is None


def test_removed_item_has_no_rank_and_bad_input_is_refused(ranker, states):
    item = sorted(states)[5]
    removed = price_whatif(
        ranker, states[item], [99.0], NOW, [parse_rule("remove", {"item_id": item})]
    )
    assert removed.points[0].rank is None and removed.current_rank is None
    for bad, field in (
        ([], "prices"),
        ([100.0, -1.0], "prices[1]"),
        (["9"], "prices[0]"),
        ([float("nan")], "prices[0]"),
        ([1.0] * 201, "prices"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            price_whatif(ranker, states[item], bad, NOW, [])
        assert exc.value.field == field
    with pytest.raises(NotFound):
        price_whatif(ranker, {**states[item], "item_id": "SKU-NONE"}, [100.0], NOW, [])
