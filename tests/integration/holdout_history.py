"""A seller's history whose 14-day holdout answer is known, for the holdout report's tests.

Twenty Myntra products stocked three weeks before the window. Ten sold 5 units a day in the week
before the window (days 7 to 3 before it) and nothing since; ten started selling the day before
the window (1 to 10 units) and go on selling in that order every other day through it. The
window's sales follow the day before it exactly, so recent velocity ranks them perfectly (NDCG@20
1.0), and last week's bestsellers (popularity) put ten products that sell nothing on top.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from demo.sim.simulator import simulate_catalogue
from shared.core.records import Event

PRODUCTS = 20
SELLING = 10
# Units the window's sellers sell in it: k units on each of 7 days, k = 1..10.
WINDOW_UNITS = 7 * sum(range(1, SELLING + 1))


def catalogue(n: int = PRODUCTS, prefix: str = "HO", marketplace: str = "myntra") -> list[dict]:
    return [
        {**p, "item_id": f"{prefix}{i:02d}", "marketplace": marketplace, "price": 500.0 + 10 * i}
        for i, p in enumerate(simulate_catalogue(n, seed=4))
    ]


def event(item: str, kind: str, at: datetime, marketplace: str = "myntra", **fields) -> Event:
    return Event(
        id=f"ho:{kind}:{item}:{at:%Y%m%d%H%M}",
        item_id=item,
        marketplace=marketplace,
        kind=kind,
        raw_type=kind,
        occurred_at=at,
        received_at=at,
        **fields,
    )


def sold(item: str, day: datetime, units: int) -> Event:
    """One order of ``units`` at noon of ``day``."""
    return event(item, "order", day + timedelta(hours=12), units=units, orders=1)


def recency_history(cutoff: datetime, prefix: str = "HO") -> tuple[list[dict], list[Event]]:
    """The catalogue and events around a window starting at ``cutoff`` (see the module)."""
    products = catalogue(prefix=prefix)
    start = cutoff - timedelta(days=20)
    events = [event(p["item_id"], "stock", start, stock_set=1000) for p in products]
    for p in products[:SELLING]:
        events += [sold(p["item_id"], cutoff - timedelta(days=d), 5) for d in range(3, 8)]
    for k, p in enumerate(products[SELLING:], start=1):
        events.append(sold(p["item_id"], cutoff - timedelta(days=1), k))
        events += [sold(p["item_id"], cutoff + timedelta(days=d), k) for d in range(0, 14, 2)]
    return products, events


def seed(store, cutoff: datetime, prefix: str = "HO") -> tuple[list[dict], list[Event]]:
    """Write the history's products and events into ``store`` (as a backfill)."""
    from shared.ingest import webhook
    from shared.projection import fold

    products, events = recency_history(cutoff, prefix)
    for product in products:
        store.create("products", fold.new_state(product))
    webhook.append(store, events, source="backfill")
    return products, events
