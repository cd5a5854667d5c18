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


def test_a_batch_during_a_reconcile_pass_is_ranked_at_once_and_survives_it(store, monkeypatch):
    """The full pass runs off the live state's lock: a change-feed batch arriving meanwhile
    re-ranks its item before the pass ends, and the pass's result keeps that batch."""
    import threading
    import uuid
    from datetime import timedelta

    from shared.core.records import Event, utcnow
    from shared.ranking.scoring import ScoredCatalogue

    model_store().ensure_container()
    ensure_model(ModelRegistry(model_store()), log=lambda _: None)
    products = simulate_catalogue(6, seed=23)
    seed.seed_catalogue(store, products, history_hours=3, seed=23)
    monkeypatch.setattr(triggers.broadcast, "send", lambda target, payload: False)
    monkeypatch.setattr(triggers, "FEED_GRACE_SECONDS", 0)
    triggers.reconcile()
    state = triggers.live()
    item = next(p["item_id"] for p in products if p.get("catalogued", True))

    started, release = threading.Event(), threading.Event()
    full = ScoredCatalogue.full

    def paused_full(self, documents, now, context=None):
        started.set()
        assert release.wait(300), "the test never released the pass"
        return full(self, documents, now, context)

    monkeypatch.setattr(ScoredCatalogue, "full", paused_full)
    now = utcnow()
    passing = threading.Thread(target=state.full_pass, args=(now,))
    passing.start()
    assert started.wait(300)
    before = state.ranker.scores_for([item])[item]
    order = Event(
        id=f"order-{uuid.uuid4().hex}",
        item_id=item,
        marketplace="amazon",
        kind="order",
        raw_type="ORDER_PLACED",
        occurred_at=now - timedelta(seconds=5),
        received_at=now,
        orders=1,
        units=40,
        revenue=40 * 499.0,
    ).to_doc()
    store.create("events", order)
    stored = store.read("events", order["id"], item)  # as the feed hands it over, with _ts
    batch = threading.Thread(target=triggers.on_events, args=([stored],))
    batch.start()
    batch.join(300)
    # The batch finished while the pass was still held: it did not wait for the lock.
    held = passing.is_alive()
    during = state.ranker.scores_for([item])[item]
    release.set()  # before any assertion, so a failure does not leave the pass waiting
    assert not batch.is_alive() and held
    assert during != before
    passing.join(300)
    assert not passing.is_alive()
    ranker = state.ranker
    doc = state.cache.get(item)
    assert doc is not None and doc["totals"]["units"] >= 40
    expected = float(ranker.score(ranker.features([doc], now))[0])
    assert ranker.scores_for([item])[item] == pytest.approx(expected)
