from __future__ import annotations

import numpy as np
import pytest

from shared.ml.explain import explain, explainer

pytestmark = pytest.mark.unit


def test_contributions_add_up_to_the_raw_score(small_trained):
    model, holdout = small_trained
    for row in holdout.X[:: max(1, len(holdout.X) // 25)]:
        result = explain(model, row)
        total = result["base_value"] + sum(f["contribution"] for f in result["features"])
        assert total == pytest.approx(result["raw_score"], rel=1e-6, abs=1e-9)
        assert result["raw_score"] == pytest.approx(float(model.predict(row[None, :])[0]))
        assert [f["name"] for f in result["features"]] == list(model.features)
    labels = {f["name"]: f.get("label") for f in result["features"]}
    assert labels["marketplace"] in ("amazon", "myntra", "meesho")


def test_explainer_is_cached_per_model(small_model):
    assert explainer(small_model) is explainer(small_model)
    row = np.zeros(len(small_model.features), np.float32)
    first = explain(small_model, row)
    # The cached explainer answers the same again (its speed is measured in bench/, not here).
    assert explain(small_model, row) == first
