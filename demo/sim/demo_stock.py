"""The demo catalogue's inventory history: what a seller's stock files would have told us.

Every demo product is counted in a warehouse and two stores, each with a lifecycle start spread
over the past year, as an inventory file or workbook would record it (``stock`` events with a
``location_id`` and ``lifecycle_start``). A few products are slow movers: their last sale was
months ago and the simulator never sells them, so the inventory pages, the dead-stock risk and
the alerts have something true to show from the demo's first minute.

Pure: events and documents out, nothing written here (``demo.seed`` writes them).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from shared.core.records import Event

LOCATIONS: tuple[dict[str, str], ...] = (
    {"id": "wh-bhiwandi", "name": "Bhiwandi warehouse", "city": "Bhiwandi", "kind": "warehouse"},
    {"id": "store-pune-01", "name": "Pune FC Road", "city": "Pune", "kind": "store"},
    {"id": "store-blr-02", "name": "Bengaluru Indiranagar", "city": "Bengaluru", "kind": "store"},
)
# One product in SLOW_EVERY is a slow mover (the flag its product document carries).
SLOW_EVERY = 7
SLOW_FLAG = "demo_slow_mover"
# How long ago a slow mover last sold, in days: past the CRITICAL threshold (90) for some.
SLOW_LAST_SALE_DAYS = (40, 200)
LIFECYCLE_DAYS = (20, 365)


def mark_slow_movers(products: list[dict]) -> list[dict]:
    """The catalogue with every ``SLOW_EVERY``-th product flagged as a slow mover."""
    return [
        {**p, SLOW_FLAG: True} if i % SLOW_EVERY == SLOW_EVERY - 1 else p
        for i, p in enumerate(products)
    ]


def sold_by_simulator(products: list[dict]) -> list[dict]:
    """The products simulated shoppers may buy: all but the slow movers."""
    return [p for p in products if not p.get(SLOW_FLAG)]


def history(products: list[dict], now: datetime, seed: int) -> list[Event]:
    """Each product's count per location (with its lifecycle start), and a slow mover's one
    sale months ago. Event ids start ``bf<seed>-`` like the rest of the demo's history."""
    rng = random.Random(f"demo-stock-{seed}")
    counted_at = now - timedelta(hours=1)
    events: list[Event] = []
    for product in products:
        item_id, marketplace = product["item_id"], product["marketplace"]
        slow = bool(product.get(SLOW_FLAG))
        total = int(product.get("stock") or 0)
        shares = _split(total, rng)
        for location, units in zip(LOCATIONS, shares, strict=True):
            started = (now - timedelta(days=rng.randint(*LIFECYCLE_DAYS))).date()
            if slow:  # on the shelf for longer than it has gone unsold
                started = min(started, (now - timedelta(days=SLOW_LAST_SALE_DAYS[1] + 30)).date())
            events.append(
                Event(
                    id=f"bf{seed}-stock-{location['id']}-{item_id}",
                    item_id=item_id,
                    marketplace=marketplace,
                    kind="stock",
                    raw_type="INVENTORY_COUNT",
                    occurred_at=counted_at,
                    received_at=counted_at,
                    source="backfill",
                    stock_set=units,
                    location_id=location["id"],
                    store_id=location["id"],
                    lifecycle_start=started.isoformat(),
                )
            )
        if slow:
            sold = now - timedelta(days=rng.randint(*SLOW_LAST_SALE_DAYS))
            price = float(product.get("price") or 0) or 1.0
            events.append(
                Event(
                    id=f"bf{seed}-lastsale-{item_id}",
                    item_id=item_id,
                    marketplace=marketplace,
                    kind="order",
                    raw_type="ORDER",
                    occurred_at=sold,
                    received_at=sold,
                    source="backfill",
                    orders=1,
                    units=1,
                    revenue=price,
                    order_id=f"bf{seed}-order-{item_id}",
                )
            )
    return events


def _split(total: int, rng: random.Random) -> list[int]:
    """``total`` units over the locations, most of them in the warehouse."""
    warehouse = round(total * rng.uniform(0.45, 0.7))
    first = round((total - warehouse) * rng.uniform(0.3, 0.7))
    return [warehouse, first, total - warehouse - first]
