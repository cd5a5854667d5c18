"""The demo catalogue and its recent history, for a local stack that starts empty.

Sixty products across ethnic wear, footwear, electronics accessories, home and more, with two
days of simulated hourly traffic and orders appended to the event log as ``backfill`` events;
the change feed projects them like any other events.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from shared.adapters.cosmos import Store
from shared.core.records import Product, utcnow
from shared.ingest import webhook
from shared.ml.sim.simulator import Simulator, simulate_catalogue
from shared.projection import fold

log = logging.getLogger("resight.seed")
DEMO_ITEMS = 60
DEMO_HISTORY_HOURS = 48


def catalogue_is_empty(store: Store) -> bool:
    return not list(store.query("products", "SELECT TOP 1 c.id FROM c"))


def seed_catalogue(store: Store, products: list[dict], *, history_hours: int, seed: int) -> int:
    """Create catalogue documents and append their simulated history; returns events added."""
    for product in products:
        Product.model_validate(product)  # the simulator's catalogue is a valid one
        store.create("products", fold.new_state(product))
    start = utcnow() - timedelta(hours=history_hours)
    events = Simulator(products, seed=seed).history(start, history_hours)
    webhook.append(store, events, source="backfill")
    return len(events)


def ensure_demo(store: Store, *, seed: bool = True, items: int = DEMO_ITEMS) -> None:
    from shared.adapters.blob import model_store
    from shared.ml.registry import ModelRegistry
    from shared.ml.train import ensure_model

    blobs = model_store()
    blobs.ensure_container()
    version = ensure_model(ModelRegistry(blobs))
    log.info("current model: %s", version)
    if seed and catalogue_is_empty(store):
        added = seed_catalogue(
            store, simulate_catalogue(items, seed=7), history_hours=DEMO_HISTORY_HOURS, seed=7
        )
        log.info("seeded %d demo products with %d history events", items, added)
