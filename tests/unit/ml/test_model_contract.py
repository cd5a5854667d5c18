from __future__ import annotations

import numpy as np
import pytest

from shared.core.errors import FeatureMismatch, ModelError
from shared.ml.features import FEATURES
from shared.ml.model import RankerModel

pytestmark = pytest.mark.unit


def test_text_round_trip_predicts_the_same(small_model):
    X = np.random.default_rng(0).random((20, len(FEATURES)), dtype=np.float32) * 10
    loaded = RankerModel.from_text(small_model.to_text(), small_model.metadata)
    assert loaded.features == FEATURES and loaded.version == small_model.version
    np.testing.assert_array_equal(loaded.predict(X), small_model.predict(X))


def test_feature_mismatch_is_refused_with_what_to_do(small_model):
    small_model.check_features(FEATURES)
    with pytest.raises(FeatureMismatch) as exc:
        small_model.check_features((*FEATURES[:-1], "brand_code"))
    message = str(exc.value)
    assert f"model {small_model.version} was trained with" in message
    assert "brand_code" in message and "retrain with python -m shared.ml.retrain" in message
    with pytest.raises(FeatureMismatch, match="different order"):
        small_model.check_features(tuple(reversed(FEATURES)))
    with pytest.raises(FeatureMismatch, match="retrain"):
        small_model.predict(np.zeros((3, len(FEATURES) - 1), np.float32))


def test_metadata_must_agree_with_the_booster(small_model):
    with pytest.raises(ModelError, match="inconsistent"):
        RankerModel.from_text(
            small_model.to_text(), {**small_model.metadata, "features": ["a", "b"]}
        )
    with pytest.raises(ModelError, match="cannot be loaded"):
        RankerModel.from_text("not a model", small_model.metadata)


def test_a_model_of_another_feature_version_is_refused(small_model):
    from shared.ml.features import FEATURE_VERSION
    from shared.ranking.ranker import Ranker

    small_model.check_features(FEATURES, FEATURE_VERSION)
    old = RankerModel.from_text(
        small_model.to_text(), {**small_model.metadata, "feature_version": "f1-0123456789"}
    )
    with pytest.raises(FeatureMismatch, match=r"retrain with python -m shared\.ml\.retrain") as exc:
        old.check_features(FEATURES, FEATURE_VERSION)
    assert "f1-0123456789" in str(exc.value) and FEATURE_VERSION in str(exc.value)
    with pytest.raises(FeatureMismatch, match="retrain"):
        Ranker(old)
