from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from demo.train_ranker import simulated_table
from shared.core.records import Event
from shared.ml.features import COLUMN, FEATURES
from shared.ml.ndcg import ndcg_at
from shared.ml.retrain import metrics_table
from shared.ml.training_set import build_dataset

pytestmark = pytest.mark.unit

T0 = datetime(2026, 10, 1, tzinfo=UTC)
CATALOGUE = [
    {
        "item_id": f"SKU-T-{i}",
        "title": f"item {i}",
        "category": "Beauty",
        "marketplace": "amazon",
        "price": 100.0 + i,
        "mrp": 200.0,
        "stock": 50,
    }
    for i in range(3)
]


def _order(item: str, when: datetime, units: int, suffix: str) -> Event:
    return Event(
        id=f"e-{item}-{suffix}",
        item_id=item,
        marketplace="amazon",
        kind="order",
        raw_type="OrderLine",
        occurred_at=when,
        received_at=when,
        orders=1,
        units=units,
        revenue=units * 100.0,
        stock_delta=-units,
    )


def test_features_use_only_the_past_and_labels_only_the_horizon():
    cutoff = T0 + timedelta(days=8)
    events = [
        _order("SKU-T-0", cutoff - timedelta(hours=2), 2, "past"),
        _order("SKU-T-1", cutoff, 5, "at-cutoff"),  # belongs to the future
        _order("SKU-T-2", cutoff + timedelta(hours=23), 1, "in-horizon"),
        _order("SKU-T-2", cutoff + timedelta(hours=24), 9, "after-horizon"),
    ]
    data = build_dataset(events, CATALOGUE, [cutoff], horizon_hours=24)
    assert data.groups == [3] and data.item_ids == [p["item_id"] for p in CATALOGUE]
    assert data.X[:, COLUMN["units_7d"]].tolist() == [2, 0, 0]
    assert data.X[:, COLUMN["stock"]].tolist() == [48, 50, 50]
    assert data.units.tolist() == [0, 5, 1]
    assert data.relevance.tolist() == [0, 3, 1]  # ceil(log2(1 + units))


def test_ndcg():
    rel = np.array([3, 2, 0, 1])
    tiebreak = np.arange(4)
    assert ndcg_at(4, np.array([4.0, 3, 1, 2]), rel, tiebreak) == pytest.approx(1.0)
    worst = ndcg_at(4, np.array([1.0, 2, 4, 3]), rel, tiebreak)
    assert 0 < worst < 0.7
    assert ndcg_at(2, np.zeros(4), np.zeros(4, int), tiebreak) == 0.0


def test_model_beats_popularity_by_ten_percent(small_trained):
    model, holdout = small_trained
    metrics = model.metadata["metrics"]
    assert metrics["ndcg@20"] >= 1.10 * metrics["baselines"]["popularity"]["ndcg@20"]
    assert metrics["baselines"]["popularity"]["ndcg@20"] > metrics["baselines"]["random"]["ndcg@20"]
    assert metrics["holdout"]["source"] == "sim" and len(metrics["holdout_id"]) == 16
    assert model.metadata["features"] == list(FEATURES)
    window = model.metadata["training_window"]
    # Training labels end before the holdout begins.
    last_train = datetime.fromisoformat(window["train_cutoffs"][1])
    assert last_train + timedelta(hours=24) <= datetime.fromisoformat(metrics["holdout"]["from"])
    assert len(holdout.groups) == metrics["holdout"]["cutoffs"]
    assert "popularity" in metrics_table(metrics)


def test_baselines_include_in_stock_popularity_and_conversion(small_trained):
    model, _ = small_trained
    metrics = model.metadata["metrics"]
    baselines = metrics["baselines"]
    assert set(baselines) == {
        "popularity",
        "popularity_in_stock",
        "recent_velocity",
        "recency_weighted",
        "conversion_7d",
        "random",
    }
    strongest = metrics["strongest_baseline"]
    assert strongest != "random"
    assert baselines[strongest]["ndcg@20"] == max(
        baselines[name]["ndcg@20"] for name in baselines if name != "random"
    )
    assert metrics["lift_vs_strongest@20"] == pytest.approx(
        metrics["ndcg@20"] / baselines[strongest]["ndcg@20"] - 1.0, abs=1e-4
    )
    assert metrics["lift_vs_strongest@20"] <= metrics["lift_vs_popularity@20"]


def test_second_world_has_its_own_seed_and_disjoint_items(small_trained):
    model, holdout = small_trained
    metrics = model.metadata["metrics"]
    world = metrics["second_world"]
    assert world["source"] == "sim" and world["seed"] != metrics["holdout"]["seed"]
    assert world["cutoffs"] > 0 and 0 < world["ndcg@20"] <= 1
    assert world["ndcg@20"] > world["baselines"]["random"]["ndcg@20"]
    assert set(world["baselines"]) == set(metrics["baselines"])
    assert not any(item.startswith("W2-") for item in holdout.item_ids)
    table = simulated_table(metrics)
    assert "second simulated world" in table and "not real sellers" in table


def test_in_stock_popularity_puts_out_of_stock_items_last():
    from shared.ml.baselines import baseline_scores

    X = np.zeros((3, len(FEATURES)), dtype=np.float32)
    X[:, COLUMN["units_7d"]] = [9, 3, 0]
    X[:, COLUMN["in_stock"]] = [0, 1, 1]
    scores = baseline_scores(X)
    assert np.argsort(-scores["popularity"]).tolist() == [0, 1, 2]
    assert np.argsort(-scores["popularity_in_stock"]).tolist() == [1, 2, 0]


def test_reported_per_kind_of_data_with_a_fallback_where_the_model_is_not_ten_percent_better(
    small_trained,
):
    from shared.ml.baselines import FALLBACK_BASELINES
    from shared.ml.ranker_training import live_kinds

    model, _ = small_trained
    metrics = model.metadata["metrics"]
    kinds = metrics["by_data"]
    assert live_kinds() == {"live:amazon": ("amazon",), "live:myntra+meesho": ("myntra", "meesho")}
    assert set(kinds) == {"mock", "live:amazon", "live:myntra+meesho", "files"}
    assert kinds["mock"]["ndcg@20"] == metrics["ndcg@20"] and kinds["mock"]["served"] == "model"
    fallback = model.metadata["fallback"]
    for kind, marketplaces in live_kinds().items():
        result = kinds[kind]
        assert 0 < result["ndcg@20"] <= 1 and result["marketplaces"] == list(marketplaces)
        strongest = result["baselines"][result["strongest_baseline"]]["ndcg@20"]
        assert result["lift_vs_strongest@20"] == pytest.approx(
            result["ndcg@20"] / strongest - 1.0, abs=1e-4
        )
        if result["lift_vs_strongest@20"] < 0.10:
            assert result["served"] in FALLBACK_BASELINES
            assert all(fallback[mp]["baseline"] == result["served"] for mp in marketplaces)
            assert all(fallback[mp]["slope"] > 0 for mp in marketplaces)
        else:
            assert result["served"] == "model"
            assert not any(mp in fallback for mp in marketplaces)
    table = metrics_table(metrics)
    assert "live:amazon" in table and "live:myntra+meesho" in table and "served by" in table
    # The live kinds have no clicks: the conversion baseline cannot rank them.
    assert kinds["live:amazon"]["strongest_baseline"] != "conversion_7d"


def test_sellers_who_send_files_are_a_kind_of_their_own_on_both_worlds(small_trained):
    """Trained on and reported apart: disjoint items, the model above random, and its NDCG
    with the file-only columns blanked next to it."""
    model, holdout = small_trained
    metrics = model.metadata["metrics"]
    for world in (metrics, metrics["second_world"]):
        files = world["by_data"]["files"]
        assert files["marketplaces"] == "files" and files["served"] == "model"
        assert files["ndcg@20"] > files["baselines"]["random"]["ndcg@20"]
        assert 0 < files["without_file_signals"]["ndcg@20"] <= 1
        assert files["without_file_signals"]["ndcg@20"] != files["ndcg@20"]
    assert not any(item.startswith("F-") for item in holdout.item_ids)
    assert "files" in metrics_table(metrics) and "without the file-only columns" in (
        metrics_table(metrics)
    )


def test_a_history_too_short_to_hold_out_on_is_refused_before_training():
    from shared.core.errors import HistoryTooShort
    from shared.ml.ranker_training import train_on_events

    start = T0
    with pytest.raises(HistoryTooShort, match="too short"):
        train_on_events(
            [],
            CATALOGUE,
            start=start,
            end=start + timedelta(days=10),  # a week of features leaves 3 days, not 5 + 1
            source={"source": "test"},
            step_hours=4,
            horizon_hours=24,
            holdout_days=5,
            rounds=1,
            seed=0,
        )
