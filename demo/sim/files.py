"""What a seller who sends files reports of simulated shoppers, as the import writes it.

``as_files`` turns a history of ``Simulator(..., files=True)`` into the events its files
become, through the import's own planners (``shared.ingest.bulk.events``):

- the sales file: one row per order line with its channel, units and revenue (wholesale at a
  trade price, shops at MRP-like prices), planned into one ``sales`` event per product and UTC
  day with the hours and channels inside;
- the inventory file: each location's count at the end of every UTC day (and at the start),
  with the units reserved there (each item holds back its own share, more where it sells
  wholesale);
- the demand file: the simulator's daily demand rows, passed through;
- the seller's own price changes (``import_price``); no competitor offers and no traffic come.

Stock moves only by the counts, as for a seller whose stock arrives in files.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from shared.core.records import Event, Marketplace
from shared.ingest.bulk.events import inventory, sales

LOCATIONS: tuple[tuple[str, float], ...] = (("WH-1", 0.7), ("STORE-1", 0.3))
# Revenue per unit by channel against the listing price.
CHANNEL_PRICE: dict[str, float] = {
    "online": 1.0,
    "pos": 1.05,
    "marketplace": 0.97,
    "wholesale": 0.75,
}


def as_files(events: Iterable[Event], seed: int) -> list[Event]:
    """The events of a file-sending seller for a simulated history (see the module doc)."""
    events = sorted(events, key=lambda e: e.occurred_at)
    if not events:
        return []
    marketplace: dict[str, Marketplace] = {e.item_id: e.marketplace for e in events}
    rows: list[tuple[str, str, str, int, float]] = []
    out: list[Event] = []
    for event in events:
        if event.kind == "order" and event.units > 0:
            unit_price = (event.price or 0.0) * CHANNEL_PRICE[event.channel or "online"]
            rows.append(
                (
                    event.occurred_at.isoformat(),
                    event.item_id,
                    event.channel or "online",
                    event.units,
                    round(event.units * unit_price, 2),
                )
            )
        elif event.kind == "demand":
            out.append(event)
        elif event.kind == "offer" and event.price is not None:
            out.append(
                event.model_copy(
                    update={
                        "kind": "import_price",
                        "competitor_price": None,
                        "raw_type": "PRODUCTS_SHEET",
                        "source": "import",
                    }
                )
            )
    start, end = events[0].occurred_at, events[-1].occurred_at
    frame = pd.DataFrame(
        rows, columns=["date", "product_id", "channel", "quantity_sold", "revenue"]
    )
    received = end + timedelta(days=1)
    out += [p.event for p in sales(frame, marketplace.__getitem__, "UTC", received)]
    counts = _inventory_rows(events, start, end, seed)
    out += [p.event for p in inventory(counts, marketplace.__getitem__, "UTC", received)]
    out.sort(key=lambda e: e.occurred_at)
    return out


def _inventory_rows(events: list[Event], start: datetime, end: datetime, seed: int) -> pd.DataFrame:
    """Each location's count at ``start`` and at the end of every UTC day up to ``end``."""
    items = sorted({e.item_id for e in events})
    rng = np.random.default_rng([seed, 4])
    wholesale: dict[str, int] = {}
    for e in events:
        if e.kind == "order" and e.channel == "wholesale":
            wholesale[e.item_id] = wholesale.get(e.item_id, 0) + 1
    # Each item's reserved share: some hold nothing back, wholesale sellers hold more.
    base = rng.beta(0.6, 6.0, len(items))
    reserved = {
        item: min(0.6, base[k] + (0.15 if wholesale.get(item) else 0.0))
        for k, item in enumerate(items)
    }
    stock = dict.fromkeys(items, 0)
    moments = [start]
    day = start.astimezone(UTC).replace(hour=23, minute=59, second=59, microsecond=0)
    while day <= end + timedelta(days=1):
        moments.append(day)
        day += timedelta(days=1)
    out: list[tuple[str, str, str, int, int, int]] = []
    pos = 0
    for moment in moments:
        while pos < len(events) and events[pos].occurred_at <= moment:
            e = events[pos]
            if e.stock_set is not None:
                stock[e.item_id] = e.stock_set
            elif e.stock_delta:
                stock[e.item_id] = max(0, stock[e.item_id] + e.stock_delta)
            pos += 1
        for item in items:
            left = stock[item]
            for k, (location, share) in enumerate(LOCATIONS):
                units = round(left * share) if k < len(LOCATIONS) - 1 else left
                left -= units
                held = round(units * reserved[item])
                out.append((moment.isoformat(), item, location, units, held, 0))
    return pd.DataFrame(
        out,
        columns=["date", "product_id", "location", "stock_level", "reserved_stock", "in_transit"],
    )
