"""Each marketplace's payloads normalise into the one Event shape (pure, no services)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.core.errors import AuthError, ValidationFailed
from shared.ingest import signature
from shared.ingest.marketplaces import NORMALISERS

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def amazon(body):
    return NORMALISERS["amazon"](body, NOW)


def test_amazon_simple_order_view_click():
    (order,) = amazon(
        {
            "eventType": "ORDER_PLACED",
            "asin": "SKU123",
            "price": 999,
            "quantity": 2,
            "region": "IN",
            "orderId": "402-1",
        }
    )
    assert (order.id, order.kind, order.units, order.revenue, order.stock_delta) == (
        "amazon:order:402-1",
        "order",
        2,
        1998.0,
        -2,
    )
    (view,) = amazon({"eventType": "VIEW", "asin": "SKU123", "eventId": "v1"})
    (click,) = amazon({"eventType": "CLICK", "asin": "SKU123", "eventId": "c1"})
    assert (view.views, view.clicks, click.views, click.clicks) == (1, 0, 0, 1)


def test_amazon_simple_payload_without_id_is_stable():
    body = {"eventType": "ORDER_PLACED", "asin": "SKU123", "price": 999, "quantity": 2}
    assert amazon(body)[0].id == amazon(dict(reversed(list(body.items()))))[0].id


ORDER_CHANGE_PASCAL = {
    "NotificationVersion": "1.0",
    "NotificationType": "ORDER_CHANGE",
    "PayloadVersion": "1.0",
    "EventTime": "2026-11-21T09:58:00Z",
    "Payload": {
        "OrderChangeNotification": {
            "NotificationLevel": "OrderLevel",
            "SellerId": "A3TH9S8BH6GOGM",
            "AmazonOrderId": "171-0000001-0000001",
            "OrderChangeType": "OrderStatusChange",
            "Summary": {
                "MarketplaceId": "A21TJRUUN4KGV",
                "OrderStatus": "Unshipped",
                "DestinationPostalCode": "560001",
                "OrderItems": [
                    {"OrderItemId": "111", "SellerSKU": "SKU-A", "Quantity": 2},
                    {"OrderItemId": "112", "SellerSKU": "SKU-B", "Quantity": 1},
                ],
            },
        }
    },
    "NotificationMetadata": {
        "ApplicationId": "app",
        "SubscriptionId": "sub",
        "PublishTime": "2026-11-21T09:58:01Z",
        "NotificationId": "n-1",
    },
}


def test_order_change_pascal_case_one_event_per_line():
    events = amazon(ORDER_CHANGE_PASCAL)
    assert [(e.id, e.item_id, e.kind, e.orders, e.stock_delta) for e in events] == [
        ("amazon:order:171-0000001-0000001:111", "SKU-A", "order", 1, -2),
        ("amazon:order:171-0000001-0000001:112", "SKU-B", "order", 1, -1),
    ]
    assert events[0].occurred_at == datetime(2026, 11, 21, 9, 58, tzinfo=UTC)


def test_order_change_cancellation_returns_stock():
    body = json.loads(json.dumps(ORDER_CHANGE_PASCAL))
    body["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] = "Canceled"
    events = amazon(body)
    assert [(e.kind, e.stock_delta, e.orders) for e in events] == [
        ("cancel", 2, -1),
        ("cancel", 1, -1),
    ]
    assert events[0].id == "amazon:cancel:171-0000001-0000001:111"


def _camel(ntype, payload, nid="n-2"):
    return {
        "notificationVersion": "1.0",
        "notificationType": ntype,
        "payloadVersion": "1.0",
        "eventTime": "2026-11-21T09:00:00Z",
        "payload": payload,
        "notificationMetadata": {
            "applicationId": "app",
            "subscriptionId": "s",
            "publishTime": "2026-11-21T10:00:00Z",
            "notificationId": nid,
        },
    }


def test_item_sales_event_change_camel_case_can_be_negative():
    events = amazon(
        _camel(
            "ITEM_SALES_EVENT_CHANGE",
            {
                "itemSalesEventChanges": [
                    {
                        "asin": "B0X",
                        "sku": "SKU-A",
                        "orderedUnits": 5,
                        "orderedRevenue": {"amount": 4995.0, "currencyCode": "INR"},
                        "startTime": "2026-11-21T08:00:00Z",
                        "endTime": "2026-11-21T09:00:00Z",
                    },
                    {
                        "asin": "B0Y",
                        "orderedUnits": -1,
                        "orderedRevenue": {"amount": -999.0, "currencyCode": "INR"},
                    },
                ]
            },
        )
    )
    assert [(e.id, e.item_id, e.units, e.revenue, e.stock_delta) for e in events] == [
        ("amazon:sales:n-2:0", "SKU-A", 5, 4995.0, 0),
        ("amazon:sales:n-2:1", "B0Y", -1, -999.0, 0),
    ]
    assert events[0].occurred_at.hour == 8


def test_detail_page_traffic_event():
    (ev,) = amazon(
        _camel(
            "DETAIL_PAGE_TRAFFIC_EVENT",
            {
                "detailPageTrafficEvents": [
                    {"asin": "B0X", "glanceViews": 42, "startTime": "2026-11-21T08:00:00Z"}
                ]
            },
        )
    )
    assert (ev.kind, ev.views, ev.item_id) == ("traffic", 42, "B0X")


def test_any_offer_changed_lowest_competitor_landed_price():
    body = {
        "NotificationType": "ANY_OFFER_CHANGED",
        "EventTime": "2026-11-21T09:00:00Z",
        "NotificationMetadata": {"NotificationId": "n-3"},
        "Payload": {
            "AnyOfferChangedNotification": {
                "SellerId": "ME",
                "OfferChangeTrigger": {"ASIN": "B0X", "MarketplaceId": "A21"},
                "Offers": [
                    {"SellerId": "ME", "ListingPrice": {"Amount": 1000, "CurrencyCode": "INR"}},
                    {
                        "SellerId": "C1",
                        "ListingPrice": {"Amount": 950, "CurrencyCode": "INR"},
                        "Shipping": {"Amount": 40},
                    },
                    {"SellerId": "C2", "ListingPrice": {"Amount": 980, "CurrencyCode": "INR"}},
                ],
            }
        },
    }
    (ev,) = amazon(body)
    assert (ev.kind, ev.price, ev.competitor_price, ev.id) == (
        "offer",
        1000.0,
        980.0,
        "amazon:offer:n-3",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"eventType": "ORDER_PLACED", "asin": "S", "price": 10, "quantity": 0}, "quantity"),
        ({"eventType": "ORDER_PLACED", "asin": "S", "price": -1, "quantity": 1}, "price"),
        # a unit price over one crore is a mistake in the data (a stray exponent)
        ({"eventType": "ORDER_PLACED", "asin": "S", "price": 1e12, "quantity": 1}, "price"),
        ({"eventType": "ORDER_PLACED", "price": 10, "quantity": 1}, "asin"),
        ({"eventType": "REFUND", "asin": "S"}, "eventType"),
        ({"asin": "S"}, "eventType"),
        ({"NotificationType": "ORDER_CHANGE", "Payload": {}}, "notificationMetadata"),
    ],
)
def test_invalid_amazon_payloads_name_the_field(body, field):
    with pytest.raises(ValidationFailed) as err:
        amazon(body)
    assert err.value.field == field


def test_myntra_order_cancel_and_interactions():
    norm = NORMALISERS["myntra"]
    order = {
        "event": "ORDER_CREATED",
        "order": {
            "orderId": "MYN-1",
            "status": "CREATED",
            "lines": [{"lineId": "1", "sellerSku": "SKU-A", "quantity": 2, "sellingPrice": 1299.0}],
        },
    }
    (ev,) = norm(order, NOW)
    assert (ev.id, ev.units, ev.revenue, ev.stock_delta) == ("myntra:order:MYN-1:1", 2, 2598.0, -2)
    shipped = {
        **order,
        "event": "ORDER_STATUS_CHANGED",
        "order": {**order["order"], "status": "SHIPPED"},
    }
    (milestone,) = norm(shipped, NOW)
    assert (milestone.id, milestone.kind, milestone.status) == (
        "myntra:status:MYN-1:1:shipped",
        "status",
        "shipped",
    )
    assert (milestone.stock_delta, milestone.orders, milestone.units) == (0, 0, 0)
    rto = {**shipped, "order": {**order["order"], "status": "RTO"}}
    (cancel,) = norm(rto, NOW)
    assert cancel.status == "rto"
    assert (cancel.id, cancel.units, cancel.revenue, cancel.stock_delta) == (
        "myntra:cancel:MYN-1:1",
        -2,
        -2598.0,
        2,
    )
    (view,) = norm(
        {"event": "PRODUCT_VIEW", "eventId": "e1", "product": {"sellerSku": "SKU-A"}}, NOW
    )
    assert (view.id, view.views) == ("myntra:view:e1", 1)


def test_meesho_sub_orders_and_interactions():
    norm = NORMALISERS["meesho"]
    data = {"order_id": "M1", "sub_order_id": "M1-1", "sku": "SKU-A", "quantity": 3, "price": 499}
    (order,) = norm({"type": "order.created", "id": "evt_1", "data": data}, NOW)
    (cancel,) = norm({"type": "order.cancelled", "id": "evt_2", "data": data}, NOW)
    assert (order.id, order.units, order.revenue) == ("meesho:order:M1-1", 3, 1497.0)
    assert (cancel.id, cancel.stock_delta) == ("meesho:cancel:M1-1", 3)
    with pytest.raises(ValidationFailed) as err:
        norm({"type": "order.created", "id": "e", "data": {**data, "quantity": "3"}}, NOW)
    assert err.value.field == "data.quantity"


def test_signature_round_trip_and_rejections():
    body = b'{"a": 1}'
    headers = signature.signed_headers("s3cret", body, timestamp=1_000_000)
    ts, sig = headers["x-resight-timestamp"], headers["x-resight-signature"]
    assert signature.verify("s3cret", body, ts, sig, max_age=300, now=1_000_100) == 1_000_000
    with pytest.raises(AuthError):
        signature.verify("s3cret", body + b" ", ts, sig, max_age=300, now=1_000_100)
    with pytest.raises(AuthError):
        signature.verify("other", body, ts, sig, max_age=300, now=1_000_100)
    with pytest.raises(AuthError, match="window"):
        signature.verify("s3cret", body, ts, sig, max_age=300, now=1_000_301)
    with pytest.raises(AuthError):
        signature.verify("s3cret", body, None, sig, max_age=300, now=1_000_000)


def test_buyer_keys_are_kept_only_as_a_salted_hash(monkeypatch):
    monkeypatch.setenv("Analytics__buyerKeySalt", "pepper")
    myntra = {
        "event": "ORDER_CREATED",
        "order": {
            "orderId": "MYN-9",
            "status": "CREATED",
            "city": "Pune",
            "state": "Maharashtra",
            "buyerId": "+91 98450 12345",
            "lines": [{"lineId": "1", "sellerSku": "SKU-A", "quantity": 1, "sellingPrice": 99.0}],
        },
    }
    (ev,) = NORMALISERS["myntra"](myntra, NOW)
    assert ev.customer_id is not None and ev.customer_id.startswith("b_")
    assert "98450" not in ev.model_dump_json()
    assert (ev.city, ev.state) == ("Pune", "Maharashtra")
    data = {"sub_order_id": "S1", "sku": "SKU-A", "quantity": 1, "price": 99, "buyer_id": "u-1"}
    (m1,) = NORMALISERS["meesho"]({"type": "order.created", "id": "e", "data": data}, NOW)
    (m2,) = NORMALISERS["meesho"](
        {"type": "order.created", "id": "e", "data": {**data, "sub_order_id": "S2"}}, NOW
    )
    assert m1.customer_id == m2.customer_id and "u-1" not in m1.customer_id
    from shared.core.settings import get_settings

    monkeypatch.setenv("Analytics__buyerKeySalt", "other")
    get_settings.cache_clear()
    (m3,) = NORMALISERS["meesho"]({"type": "order.created", "id": "e", "data": data}, NOW)
    assert m3.customer_id != m1.customer_id  # the salt is the deployment's own


def test_without_a_salt_no_buyer_key_is_kept(monkeypatch):
    monkeypatch.delenv("Analytics__buyerKeySalt", raising=False)
    data = {"sub_order_id": "S1", "sku": "SKU-A", "quantity": 1, "price": 99, "buyer_id": "u-1"}
    (ev,) = NORMALISERS["meesho"]({"type": "order.created", "id": "e", "data": data}, NOW)
    assert ev.customer_id is None


def test_status_milestones_move_nothing_and_rto_cancels_once():
    norm = NORMALISERS["meesho"]
    data = {"order_id": "M1", "sub_order_id": "M1-1", "sku": "SKU-A"}
    (shipped,) = norm({"type": "order.shipped", "id": "e1", "data": data}, NOW)
    assert (shipped.id, shipped.kind, shipped.status) == (
        "meesho:status:M1-1:shipped",
        "status",
        "shipped",
    )
    assert (shipped.stock_delta, shipped.orders, shipped.revenue) == (0, 0, 0.0)
    rto_data = {**data, "quantity": 2, "price": 100}
    (rto,) = norm({"type": "order.rto", "id": "e2", "data": rto_data}, NOW)
    assert (rto.id, rto.kind, rto.status, rto.stock_delta) == (
        "meesho:cancel:M1-1",
        "cancel",
        "rto",
        2,
    )


def test_amazon_shipped_records_a_milestone_per_item():
    body = json.loads(json.dumps(ORDER_CHANGE_PASCAL))
    body["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] = "Shipped"
    events = amazon(body)
    assert [(e.id, e.kind) for e in events] == [
        ("amazon:order:171-0000001-0000001:111", "order"),
        ("amazon:status:171-0000001-0000001:111:shipped", "status"),
        ("amazon:order:171-0000001-0000001:112", "order"),
        ("amazon:status:171-0000001-0000001:112:shipped", "status"),
    ]
    assert all(e.customer_id is None for e in events)


def test_what_the_normalisers_record_from_real_payloads_is_what_the_signal_table_says():
    """Amazon's SP-API notifications and Myntra/Meesho orders, normalised, carry only the
    counters ``shared.core.signals`` lists for live mode: no clicks anywhere, no views from
    Myntra or Meesho."""
    from demo.mock_feed import payload
    from demo.sim.amazon_notifications import notifications
    from demo.sim.simulator import SimEvent, Simulator, simulate_catalogue
    from shared.core import signals

    now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    catalogue = [{**p, "marketplace": "amazon"} for p in simulate_catalogue(8, seed=3)]
    history = Simulator(catalogue, seed=3).history(now - timedelta(days=2), 48)
    bodies = [("amazon", body) for body in notifications(history)]
    for mp in ("myntra", "meesho"):
        order = SimEvent("SKU-1", mp, "order", 2, 499.0, "Karnataka", now)
        bodies.append((mp, payload(order)))
    seen: dict[str, set[str]] = {"amazon": set(), "myntra": set(), "meesho": set()}
    for mp, body in bodies:
        for event in NORMALISERS[mp](body, now):
            seen[mp] |= {
                c for c in ("views", "clicks", "orders", "units", "revenue") if getattr(event, c)
            }
    for mp, counters in seen.items():
        assert counters, mp
        assert counters <= set(signals.sent(mp, "live")), (mp, counters)
    assert seen["amazon"] == {"views", "orders", "units", "revenue"}
