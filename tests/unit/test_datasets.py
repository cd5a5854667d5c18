"""The demo is a dataset of its own: settings, stores and the rule that tells old demo data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from demo import seed
from demo.sim.simulator import Simulator, simulate_catalogue
from shared.core.dataset import current, using
from shared.core.settings import get_settings
from shared.projection.demo_split import is_demo_event

pytestmark = pytest.mark.unit


def test_the_demo_settings_point_at_storage_of_its_own(monkeypatch):
    monkeypatch.setenv("COSMOS_DATABASE_NAME", "shop")
    monkeypatch.setenv("LAKE_CONTAINER", "lake")
    monkeypatch.setenv("IMPORTS_CONTAINER", "imports")
    get_settings.cache_clear()
    seller = get_settings()
    with using("demo"):
        demo = get_settings()
        assert current() == "demo"
    assert current() == "seller"
    assert (seller.cosmosdb.database, demo.cosmosdb.database) == ("shop", "shop-demo")
    assert (seller.lake_container, demo.lake_container) == ("lake", "lake-demo")
    assert (seller.imports_container, demo.imports_container) == ("imports", "imports-demo")
    # The model registry is shared: both rank with the same model.
    assert seller.model_storage.models_container == demo.model_storage.models_container
    assert get_settings() is seller  # cached per dataset


def test_an_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="unknown dataset"), using("test"):
        pass


def test_the_simulator_takes_any_catalogue():
    # A listing known only from a webhook: no rating, price, category, mrp or stock yet.
    bare = {"item_id": "NEW-1", "marketplace": "amazon", "rating": None, "price": None}
    sim = Simulator([*simulate_catalogue(5, seed=3), bare], seed=3)
    events = sim.tick(datetime(2026, 12, 1, 12, tzinfo=UTC), 200)
    assert events  # no TypeError, and the feed goes on


def test_the_demo_rule_takes_mock_events_and_the_demo_seed_history_only():
    products = simulate_catalogue(2, seed=seed.DEMO_SEED)
    history = Simulator(products, seed=seed.DEMO_SEED).history(datetime(2026, 12, 1, tzinfo=UTC), 2)
    assert history and all(is_demo_event(e.model_dump()) for e in history)
    other = Simulator(products, seed=5).history(datetime(2026, 12, 1, tzinfo=UTC), 2)
    assert not any(is_demo_event(e.model_dump()) for e in other)
    assert is_demo_event({"id": "x", "source": "mock"})
    for source in ("webhook", "import", "catalogue"):
        assert not is_demo_event({"id": "bf7-x", "source": source})
