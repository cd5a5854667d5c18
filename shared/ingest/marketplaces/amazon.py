"""Amazon: the simple event payload and Selling Partner API notifications.

Simple payload (what a seller's own tooling posts)::

    {"eventType": "ORDER_PLACED" | "VIEW" | "CLICK", "asin": "SKU123", "price": 999,
     "quantity": 2, "region": "IN", "eventId"?: "...", "orderId"?: "...", "timestamp"?: iso}

SP-API notifications, as an EventBridge API destination delivers them (``shared.ingest.
eventbridge`` unwraps the EventBridge envelope and validates them first) or forwarded by a
relay. Some types use
PascalCase keys (``NotificationType``, ``Payload``, ``NotificationMetadata.NotificationId``),
newer ones camelCase (``notificationType``, ``payload``, ``notificationMetadata.notificationId``);
both are accepted. Amazon redelivers the same notification, so the event id is derived from the
notification id (plus order item / array index), making a redelivery an idempotent create.

- ORDER_CHANGE: one ``order`` event per order item (orders +1, units, stock down) for a new
  order; ``cancel`` events (stock back) when the status is Canceled; Shipped also records a
  ``status`` event per item (``amazon:status:<order>:<item>:shipped``, moves nothing) for the
  shipments fact. Amazon sends no buyer identity: its orders never carry a customer.
  ORDER_CHANGE carries no prices, so revenue comes from ITEM_SALES_EVENT_CHANGE and is not
  counted twice.
- ITEM_SALES_EVENT_CHANGE: hourly ordered units and revenue per ASIN, ``sales`` events; can be
  negative after cancellations. ``orderedRevenue`` is a number (Amazon's schema) or an object
  with ``amount``.
- DETAIL_PAGE_TRAFFIC_EVENT: hourly glance views per ASIN, ``traffic`` events.
- ANY_OFFER_CHANGED: the lowest competitor landed price and the Buy Box price, ``offer`` events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.core.errors import ValidationFailed
from shared.core.records import Event
from shared.ingest.marketplaces.common import (
    as_int,
    as_object,
    as_price,
    as_str,
    as_time,
    body_digest,
    event_from,
    field,
    first_key,
    place,
)

SIMPLE_KINDS = {"ORDER_PLACED": "order", "VIEW": "view", "CLICK": "click"}
CANCELLED = {"Canceled", "Cancelled"}
# SP-API OrderStatus values that are fulfilment milestones of every item of the order.
MILESTONES = {"Shipped": "shipped"}


def normalise(body: dict, received_at: datetime) -> list[Event]:
    type_key = first_key(body, "NotificationType", "notificationType")
    if type_key is not None:
        return _notification(body, body[type_key], received_at)
    if "eventType" in body:
        return [_simple(body, received_at)]
    raise ValidationFailed(
        "expected 'eventType' (simple payload) or 'notificationType'/'NotificationType' "
        "(SP-API notification)",
        field="eventType",
    )


def _simple(body: dict, received_at: datetime) -> Event:
    raw_type = as_str(field(body, "eventType"), "eventType")
    kind = SIMPLE_KINDS.get(raw_type)
    if kind is None:
        raise ValidationFailed(
            f"'eventType' must be one of {sorted(SIMPLE_KINDS)}, got {raw_type!r}",
            field="eventType",
        )
    item_id = as_str(field(body, "asin"), "asin")
    occurred = as_time(body.get("timestamp"), "timestamp", received_at)
    identity = body.get("eventId") or body.get("orderId") or body_digest(body)
    common: dict[str, Any] = {
        "item_id": item_id,
        "marketplace": "amazon",
        "kind": kind,
        "raw_type": raw_type,
        "occurred_at": occurred,
        "received_at": received_at,
        "region": body.get("region"),
        "order_id": body.get("orderId"),
        "city": place(body.get("city"), "city"),
        "state": place(body.get("state"), "state"),
    }
    if kind == "view":
        return event_from(id=f"amazon:view:{identity}", views=1, **common)
    if kind == "click":
        return event_from(id=f"amazon:click:{identity}", clicks=1, **common)
    price = as_price(field(body, "price"), "price")
    quantity = as_int(field(body, "quantity"), "quantity", minimum=1)
    return event_from(
        id=f"amazon:order:{identity}",
        orders=1,
        units=quantity,
        revenue=round(price * quantity, 2),
        stock_delta=-quantity,
        price=price,
        **common,
    )


def _notification(body: dict, notification_type: Any, received_at: datetime) -> list[Event]:
    ntype = as_str(notification_type, "notificationType")
    meta_key = first_key(body, "NotificationMetadata", "notificationMetadata")
    meta = field(body, meta_key or "notificationMetadata")
    id_key = first_key(meta, "NotificationId", "notificationId") or "notificationId"
    notification_id = as_str(field(meta, id_key), f"{meta_key}.{id_key}", max_length=200)
    payload_key = first_key(body, "Payload", "payload") or "payload"
    payload = field(body, payload_key)
    time_key = first_key(body, "EventTime", "eventTime")
    occurred = as_time(body.get(time_key) if time_key else None, "eventTime", received_at)
    handler = _HANDLERS.get(ntype)
    if handler is None:
        raise ValidationFailed(
            f"unsupported notificationType {ntype!r}; supported: {sorted(_HANDLERS)}",
            field="notificationType",
        )
    return handler(payload, notification_id, ntype, occurred, received_at)


def _order_change(payload, nid, ntype, occurred, received_at) -> list[Event]:
    change = field(payload, "OrderChangeNotification")
    order_id = as_str(
        field(change, "AmazonOrderId"), "Payload.OrderChangeNotification.AmazonOrderId"
    )
    summary = field(change, "Summary")
    status = as_str(field(summary, "OrderStatus"), "Summary.OrderStatus")
    items = field(summary, "OrderItems")
    if not isinstance(items, list) or not items:
        raise ValidationFailed(
            "'Summary.OrderItems' must be a non-empty list", field="Summary.OrderItems"
        )
    lines = []
    for i, item in enumerate(items):
        path = f"Summary.OrderItems[{i}]"
        sku = as_str(
            field(item, "SellerSKU", default=None) or field(item, "ASIN", default=None) or "",
            f"{path}.SellerSKU",
        )
        qty = as_int(field(item, "Quantity"), f"{path}.Quantity", minimum=1)
        lines.append(OrderLine(item.get("OrderItemId") or str(i), sku, qty))
    # The notification id is not used on purpose: each status change has a new one.
    del nid
    return order_events(
        order_id,
        status,
        lines,
        raw_type=ntype,
        occurred=occurred,
        received_at=received_at,
        region=summary.get("DestinationPostalCode"),
    )


@dataclass(frozen=True)
class OrderLine:
    line: str  # the order item id (``OrderItemId``)
    sku: str
    quantity: int


def order_events(
    order_id: str,
    status: str,
    lines: list[OrderLine],
    *,
    raw_type: str,
    occurred: datetime,
    received_at: datetime,
    placed: datetime | None = None,
    region: str | None = None,
) -> list[Event]:
    """An Amazon order's events in a given status, one set per order line: ``order`` (or
    ``cancel`` when Canceled) and a ``status`` milestone when Shipped. The ORDER_CHANGE
    notification and the SP-API catch-up (getOrders + getOrderItems) both build them here, so
    the same line gets the same ids whichever path sees it first.

    Only the first status seen for an order line moves stock; later status changes (Shipped,
    ...) map to the same ids and are deduplicated."""
    cancel = status in CANCELLED
    events = []
    for line in lines:
        events.append(
            event_from(
                id=f"amazon:{'cancel' if cancel else 'order'}:{order_id}:{line.line}",
                item_id=line.sku,
                marketplace="amazon",
                kind="cancel" if cancel else "order",
                raw_type=raw_type,
                occurred_at=occurred if cancel or placed is None else placed,
                received_at=received_at,
                order_id=order_id,
                orders=-1 if cancel else 1,
                stock_delta=line.quantity if cancel else -line.quantity,
                region=region,
            )
        )
        if status in MILESTONES:
            events.append(
                event_from(
                    id=f"amazon:status:{order_id}:{line.line}:{MILESTONES[status]}",
                    item_id=line.sku,
                    marketplace="amazon",
                    kind="status",
                    raw_type=raw_type,
                    occurred_at=occurred,
                    received_at=received_at,
                    order_id=order_id,
                    status=MILESTONES[status],
                )
            )
    return events


# Characters a Cosmos id may not hold, replaced as the order-export import replaces them in the
# SKU that names a line of Amazon's report (``shared.ingest.bulk``); the integration test
# tests/integration/test_sp_api_history.py holds the two to the same ids.
_NOT_IN_ID = re.compile(r"[/\\?#\s]+")
_LINE_ID = re.compile(r"^amazon:(order|cancel|status):([^:]+):([^:]+)(:[a-z]+)?$")


def adopt_report_lines(
    events: list[Event], stored: Callable[[str, str], dict[str, Any] | None]
) -> list[Event]:
    """Order events named by Amazon's order item id take the id of the same line imported from
    Amazon's all-orders report first, which has no order item id and names the line by its SKU
    (``amazon:order:<order>:<sku>``), so the order counts once whichever came first. (A report
    imported after the notification takes the notification's id: the import's own adoption.)

    ``stored(id, item_id)`` reads a recorded event (a point read): one per order line."""
    adopted: dict[tuple[str, str], str] = {}
    out = []
    for event in events:
        found = _LINE_ID.match(event.id)
        if event.marketplace != "amazon" or found is None:
            out.append(event)
            continue
        kind, order, line, suffix = found.groups()
        by_sku = _NOT_IN_ID.sub("_", event.item_id.strip())
        if line == by_sku:
            out.append(event)
            continue
        key = (order, line)
        if key not in adopted:
            report_line = stored(f"amazon:order:{order}:{by_sku}", event.item_id)
            adopted[key] = by_sku if report_line is not None else line
        mine = adopted[key]
        out.append(
            event
            if mine == line
            else event.model_copy(update={"id": f"amazon:{kind}:{order}:{mine}{suffix or ''}"})
        )
    return out


def _sales(payload, nid, ntype, occurred, received_at) -> list[Event]:
    changes = field(payload, "itemSalesEventChanges")
    if not isinstance(changes, list):
        raise ValidationFailed(
            "'payload.itemSalesEventChanges' must be a list", field="payload.itemSalesEventChanges"
        )
    events = []
    for i, entry in enumerate(changes):
        path = f"payload.itemSalesEventChanges[{i}]"
        ch = as_object(entry, path)
        item_id = as_str(ch.get("sku") or field(ch, "asin"), f"{path}.asin")
        units = as_int(field(ch, "orderedUnits"), f"{path}.orderedUnits")
        # Amazon's schema has the revenue a number beside ``currencyCode``; the earlier object
        # form ``{"amount", "currencyCode"}`` (the simulator's, some relays') is read as well.
        revenue_path = "orderedRevenue"
        if isinstance(ch.get("orderedRevenue"), dict):
            revenue_path = "orderedRevenue.amount"
        revenue = as_price(
            field(ch, revenue_path), f"{path}.{revenue_path}", allow_negative=True, maximum=None
        )
        events.append(
            event_from(
                id=f"amazon:sales:{nid}:{i}",
                item_id=item_id,
                marketplace="amazon",
                kind="sales",
                raw_type=ntype,
                received_at=received_at,
                units=units,
                revenue=revenue,
                occurred_at=as_time(ch.get("startTime"), f"{path}.startTime", occurred),
            )
        )
    return events


def _traffic(payload, nid, ntype, occurred, received_at) -> list[Event]:
    rows = field(payload, "detailPageTrafficEvents")
    if not isinstance(rows, list):
        raise ValidationFailed(
            "'payload.detailPageTrafficEvents' must be a list",
            field="payload.detailPageTrafficEvents",
        )
    events = []
    for i, entry in enumerate(rows):
        path = f"payload.detailPageTrafficEvents[{i}]"
        row = as_object(entry, path)
        events.append(
            event_from(
                id=f"amazon:traffic:{nid}:{i}",
                item_id=as_str(row.get("sku") or field(row, "asin"), f"{path}.asin"),
                marketplace="amazon",
                kind="traffic",
                raw_type=ntype,
                received_at=received_at,
                views=as_int(field(row, "glanceViews"), f"{path}.glanceViews", minimum=0),
                occurred_at=as_time(row.get("startTime"), f"{path}.startTime", occurred),
            )
        )
    return events


def _offer(payload, nid, ntype, occurred, received_at) -> list[Event]:
    note = field(payload, "AnyOfferChangedNotification")
    trigger = field(note, "OfferChangeTrigger")
    asin = as_str(field(trigger, "ASIN"), "OfferChangeTrigger.ASIN")
    seller = note.get("SellerId")
    competitor = [
        o for o in note.get("Offers", []) if isinstance(o, dict) and o.get("SellerId") != seller
    ]
    own = [o for o in note.get("Offers", []) if isinstance(o, dict) and o.get("SellerId") == seller]
    lowest = None
    for i, offer in enumerate(competitor):
        amount = as_price(field(offer, "ListingPrice.Amount"), f"Offers[{i}].ListingPrice.Amount")
        shipping = as_object(offer.get("Shipping") or {}, f"Offers[{i}].Shipping")
        charge = shipping.get("Amount") or 0  # free shipping: absent or 0
        landed = amount + (as_price(charge, f"Offers[{i}].Shipping.Amount") if charge else 0.0)
        lowest = landed if lowest is None else min(lowest, landed)
    own_price = None
    if own:
        own_price = as_price(
            field(own[0], "ListingPrice.Amount"), "Offers[own].ListingPrice.Amount"
        )
    return [
        event_from(
            id=f"amazon:offer:{nid}",
            item_id=asin,
            marketplace="amazon",
            kind="offer",
            raw_type=ntype,
            received_at=received_at,
            price=own_price,
            competitor_price=round(lowest, 2) if lowest else None,
            occurred_at=as_time(
                trigger.get("TimeOfOfferChange"), "OfferChangeTrigger.TimeOfOfferChange", occurred
            ),
        )
    ]


_HANDLERS = {
    "ORDER_CHANGE": _order_change,
    "ITEM_SALES_EVENT_CHANGE": _sales,
    "DETAIL_PAGE_TRAFFIC_EVENT": _traffic,
    "ANY_OFFER_CHANGED": _offer,
}
NOTIFICATION_TYPES = frozenset(_HANDLERS)
