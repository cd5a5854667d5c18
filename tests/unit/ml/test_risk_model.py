"""The risk model on simulated snapshots: beats the rules, is calibrated, explains itself and
refuses a feature list it was not trained with."""

from __future__ import annotations

import numpy as np
import pytest

from demo.sim.inventory import simulate
from demo.train_risk import Config, train
from shared.core.errors import FeatureMismatch
from shared.ml.risk import features
from shared.ml.risk.model import RiskModel

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def trained():
    return train(Config(seed=9))


def test_the_model_beats_the_rules_on_a_later_holdout(trained) -> None:
    model, _ = trained
    m = model.metadata["metrics"]
    rules = m["rules_baseline"]
    assert m["roc_auc"] > rules["roc_auc"]
    assert m["pr_auc"] > rules["pr_auc"]
    assert m["brier"] < rules["brier"]
    train_, cal, test = (tuple(s) for s in model.metadata["training"]["slices"].values())
    assert train_[1] + 30 <= cal[0] and cal[1] + 30 <= test[0]  # no label window overlaps


def test_calibrated_probabilities_match_observed_shares(trained) -> None:
    model, _ = trained
    table = model.metadata["metrics"]["calibration_table"]
    assert len(table) >= 4
    big = [row for row in table if row["rows"] >= 200]
    assert big and all(abs(r["predicted"] - r["observed"]) < 0.15 for r in big)
    h = simulate(300, 120, seed=21)
    from demo.train_risk import features_of

    p = model.predict(features_of(h))
    assert ((p >= 0) & (p <= 1)).all()


def test_reasons_are_the_largest_shap_contributions(trained) -> None:
    model, _ = trained
    X = features.from_snapshots(
        [
            {
                "days_active": 200,
                "days_since_sale": 200,
                "units": 40,
                "price": 1000.0,
                "mrp": 1000.0,
                "units_7d": 0,
                "sold_30d": 0,
                "days_of_cover": 365.0,
                "category": "Footwear",
            },
            {
                "days_active": 20,
                "days_since_sale": 1,
                "units": 3,
                "price": 500.0,
                "mrp": 1000.0,
                "units_7d": 6,
                "sold_30d": 20,
                "days_of_cover": 3.5,
                "category": "Beauty",
            },
        ]
    )
    stale, fresh = model.predict(X)
    assert stale > fresh + 0.3
    reasons = model.reasons(X)
    assert [len(r) for r in reasons] == [3, 3]
    sizes = [abs(r["contribution"]) for r in reasons[0]]
    assert sizes == sorted(sizes, reverse=True)
    assert {r["feature"] for r in reasons[0]} <= set(features.FEATURES)


def test_a_description_without_history_still_scores(trained) -> None:
    model, _ = trained
    X = features.from_description("Ethnic Wear", 10, 4500.0, 400)
    assert np.isnan(X[0, features.COLUMN["days_since_sale"]])
    (p,) = model.predict(X)
    assert 0.0 <= p <= 1.0


def test_a_mismatched_feature_list_is_refused(trained) -> None:
    model, text = trained
    meta = {**model.metadata, "features": list(reversed(features.FEATURES))}
    with pytest.raises(FeatureMismatch, match=r"retrain with python -m demo\.train_risk"):
        RiskModel.from_text(text, meta)
    with pytest.raises(FeatureMismatch):
        RiskModel.from_text(text, {**model.metadata, "feature_version": "r0"})
    with pytest.raises(FeatureMismatch, match="expects 10 feature columns"):
        model.predict(np.zeros((2, 9)))
