"""The demo catalogue and its history, for a demo dataset that starts empty.

Sixty products across ethnic wear, footwear, electronics accessories, home and more, with two
days of simulated hourly traffic and orders, and their inventory history (counts per location,
lifecycle starts over a year, slow movers unsold for months: ``demo.sim.demo_stock``),
appended to the event log as ``backfill`` events and projected like any other events.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from demo.sim import demo_stock
from demo.sim.simulator import Simulator, simulate_catalogue
from shared.adapters.cosmos import Store
from shared.core.records import Event, Product, utcnow
from shared.ingest import webhook
from shared.projection import fold

log = logging.getLogger("resight.seed")
DEMO_ITEMS = 60
DEMO_HISTORY_HOURS = 48
DEMO_SEED = 7  # its history's event ids start "bf7-" (shared.projection.demo_split)
APPEND_WORKERS, APPEND_CHUNK = 8, 64


def catalogue_is_empty(store: Store) -> bool:
    return not list(store.query("products", "SELECT TOP 1 c.id FROM c"))


def seed_catalogue(
    store: Store,
    products: list[dict],
    *,
    history_hours: int,
    seed: int,
    stock_history: bool = False,
) -> int:
    """Create catalogue documents and append their simulated history (and, with
    ``stock_history``, their inventory history); returns events added."""
    for product in products:
        Product.model_validate(product)  # the simulator's catalogue is a valid one
        store.create("products", fold.new_state(product))
    now = utcnow()
    sold = demo_stock.sold_by_simulator(products)
    events = Simulator(sold, seed=seed).history(now - timedelta(hours=history_hours), history_hours)
    if stock_history:
        for location in demo_stock.LOCATIONS:
            store.upsert("locations", dict(location))
        events += demo_stock.history(products, now, seed)
    _append(store, events)
    return len(events)


def _append(store: Store, events: list[Event]) -> None:
    """Append through the webhook path, several chunks at a time (a fresh demo's first minute
    waits on this). Cancellations go after every other event, so each finds its order line
    recorded, as it would have arrived later."""
    cancels = [e for e in events if e.kind == "cancel"]
    others = [e for e in events if e.kind != "cancel"]
    with ThreadPoolExecutor(APPEND_WORKERS, thread_name_prefix="seed") as pool:
        for group in (others, cancels):
            chunks = [group[i : i + APPEND_CHUNK] for i in range(0, len(group), APPEND_CHUNK)]
            for _ in pool.map(lambda c: webhook.append(store, c, source="backfill"), chunks):
                pass


def ensure_catalogue(store: Store, items: int = DEMO_ITEMS) -> int:
    """The demo catalogue and its recent history, in ``store`` (the demo dataset's) if it has
    no products yet; returns the events added."""
    if not catalogue_is_empty(store):
        return 0
    added = seed_catalogue(
        store,
        demo_stock.mark_slow_movers(simulate_catalogue(items, seed=DEMO_SEED)),
        history_hours=DEMO_HISTORY_HOURS,
        seed=DEMO_SEED,
        stock_history=True,
    )
    log.info("seeded %d demo products with %d history events", items, added)
    return added


def ensure_demo(store: Store, *, seed: bool = True, items: int = DEMO_ITEMS) -> None:
    from demo.simulated_training import ensure_model
    from shared.adapters.blob import model_store
    from shared.ml.registry import ModelRegistry

    blobs = model_store()
    blobs.ensure_container()
    version = ensure_model(ModelRegistry(blobs))
    log.info("current model: %s", version)
    if seed:
        ensure_catalogue(store, items)
