"""Myntra: seller order pushes and storefront interaction events (ReSight's documented contract).

Myntra pushes orders to a seller-hosted endpoint and has no public traffic feed, so ReSight
defines the payloads (docs/webhooks.md)::

    {"event": "ORDER_CREATED", "eventTime": iso,
     "order": {"orderId": "MYN-1001", "status": "CREATED", "city": "Pune",
               "state"?: "Maharashtra", "buyerId"?: "<Myntra's buyer key>",
               "lines": [{"lineId": "1", "sellerSku": "SKU", "quantity": 1,
                          "sellingPrice": 1299.0}]}}
    {"event": "ORDER_STATUS_CHANGED", ... same order with "status": "CANCELLED" | "RTO" | ...}
    {"event": "PRODUCT_VIEW" | "PRODUCT_CLICK", "eventId": "...", "eventTime": iso,
     "product": {"sellerSku": "SKU"}, "city"?: "..."}

Identities: an order line is ``myntra:order:<orderId>:<lineId>``; its cancellation (CANCELLED or
RTO) is ``myntra:cancel:<orderId>:<lineId>``, so each moves stock exactly once however often
Myntra repeats the push; an RTO cancellation carries ``status="rto"``. PACKED, SHIPPED,
DELIVERED and RETURNED are ``status`` events (``myntra:status:<orderId>:<lineId>:<status>``)
that move nothing: they feed the shipments fact. The buyer key is kept only as a salted hash.
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

ORDER_EVENTS = {"ORDER_CREATED", "ORDER_STATUS_CHANGED"}
INTERACTIONS = {"PRODUCT_VIEW": "view", "PRODUCT_CLICK": "click"}
CANCEL_STATUSES = {"CANCELLED", "RTO"}
MILESTONES = {
    "PACKED": "packed",
    "SHIPPED": "shipped",
    "DELIVERED": "delivered",
    "RETURNED": "returned",
}


def normalise(body: dict, received_at: datetime) -> list[Event]:
    name = as_str(field(body, "event"), "event")
    occurred = as_time(body.get("eventTime"), "eventTime", received_at)
    if name in INTERACTIONS:
        kind = INTERACTIONS[name]
        identity = as_str(field(body, "eventId"), "eventId", max_length=200)
        return [
            event_from(
                id=f"myntra:{kind}:{identity}",
                item_id=as_str(field(body, "product.sellerSku"), "product.sellerSku"),
                marketplace="myntra",
                kind=kind,
                raw_type=name,
                occurred_at=occurred,
                received_at=received_at,
                region=body.get("city"),
                views=1 if kind == "view" else 0,
                clicks=1 if kind == "click" else 0,
            )
        ]
    if name not in ORDER_EVENTS:
        raise ValidationFailed(
            f"'event' must be one of {sorted(ORDER_EVENTS | set(INTERACTIONS))}, got {name!r}",
            field="event",
        )
    order = field(body, "order")
    order_id = as_str(field(order, "orderId"), "order.orderId")
    status = as_str(field(order, "status"), "order.status").upper()
    lines = field(order, "lines")
    if not isinstance(lines, list) or not lines:
        raise ValidationFailed("'order.lines' must be a non-empty list", field="order.lines")
    if name == "ORDER_STATUS_CHANGED" and status in MILESTONES:
        return _milestones(order_id, lines, MILESTONES[status], name, occurred, received_at)
    if name == "ORDER_CREATED" or status in CANCEL_STATUSES:
        cancel = status in CANCEL_STATUSES
    else:
        return []
    city = place(order.get("city"), "order.city")
    where = {"city": city, "state": place(order.get("state"), "order.state")}
    buyer = buyer_key(order.get("buyerId"), "order.buyerId")
    events = []
    for i, line in enumerate(lines):
        path = f"order.lines[{i}]"
        line_id = as_str(str(field(line, "lineId")), f"{path}.lineId")
        qty = as_int(field(line, "quantity"), f"{path}.quantity", minimum=1)
        price = as_price(field(line, "sellingPrice"), f"{path}.sellingPrice")
        sign = -1 if cancel else 1
        events.append(
            event_from(
                id=f"myntra:{'cancel' if cancel else 'order'}:{order_id}:{line_id}",
                item_id=as_str(field(line, "sellerSku"), f"{path}.sellerSku"),
                marketplace="myntra",
                kind="cancel" if cancel else "order",
                raw_type=name,
                occurred_at=occurred,
                received_at=received_at,
                order_id=order_id,
                region=city,
                customer_id=buyer,
                status="rto" if status == "RTO" else None,
                **where,
                orders=sign,
                units=sign * qty,
                revenue=round(sign * qty * price, 2),
                stock_delta=-sign * qty,
                price=None if cancel else price,
            )
        )
    return events


def _milestones(order_id, lines, status, name, occurred, received_at) -> list[Event]:
    line_ids = [
        as_str(str(field(ln, "lineId")), f"order.lines[{i}].lineId") for i, ln in enumerate(lines)
    ]
    return [
        event_from(
            id=f"myntra:status:{order_id}:{line_ids[i]}:{status}",
            item_id=as_str(field(line, "sellerSku"), f"order.lines[{i}].sellerSku"),
            marketplace="myntra",
            kind="status",
            raw_type=name,
            occurred_at=occurred,
            received_at=received_at,
            order_id=order_id,
            status=status,
        )
        for i, line in enumerate(lines)
    ]
