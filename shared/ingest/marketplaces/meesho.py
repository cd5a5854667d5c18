"""Meesho: supplier order pushes and catalogue interaction events (ReSight's documented contract).

Meesho works in sub-orders (one SKU each) and has no public traffic feed; ReSight's payloads::

    {"type": "order.created" | "order.cancelled" | "order.rto", "id": "evt_123",
     "created_at": iso,
     "data": {"order_id": "MSH-9", "sub_order_id": "MSH-9-1", "sku": "SKU", "quantity": 2,
              "price": 499, "state": "Karnataka", "city"?: "Bengaluru", "buyer_id"?: "..."}}
    {"type": "order.packed" | "order.shipped" | "order.delivered" | "order.returned",
     "id": "evt_125", "created_at": iso,
     "data": {"order_id": "MSH-9", "sub_order_id": "MSH-9-1", "sku": "SKU"}}
    {"type": "catalog.view" | "catalog.click", "id": "evt_124", "created_at": iso,
     "data": {"sku": "SKU", "state"?: "..."}}

Identities: ``meesho:order:<sub_order_id>`` and ``meesho:cancel:<sub_order_id>`` (one stock move
each, whatever the delivery count; ``order.rto`` is that cancellation with ``status="rto"``);
milestones are ``meesho:status:<sub_order_id>:<status>`` and move nothing; interactions use
the envelope ``id``. The buyer key is kept only as a salted hash.
"""

from __future__ import annotations

from datetime import datetime

from shared.core.errors import ValidationFailed
from shared.core.records import Event
from shared.ingest.marketplaces.common import (
    as_int,
    as_price,
    as_str,
    as_time,
    buyer_key,
    event_from,
    field,
    place,
)

TYPES = {
    "order.created": "order",
    "order.cancelled": "cancel",
    "catalog.view": "view",
    "catalog.click": "click",
    "order.rto": "cancel",
    "order.packed": "status",
    "order.shipped": "status",
    "order.delivered": "status",
    "order.returned": "status",
}


def normalise(body: dict, received_at: datetime) -> list[Event]:
    raw_type = as_str(field(body, "type"), "type")
    kind = TYPES.get(raw_type)
    if kind is None:
        raise ValidationFailed(
            f"'type' must be one of {sorted(TYPES)}, got {raw_type!r}", field="type"
        )
    data = field(body, "data")
    if not isinstance(data, dict):
        raise ValidationFailed("'data' must be an object", field="data")
    occurred = as_time(body.get("created_at"), "created_at", received_at)
    common = {
        "item_id": as_str(field(data, "sku"), "data.sku"),
        "marketplace": "meesho",
        "kind": kind,
        "raw_type": raw_type,
        "occurred_at": occurred,
        "received_at": received_at,
        "region": data.get("state"),
    }
    if kind == "status":
        sub_order = as_str(field(data, "sub_order_id"), "data.sub_order_id")
        status = raw_type.split(".", 1)[1]
        return [
            event_from(
                id=f"meesho:status:{sub_order}:{status}",
                order_id=data.get("order_id"),
                status=status,
                **common,
            )
        ]
    if kind in ("view", "click"):
        identity = as_str(field(body, "id"), "id", max_length=200)
        return [
            event_from(
                id=f"meesho:{kind}:{identity}",
                views=int(kind == "view"),
                clicks=int(kind == "click"),
                **common,
            )
        ]
    sub_order = as_str(field(data, "sub_order_id"), "data.sub_order_id")
    qty = as_int(field(data, "quantity"), "data.quantity", minimum=1)
    price = as_price(field(data, "price"), "data.price")
    sign = -1 if kind == "cancel" else 1
    return [
        event_from(
            id=f"meesho:{kind}:{sub_order}",
            order_id=data.get("order_id"),
            customer_id=buyer_key(data.get("buyer_id"), "data.buyer_id"),
            city=place(data.get("city"), "data.city"),
            state=place(data.get("state"), "data.state"),
            status="rto" if raw_type == "order.rto" else None,
            orders=sign,
            units=sign * qty,
            revenue=round(sign * qty * price, 2),
            stock_delta=-sign * qty,
            price=price if kind == "order" else None,
            **common,
        )
    ]
