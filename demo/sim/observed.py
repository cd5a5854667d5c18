"""A simulated history as the marketplaces really send it (``as_sent``): the demo feed sends
every signal, the live marketplaces only what ``shared.core.signals`` says they send.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from shared.core import signals
from shared.core.records import Event, hour_key


def as_sent(events: Iterable[Event], mode: str) -> list[Event]:
    """The demo ``events`` as each marketplace sends them in ``mode`` (``shared.core.signals``).

    - ``traffic``: only the sent counters (Amazon: glance views; Myntra and Meesho live: none,
      so no traffic events at all).
    - ``order``: kept where orders are sent per event; units, revenue and the price only where
      those are sent per event too (Amazon's ORDER_CHANGE has none of them). Stock still moves.
    - units or revenue sent hourly: one ``sales`` event per item and hour with the hour's
      units and revenue (Amazon's ITEM_SALES_EVENT_CHANGE), at the start of the hour.
    - ``offer``: kept where offers are sent; elsewhere the seller's own price changes remain,
      as ``catalogue`` events without a competitor price (no competitor offers come).
    - ``stock`` (the seller's inventory) is kept everywhere.
    """
    out: list[Event] = []
    sales: dict[tuple[str, str], list] = {}
    for event in events:
        sent = signals.sent(event.marketplace, mode)
        if event.kind == "traffic":
            counts = {k: getattr(event, k) if k in sent else 0 for k in ("views", "clicks")}
            if any(counts.values()):
                out.append(event.model_copy(update=counts))
        elif event.kind == "order":
            hourly = [k for k in ("units", "revenue") if sent.get(k) == "hourly"]
            if hourly:
                key = (event.item_id, hour_key(event.occurred_at))
                if key not in sales:
                    sales[key] = [event, 0, 0.0]
                sales[key][1] += event.units
                sales[key][2] += event.revenue
            if sent.get("orders") == "event":
                per_event = {k for k in ("units", "revenue") if sent.get(k) == "event"}
                out.append(
                    event.model_copy(
                        update={
                            "orders": event.orders,
                            "units": event.units if "units" in per_event else 0,
                            "revenue": event.revenue if "revenue" in per_event else 0.0,
                            "price": event.price if "revenue" in per_event else None,
                            "region": event.region if "revenue" in per_event else None,
                            "raw_type": "OrderLine" if per_event else "ORDER_CHANGE",
                        }
                    )
                )
        elif event.kind == "offer":
            if "offers" in sent:
                out.append(event)
            elif event.price is not None:
                out.append(
                    event.model_copy(
                        update={
                            "kind": "catalogue",
                            "competitor_price": None,
                            "raw_type": "PriceChange",
                        }
                    )
                )
        else:
            out.append(event)
    for (_, hour_of), (first, units, revenue) in sales.items():
        sent = signals.sent(first.marketplace, mode)
        hour = first.occurred_at.replace(minute=0, second=0, microsecond=0)
        out.append(
            first.model_copy(
                update={
                    "id": f"{first.id.rsplit('-', 2)[0]}-h{hour_of}",
                    "kind": "sales",
                    "raw_type": "ItemSalesEventChange",
                    "occurred_at": hour,
                    "received_at": hour + timedelta(hours=1),
                    "orders": 0,
                    "units": units if "units" in sent else 0,
                    "revenue": round(revenue, 2) if "revenue" in sent else 0.0,
                    "stock_delta": 0,
                    "price": None,
                    "region": None,
                    "order_id": None,
                }
            )
        )
    out.sort(key=lambda e: e.occurred_at)
    return out
