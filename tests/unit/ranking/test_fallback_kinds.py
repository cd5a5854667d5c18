"""The ranker applies the model's fallback by kind of data: sellers whose sales come in files,
a live marketplace's webhook items, the demo feed; each entry says what ranked it."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from shared.ml.baselines import baseline_scores, shape
from shared.ml.features import COLUMN
from shared.ml.model import RankerModel
from shared.ranking.ranker import Ranker

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 10, 14, 20, tzinfo=UTC)  # conftest: end of the simulated history
FILES_RULE = {"baseline": "recency_weighted", "offset": 0.25, "slope": 1.5}
AMAZON_RULE = {"baseline": "popularity_in_stock", "offset": 0.0, "slope": 1.0}


def _with_fallback(model, fallback):
    return RankerModel.from_text(model.to_text(), {**model.metadata, "fallback": fallback})


def _file_sellers(states, every=3):
    """Every ``every``-th item's sales came in a sales file (channel rollup of the day)."""
    ids = sorted(states)[::every]
    for item in ids:
        states[item]["channel_days"] = {"20261010|online": [4, 400.0], "20261009|pos": [1, 90.0]}
    return set(ids)


@pytest.mark.parametrize("mode", ["live", "mock"])
def test_items_whose_sales_come_in_files_are_ranked_by_the_files_baseline(
    small_model, states, mode
):
    files = _file_sellers(states)
    model = _with_fallback(small_model, {"files": FILES_RULE, "amazon": AMAZON_RULE})
    ranker = Ranker(model, mode=mode)
    ranker.full(list(states.values()), NOW)
    plain = Ranker(_with_fallback(small_model, {}), mode=mode)
    plain.full(list(states.values()), NOW)
    page = ranker.ranking([], NOW, limit=len(states))
    by = {e.item_id: e.ranked_by for e in page.entries}
    marketplace = {i: s["marketplace"] for i, s in states.items()}
    for entry in page.entries:
        item = entry.item_id
        X = ranker.features_of(item)[None, :]
        if item in files:
            expected = FILES_RULE["offset"] + FILES_RULE["slope"] * shape(
                baseline_scores(X)["recency_weighted"]
            )
            assert entry.score == pytest.approx(float(expected[0]))
            assert by[item] == "recency_weighted" == ranker.ranked_by(marketplace[item], item)
        elif mode == "live" and marketplace[item] == "amazon":
            assert by[item] == "popularity_in_stock"
        else:
            assert by[item] == "model"
            assert entry.score == pytest.approx(plain.scores_for([item])[item])
        assert entry.to_dict()["ranked_by"] == by[item]
    assert files and any(v == "model" for v in by.values())
    # A marketplace's rule covers its webhook items only: a file seller on Amazon is a file seller.
    assert ranker.ranked_by("amazon") == ("popularity_in_stock" if mode == "live" else "model")


def test_a_demo_fallback_applies_to_the_demo_feed_only(small_model, states):
    rule = {"baseline": "popularity", "offset": 0.0, "slope": 1.0}
    model = _with_fallback(small_model, {"demo": rule})
    demo = Ranker(model, mode="mock")
    demo.full(list(states.values()), NOW)
    page = demo.ranking([], NOW, limit=len(states))
    assert {e.ranked_by for e in page.entries} == {"popularity"}
    units = np.array([demo.features_of(e.item_id)[COLUMN["units_7d"]] for e in page.entries])
    assert np.all(np.diff(units) <= 0), "demo items not in popularity order"
    assert demo.ranked_by("amazon") == "popularity"
    live = Ranker(model, mode="live")
    live.full(list(states.values()), NOW)
    assert {e.ranked_by for e in live.ranking([], NOW, limit=len(states)).entries} == {"model"}
