"""The reconcile timer repairs what the change feed did not project (no devhost here: no feed)."""

from __future__ import annotations

import pytest

from demo import seed
from demo.sim.simulator import simulate_catalogue
from demo.simulated_training import ensure_model
from shared.adapters.blob import model_store
from shared.live import triggers
from shared.ml.registry import ModelRegistry
from tests.integration.helpers import unprojected

pytestmark = pytest.mark.integration


def test_reconcile_projects_events_the_feed_missed(store, monkeypatch):
    blobs = model_store()
    blobs.ensure_container()
    ensure_model(ModelRegistry(blobs), log=lambda _: None)
    products = simulate_catalogue(5, seed=21)
    seed.seed_catalogue(store, products, history_hours=3, seed=21)
    assert len(unprojected(store)) == 5  # nothing consumes the change feed in this test
    monkeypatch.setattr(triggers, "FEED_GRACE_SECONDS", 0)
    monkeypatch.setattr(triggers.live(), "reconciled_until", 0)
    monkeypatch.setattr(triggers.broadcast, "send", lambda target, payload: False)
    triggers.reconcile()
    assert unprojected(store) == []
    ranked = triggers.live().ranker
    assert ranked is not None and len(ranked.scores_for([p["item_id"] for p in products])) == 5


def test_reconcile_serves_a_newly_promoted_model_and_announces_it(store, monkeypatch):
    model_store().ensure_container()
    registry = ModelRegistry(model_store())
    current = ensure_model(registry, log=lambda _: None)
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(triggers.broadcast, "send", lambda t, p: sent.append((t, p)) or True)
    triggers.live().sync()
    triggers.flush()  # the dashboards have seen the current model
    assert triggers.live().model_version == current
    # A new version of the same model on the same holdout: "at least as good", so promoted.
    metadata = {**registry.metadata(current), "version": f"{current}-next"}
    text = registry.load(current).to_text()
    assert registry.promote_if_better(registry.publish(text, metadata))
    sent.clear()
    monkeypatch.setattr(triggers, "FEED_GRACE_SECONDS", 0)
    triggers.reconcile()
    assert triggers.live().model_version == f"{current}-next"
    assert ("model", {"version": f"{current}-next"}) in sent
    ranking = next(p for t, p in sent if t == "ranking")
    assert ranking["model_version"] == f"{current}-next"
