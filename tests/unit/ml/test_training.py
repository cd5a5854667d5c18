from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from shared.core.records import Event
from shared.ml.features import COLUMN, FEATURES
from shared.ml.train import build_dataset, metrics_table, ndcg_at

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
