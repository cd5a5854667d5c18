"""A simulated history as Amazon would really deliver it: Selling Partner API notifications.

Per hour one DETAIL_PAGE_TRAFFIC_EVENT (glance views per SKU) and one ITEM_SALES_EVENT_CHANGE
(ordered units and revenue per SKU), one ORDER_CHANGE per order line (no price, as Amazon
sends it) and ANY_OFFER_CHANGED for price changes. Clicks are dropped: Amazon sends none
(``shared.core.signals``). Used by tests and demos of live mode; the payloads go through the
real webhook path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from shared.core import signals
from shared.core.records import Event, hour_key

SELLER_ID = "A1RESIGHTSELLER"


def notifications(events: Iterable[Event], *, tag: str = "sim") -> Iterator[dict]:
    """Amazon notifications for the Amazon items among ``events`` (in time order per kind)."""
    sent = signals.sent("amazon", "live")
    views: dict[str, dict[str, int]] = defaultdict(dict)
    sales: dict[str, dict[str, list[float]]] = defaultdict(dict)
    hours: dict[str, datetime] = {}
    for event in events:
        if event.marketplace != "amazon":
            continue
        key = hour_key(event.occurred_at)
        hours.setdefault(key, event.occurred_at.replace(minute=0, second=0, microsecond=0))
        if event.kind == "traffic" and event.views and "views" in sent:
            views[key][event.item_id] = views[key].get(event.item_id, 0) + event.views
        elif event.kind == "order":
            units, revenue = sales[key].setdefault(event.item_id, [0, 0.0])
            sales[key][event.item_id] = [units + event.units, revenue + event.revenue]
            yield _order_change(event, tag)
        elif event.kind == "offer" and event.price is not None and "offers" in sent:
            yield _offer(event, tag)
    for key in sorted(hours):
        start = hours[key]
        if views.get(key):
            yield _traffic(key, start, views[key], tag)
        if sales.get(key):
            yield _sales(key, start, sales[key], tag)


def _meta(kind: str, nid: str, at: datetime) -> dict:
    return {
        "notificationVersion": "1.0",
        "notificationType": kind,
        "payloadVersion": "1.0",
        "eventTime": at.isoformat(),
        "notificationMetadata": {"notificationId": nid, "publishTime": at.isoformat()},
    }


def _traffic(key: str, start: datetime, by_sku: dict[str, int], tag: str) -> dict:
    end = start + timedelta(hours=1)
    rows = [
        {
            "sku": sku,
            "glanceViews": n,
            "startTime": start.isoformat(),
            "endTime": end.isoformat(),
        }
        for sku, n in sorted(by_sku.items())
    ]
    return {
        **_meta("DETAIL_PAGE_TRAFFIC_EVENT", f"{tag}-traffic-{key}", end),
        "payload": {"detailPageTrafficEvents": rows},
    }


def _sales(key: str, start: datetime, by_sku: dict[str, list[float]], tag: str) -> dict:
    end = start + timedelta(hours=1)
    rows = [
        {
            "sku": sku,
            "orderedUnits": int(units),
            "orderedRevenue": {"amount": round(revenue, 2), "currencyCode": "INR"},
            "startTime": start.isoformat(),
            "endTime": end.isoformat(),
        }
        for sku, (units, revenue) in sorted(by_sku.items())
    ]
    return {
        **_meta("ITEM_SALES_EVENT_CHANGE", f"{tag}-sales-{key}", end),
        "payload": {"itemSalesEventChanges": rows},
    }


def _order_change(event: Event, tag: str) -> dict:
    order_id = f"402-{tag}-{event.id.rsplit('-', 2)[-2]}-{event.id.rsplit('-', 1)[-1]}"
    return {
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": event.occurred_at.isoformat(),
        "NotificationMetadata": {"NotificationId": f"{tag}-order-{event.id}"},
        "Payload": {
            "OrderChangeNotification": {
                "AmazonOrderId": order_id,
                "Summary": {
                    "OrderStatus": "Unshipped",
                    "OrderItems": [
                        {
                            "OrderItemId": "1",
                            "SellerSKU": event.item_id,
                            "Quantity": max(1, event.units),
                        }
                    ],
                },
            }
        },
    }


def _offer(event: Event, tag: str) -> dict:
    offers = [{"SellerId": SELLER_ID, "ListingPrice": {"Amount": event.price}}]
    if event.competitor_price is not None:
        offers.append(
            {"SellerId": "COMPETITOR", "ListingPrice": {"Amount": event.competitor_price}}
        )
    return {
        "NotificationVersion": "1.0",
        "NotificationType": "ANY_OFFER_CHANGED",
        "EventTime": event.occurred_at.isoformat(),
        "NotificationMetadata": {"NotificationId": f"{tag}-offer-{event.id}"},
        "Payload": {
            "AnyOfferChangedNotification": {
                "SellerId": SELLER_ID,
                "OfferChangeTrigger": {
                    "ASIN": event.item_id,
                    "TimeOfOfferChange": event.occurred_at.isoformat(),
                },
                "Offers": offers,
            }
        },
    }
