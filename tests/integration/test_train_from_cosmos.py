"""Retraining on the event log in Cosmos: ``python -m shared.ml.retrain``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from demo.sim.simulator import Simulator, simulate_catalogue
from shared.adapters.blob import model_store
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.ingest import webhook
from shared.ml import retrain
from shared.projection import fold

pytestmark = pytest.mark.integration


def test_trains_and_publishes_from_the_cosmos_event_log(store, capsys, monkeypatch):
    # A models container of its own: the model promoted here must not serve other tests.
    monkeypatch.setenv("ModelStorage__modelsContainer", "models-train-test")
    get_settings.cache_clear()
    model_store.cache_clear()
    products = simulate_catalogue(20, seed=31)
    for product in products:
        store.create("products", fold.new_state(product))
    history = Simulator(products, seed=31).history(utcnow() - timedelta(days=15), 15 * 24)
    webhook.append(store, history, source="backfill")

    assert retrain.main(["--rounds", "40", "--promote"]) == 0
    out = capsys.readouterr().out
    assert "published ranker/" in out and "NDCG@20" in out.replace("ndcg@20", "NDCG@20")
    assert "simulated" not in out  # the seller's log, not the demand simulator
    blobs = model_store()
    pointer = json.loads(blobs.get_text("ranker/current.json").text)
    metadata = json.loads(blobs.get_text(f"ranker/{pointer['version']}/metadata.json").text)
    holdout = metadata["metrics"]["holdout"]
    assert holdout["source"] == "cosmos" and holdout["cutoffs"] > 0
    metrics = metadata["metrics"]
    model_store.cache_clear()
    assert metrics["ndcg@20"] > metrics["baselines"]["random"]["ndcg@20"]
