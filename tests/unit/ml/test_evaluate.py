"""The evaluation over many worlds decides, per kind of data, what ranks it; the trainer
records that decision in the model's metadata."""

from __future__ import annotations

import numpy as np
import pytest

from demo.evaluate import MIXED_KIND, evidence, markdown, mix, summarise_kind
from demo.simulated_training import SimConfig, train_simulated
from shared.ml.baselines import BASELINES, FALLBACK_BASELINES, REQUIRED_LIFT
from shared.ml.features import COLUMN, FEATURES
from shared.ml.ranker_training import load_evidence
from shared.ml.training_set import Dataset

pytestmark = pytest.mark.unit

TINY = SimConfig(items=60, days=12, seed=3, step_hours=12, holdout_days=2, rounds=20)


def _worlds(model: list[float], strongest: float = 0.6) -> list[dict[str, float]]:
    """Per-world NDCG: in-stock popularity at ``strongest``, the other baselines below it."""
    out = []
    for m in model:
        row = {name: 0.3 for name in BASELINES}
        row.update(popularity_in_stock=strongest, recency_weighted=strongest - 0.01)
        out.append({**row, "model": m, "random": 0.1})
    return out


def test_a_kind_whose_lower_bound_clears_ten_percent_is_ranked_by_the_model():
    # +30% in every world, give or take a little.
    worlds = _worlds([0.78, 0.79, 0.77, 0.78, 0.8, 0.76, 0.78, 0.79, 0.77, 0.78])
    result = summarise_kind(worlds, seed=0)
    assert result["strongest_baseline"] == "popularity_in_stock"
    assert result["lift"]["t"][0] >= REQUIRED_LIFT and result["ranked_by"] == "model"
    assert result["model_loses_share"] == 0.0 and result["worlds"] == 10
    assert result["lift"]["bootstrap"][0] <= result["lift"]["mean"] <= result["lift"]["t"][1]


def test_a_kind_above_the_bar_on_average_but_not_at_its_lower_bound_falls_back():
    # Mean lift about +12%, but three worlds below the baseline: the interval reaches under +10%.
    worlds = _worlds([0.85, 0.5, 0.8, 0.55, 0.75, 0.7, 0.72, 0.66, 0.7, 0.49])
    result = summarise_kind(worlds, seed=0)
    assert result["lift"]["mean"] > REQUIRED_LIFT > result["lift"]["t"][0]
    assert result["ranked_by"] == "popularity_in_stock" in FALLBACK_BASELINES
    assert result["model_loses_share"] == 0.3
    lifts = np.array(result["lift_by_world"])
    assert lifts.mean() == pytest.approx(result["lift"]["mean"], abs=1e-4)


def test_the_strongest_baseline_a_fallback_may_use_when_the_strongest_needs_clicks():
    worlds = _worlds([0.6] * 10)
    for w in worlds:
        w["conversion_7d"] = 0.9  # strongest, but no live marketplace sends clicks
    result = summarise_kind(worlds, seed=0)
    assert result["strongest_baseline"] == "conversion_7d"
    assert result["ranked_by"] == "popularity_in_stock"
    assert result["model_loses_share"] == 1.0


def _result() -> dict:
    losing = summarise_kind(_worlds([0.55, 0.6, 0.58, 0.62, 0.57, 0.6, 0.59, 0.61, 0.56, 0.6]), 0)
    winning = summarise_kind(_worlds([0.78, 0.79, 0.77, 0.78, 0.8, 0.76, 0.78, 0.79, 0.77, 0.8]), 0)
    for r in (losing, winning):
        r["ndcg@20"]["served"] = r["ndcg@20"]["model"]
    return {
        "command": "python -m demo.evaluate",
        "measured": "2026-12-07",
        "feature_version": "f-test",
        "interval": "95% t",
        "kinds": {
            "demo": winning,
            "live:amazon": losing,
            "files": losing,
            MIXED_KIND: losing,
        },
    }


def test_evidence_keeps_the_decisions_of_the_kinds_production_ranks(tmp_path):
    stored = evidence(_result())
    assert set(stored["kinds"]) == {"demo", "live:amazon", "files"}  # a mixture goes row by row
    assert stored["kinds"]["files"]["ranked_by"] == "popularity_in_stock"
    assert stored["kinds"]["demo"]["ranked_by"] == "model"
    assert stored["kinds"]["files"]["lift_95"][0] < REQUIRED_LIFT
    path = tmp_path / "evidence.json"
    import json

    path.write_text(json.dumps(stored))
    assert load_evidence(path) == stored
    assert load_evidence(tmp_path / "none.json") == {}
    table = markdown(_result())
    assert "sellers who send files" in table and "in-stock popularity" in table


def test_the_trainer_applies_the_evaluations_decisions_to_the_model_it_trains():
    """From the evaluation's numbers to the model's metadata: the kinds the evidence says the
    model does not clear get a fallback rule fitted on their own training rows."""
    result = _result()
    result["kinds"]["demo"] = result["kinds"]["files"]  # the demo below the bar too
    stored = evidence(result)
    model, _ = train_simulated(TINY, log=lambda _: None, check_second_world=False, evidence=stored)
    fallback, why = model.metadata["fallback"], model.metadata["fallback_evidence"]
    assert fallback["files"]["baseline"] == "popularity_in_stock" and fallback["files"]["slope"] > 0
    assert set(why) == {"files", "live:amazon", "demo"}
    assert why["files"]["lift_95"] == stored["kinds"]["files"]["lift_95"]
    assert why["files"]["command"] == "python -m demo.evaluate"
    # Every kind below the bar is ranked by its baseline: a webhook kind by marketplace, the
    # demo feed too (it shows what production would do).
    amazon = stored["kinds"]["live:amazon"]["ranked_by"]
    assert fallback["amazon"]["baseline"] == amazon
    assert fallback["demo"]["baseline"] == stored["kinds"]["demo"]["ranked_by"]
    kinds = model.metadata["metrics"]["by_data"]
    assert kinds["files"]["served"] == "popularity_in_stock"
    assert kinds["mock"]["served"] == stored["kinds"]["demo"]["ranked_by"]
    # Without evidence the model alone ranks the files kind.
    alone, _ = train_simulated(TINY, log=lambda _: None, check_second_world=False)
    assert "files" not in alone.metadata["fallback"] and alone.metadata["fallback_evidence"] == {}


def test_a_mixture_ranks_both_catalogues_together_with_their_common_context():
    n = len(FEATURES)
    a = Dataset(np.ones((4, n), np.float32), np.arange(4.0), [2, 2], ["c1", "c2"], ["a", "b"])
    b = Dataset(np.ones((2, n), np.float32), np.arange(2.0), [1, 1], ["c1", "c2"], ["f"])
    a.X[:, COLUMN["price"]] = 100.0
    b.X[:, COLUMN["price"]] = 300.0
    mixed = mix(a, b)
    assert mixed.groups == [3, 3] and mixed.item_ids == ["a", "b", "f"]
    assert mixed.units.tolist() == [0, 1, 0, 2, 3, 1]
    # The median of 100, 100 and 300 is the category's reference for every row.
    assert mixed.X[:3, COLUMN["price_vs_category"]].tolist() == [1.0, 1.0, 3.0]
    with pytest.raises(ValueError):
        mix(a, Dataset(b.X, b.units, b.groups, ["c1", "c3"], ["f"]))


def test_the_command_runs_end_to_end_on_a_tiny_size(tmp_path, capsys, monkeypatch):
    from demo import evaluate as ev

    tiny = ev.EvalSize(train=TINY, items=40, days=12, worlds=2)
    result = ev.run(tiny, log=lambda _: None)
    assert list(result["kinds"]) == ev.kinds()
    assert result["size"]["test_seeds"] == [TINY.seed + ev.TEST_SEED_OFFSET + k for k in (0, 1)]
    for kind in result["kinds"].values():
        assert kind["worlds"] == 2 and 0 <= kind["model_loses_share"] <= 1
        assert 0 < kind["ndcg@20"]["served"] <= 1
        assert kind["ranked_by"] in ("model", *FALLBACK_BASELINES)
    assert "model_without_file_signals" in result["kinds"]["files"]["ndcg@20"]
    # The command line: the table, the JSON and the evidence file.
    monkeypatch.setattr(ev, "SIZES", {"small": tiny, "full": tiny})
    monkeypatch.setattr(ev, "EVIDENCE_PATH", tmp_path / "evidence.json")
    out = tmp_path / "result.json"
    assert ev.main(["--small", "--quiet", "--json", str(out), "--write-evidence"]) == 0
    assert "| sellers who send files |" in capsys.readouterr().out
    import json

    assert set(json.loads(out.read_text())["kinds"]) == set(ev.kinds())
    assert set(load_evidence(tmp_path / "evidence.json")["kinds"]) == set(ev.kinds()) - {MIXED_KIND}


def test_the_stored_evidence_is_the_evaluations_rule_and_every_model_trained_applies_it():
    """``shared/ml/evidence.json``: each kind is ranked by the model only where the lower end
    of its interval clears the bar; the command line and a fresh stack apply it."""
    from shared.ml.baselines import DEMO_KIND, FILES_KIND
    from shared.ml.ranker_training import live_kinds

    stored = load_evidence()
    assert set(stored["kinds"]) == {DEMO_KIND, *live_kinds(), FILES_KIND}
    for decision in stored["kinds"].values():
        clears = decision["lift_95"][0] >= stored["required_lift"] == REQUIRED_LIFT
        assert (decision["ranked_by"] == "model") == clears
        assert decision["ranked_by"] in ("model", *FALLBACK_BASELINES)
        assert decision["worlds"] >= 10
    model, _ = train_simulated(TINY, log=lambda _: None, check_second_world=False, evidence=stored)
    fallback = model.metadata["fallback"]
    for kind, decision in stored["kinds"].items():
        keys = live_kinds().get(kind, (kind,))
        applied = decision["ranked_by"] != "model"
        for key in keys:
            assert (fallback.get(key, {}).get("baseline") == decision["ranked_by"]) == applied
