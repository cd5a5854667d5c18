"""What a sale is: the one definition the live KPIs, the projection's windows and the lake follow.

A sale is a signed movement of units and revenue (INR) at a moment; a day's sales are the sum of
the movements in that IST day (``ist_day``). Every event of these kinds is one:

- ``order``: a marketplace order line (Myntra, Meesho, Amazon's simple payload, Amazon SP-API
  ``ORDER_CHANGE``), +units and +revenue when it is placed. ``ORDER_CHANGE`` carries no price:
  its line is priced when it is recorded, at the listing price in force when it was placed
  (``price_at``: the product's price history, else its price), and recorded with those units and
  that revenue, so every reader sums the same numbers. A listing with no price yet is recorded
  with its units and revenue 0.
- ``cancel``: the cancellation or RTO of a recorded order line: -units and -revenue of that line,
  on the day it is recorded (the order's day keeps its sale; a late cancellation never rewrites a
  closed day). An RTO is a cancellation with ``status`` "rto". A cancellation of a line never
  recorded, or recorded after it, is 0 (``shared.ingest.webhook`` matches the pair).
- ``sales`` sent by a marketplace: Amazon's hourly ``ITEM_SALES_EVENT_CHANGE``, the item's
  ordered units and revenue for one UTC hour, as sent (negative after cancellations).
- ``order`` and ``cancel`` from an imported order export (``source`` "import",
  ``shared.ingest.bulk.orders``): order lines as above, in their own channel; a line of Amazon,
  Myntra or Meesho shares its webhook's id, so it is one sale whether a webhook or a file
  brought it (an Amazon report line, which has no item id, only when the webhook came first).
- ``sales`` from an imported file (``source`` "import"): one event per product and UTC day, each
  UTC hour (``hourly``) a movement at the start of that hour; its channel split (``channels``:
  pos, online, wholesale, marketplace) is the day's.

Nothing is counted twice. An Amazon order and the sales notification for the same hour are the
same sale: for an (item, UTC hour) that has any Amazon sales notification, the notifications'
units and revenue stand for that hour and the Amazon order lines and cancellations of that hour
count 0 (``amazon_hour_rule``); an hour no notification covers counts its order lines. A row
repeated within or across sales files is one row (the import drops it by natural key).

Channel is a dimension: marketplace orders and notifications are channel "marketplace", imported
rows their own. The source of a sale (``source_of``) is its marketplace for webhook and demo
events and "import" for sales files; the reconciliation compares live and lake per IST day and
source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from shared.core.settings import IST_OFFSET

SALE_KINDS = frozenset({"order", "cancel", "sales"})
IMPORT = "import"
# The sources a day's sales are reconciled by.
SOURCES: tuple[str, ...] = ("amazon", "myntra", "meesho", IMPORT)
CHANNELS: tuple[str, ...] = ("marketplace", "pos", "online", "wholesale")


def as_utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def ist_day(moment: Any) -> date:
    """The IST calendar day of a moment (IST is UTC+05:30 all year)."""
    return (as_utc(moment) + IST_OFFSET).date()


def hour_start(key: str) -> datetime:
    """The start of the UTC hour of an hourly key ``YYYYMMDDHH``."""
    return datetime.strptime(key, "%Y%m%d%H").replace(tzinfo=UTC)


def is_sale(event: Mapping[str, Any]) -> bool:
    return event.get("kind") in SALE_KINDS


def is_import(event: Mapping[str, Any]) -> bool:
    return event.get("source") == IMPORT


def source_of(event: Mapping[str, Any]) -> str:
    return IMPORT if is_import(event) else str(event.get("marketplace"))


def is_amazon_line(event: Mapping[str, Any]) -> bool:
    """An Amazon order line or its cancellation (superseded by the hour's notification). A
    line of another source's imported order export (``import:<source>:...``) is not Amazon's,
    whatever marketplace its product is labelled with."""
    return (
        event.get("marketplace") == "amazon"
        and event.get("kind") in ("order", "cancel")
        and not str(event.get("id") or "").startswith("import:")
    )


def is_amazon_notification(event: Mapping[str, Any]) -> bool:
    """Amazon's hourly sales notification (not an imported file's sales)."""
    return (
        event.get("marketplace") == "amazon"
        and event.get("kind") == "sales"
        and not is_import(event)
    )


def movements(event: Mapping[str, Any]) -> list[tuple[datetime, int, float]]:
    """The event's sale movements as sent ``[(moment, units, revenue)]``, before the Amazon
    hour rule: one per hour of an imported day, one for any other sale, none for the rest."""
    if not is_sale(event):
        return []
    hourly = event.get("hourly")
    if hourly:
        return [(hour_start(k), int(v[1]), float(v[2])) for k, v in sorted(hourly.items())]
    return [
        (
            as_utc(event["occurred_at"]),
            int(event.get("units") or 0),
            float(event.get("revenue") or 0.0),
        )
    ]


def amazon_hour_rule(
    lines: tuple[int, float], notifications: tuple[int, float], notified: bool
) -> tuple[int, float]:
    """An Amazon (item, UTC hour): the notifications' units and revenue when any notification
    covers the hour, else its order lines' (net of their cancellations)."""
    return notifications if notified else lines


def price_at(product: Mapping[str, Any] | None, moment: Any) -> float | None:
    """The listing price in force at ``moment``: the period of the product's price history that
    holds it (the first period stands for the time before it), else the product's price."""
    if not product:
        return None
    history: Sequence[Mapping[str, Any]] = product.get("price_history") or []
    stamp = as_utc(moment)
    chosen = None
    for period in history:
        if chosen is None or as_utc(period["valid_from"]) <= stamp:
            chosen = period
    if chosen is not None and chosen.get("price") is not None:
        return float(chosen["price"])
    price = product.get("price")
    return float(price) if price is not None else None


def priced_line(units: int, price: float | None) -> float:
    return round(units * price, 2) if price is not None else 0.0
