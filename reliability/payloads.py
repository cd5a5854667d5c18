"""Hypothesis strategies for each marketplace's webhook payloads, and mutations of them.

The shapes are the contracts documented in ``shared/ingest/marketplaces/`` (Amazon's simple
payload and its four SP-API notifications, Myntra's order pushes and interactions, Meesho's
sub-order and interaction events). ``valid(marketplace)`` draws payloads the normaliser must
accept; ``mutated(marketplace)`` draws a valid one and breaks it (a key removed, a value of
another type, a value out of range, the whole body replaced), which must be refused with a
4xx or accepted, never a 5xx.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

SKUS = st.sampled_from(["FZ-SKU-1", "FZ-SKU-2", "FZ-SKU-3", "FZ-SKU-4"])
ASINS = st.sampled_from(["B0FZ000001", "B0FZ000002"])
ids = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=6, max_size=24)
money = st.integers(1, 9_999_999).map(lambda p: p / 100)
CITIES = st.sampled_from(["Pune", "Bengaluru", "Jaipur", "Kochi", "Guwahati"])
STATES = st.sampled_from(["Maharashtra", "Karnataka", "Rajasthan", "Kerala", "Assam"])


def _moment() -> st.SearchStrategy[str]:
    # Within the signature's freshness and the projection's horizons: minutes around now.
    now = datetime.now(UTC)
    return st.integers(-6 * 60, 5).map(lambda m: (now + timedelta(minutes=m)).isoformat())


def amazon() -> st.SearchStrategy[dict[str, Any]]:
    simple = st.fixed_dictionaries(
        {
            "eventType": st.sampled_from(["ORDER_PLACED", "VIEW", "CLICK"]),
            "asin": SKUS,
            "price": money,
            "quantity": st.integers(1, 9),
            "region": st.just("IN"),
            "orderId": ids.map(lambda s: f"402-{s}"),
        },
        optional={"timestamp": _moment(), "eventId": ids, "city": CITIES, "state": STATES},
    )
    meta = st.fixed_dictionaries({"notificationId": ids})
    order_item = st.fixed_dictionaries(
        {"SellerSKU": SKUS, "Quantity": st.integers(1, 5), "OrderItemId": ids}
    )
    order_change = st.fixed_dictionaries(
        {
            "NotificationType": st.just("ORDER_CHANGE"),
            "NotificationMetadata": st.fixed_dictionaries({"NotificationId": ids}),
            "EventTime": _moment(),
            "Payload": st.fixed_dictionaries(
                {
                    "OrderChangeNotification": st.fixed_dictionaries(
                        {
                            "AmazonOrderId": ids,
                            "Summary": st.fixed_dictionaries(
                                {
                                    "OrderStatus": st.sampled_from(
                                        ["Unshipped", "Shipped", "Canceled", "Pending"]
                                    ),
                                    "OrderItems": st.lists(order_item, min_size=1, max_size=3),
                                }
                            ),
                        }
                    )
                }
            ),
        }
    )
    sales = st.fixed_dictionaries(
        {
            "notificationType": st.just("ITEM_SALES_EVENT_CHANGE"),
            "notificationMetadata": meta,
            "eventTime": _moment(),
            "payload": st.fixed_dictionaries(
                {
                    "itemSalesEventChanges": st.lists(
                        st.fixed_dictionaries(
                            {
                                "asin": SKUS,
                                "orderedUnits": st.integers(-3, 20),
                                "orderedRevenue": st.fixed_dictionaries(
                                    {"amount": st.integers(-50_000, 900_000).map(lambda p: p / 100)}
                                ),
                            },
                            optional={"startTime": _moment()},
                        ),
                        max_size=3,
                    )
                }
            ),
        }
    )
    traffic = st.fixed_dictionaries(
        {
            "notificationType": st.just("DETAIL_PAGE_TRAFFIC_EVENT"),
            "notificationMetadata": meta,
            "payload": st.fixed_dictionaries(
                {
                    "detailPageTrafficEvents": st.lists(
                        st.fixed_dictionaries(
                            {"asin": SKUS, "glanceViews": st.integers(0, 500)},
                            optional={"startTime": _moment()},
                        ),
                        max_size=3,
                    )
                }
            ),
        }
    )
    offer = st.fixed_dictionaries(
        {
            "NotificationType": st.just("ANY_OFFER_CHANGED"),
            "NotificationMetadata": st.fixed_dictionaries({"NotificationId": ids}),
            "Payload": st.fixed_dictionaries(
                {
                    "AnyOfferChangedNotification": st.fixed_dictionaries(
                        {
                            "SellerId": st.just("SELF"),
                            "OfferChangeTrigger": st.fixed_dictionaries(
                                {"ASIN": ASINS}, optional={"TimeOfOfferChange": _moment()}
                            ),
                            "Offers": st.lists(
                                st.fixed_dictionaries(
                                    {
                                        "SellerId": st.sampled_from(["SELF", "OTHER-1", "OTHER-2"]),
                                        "ListingPrice": st.fixed_dictionaries({"Amount": money}),
                                    },
                                    optional={
                                        "Shipping": st.fixed_dictionaries(
                                            {"Amount": st.integers(0, 9_999).map(lambda p: p / 100)}
                                        )
                                    },
                                ),
                                max_size=4,
                            ),
                        }
                    )
                }
            ),
        }
    )
    return st.one_of(simple, order_change, sales, traffic, offer)


def myntra() -> st.SearchStrategy[dict[str, Any]]:
    line = st.fixed_dictionaries(
        {
            "lineId": st.integers(1, 9).map(str),
            "sellerSku": SKUS,
            "quantity": st.integers(1, 5),
            "sellingPrice": money,
        }
    )
    order = st.fixed_dictionaries(
        {
            "event": st.sampled_from(["ORDER_CREATED", "ORDER_STATUS_CHANGED"]),
            "eventTime": _moment(),
            "order": st.fixed_dictionaries(
                {
                    "orderId": ids.map(lambda s: f"MYN-{s}"),
                    "status": st.sampled_from(
                        ["CREATED", "CANCELLED", "RTO", "PACKED", "SHIPPED", "DELIVERED"]
                    ),
                    "city": CITIES,
                    "lines": st.lists(
                        line, min_size=1, max_size=3, unique_by=lambda x: x["lineId"]
                    ),
                },
                optional={"state": STATES, "buyerId": ids},
            ),
        }
    )
    interaction = st.fixed_dictionaries(
        {
            "event": st.sampled_from(["PRODUCT_VIEW", "PRODUCT_CLICK"]),
            "eventId": ids,
            "eventTime": _moment(),
            "product": st.fixed_dictionaries({"sellerSku": SKUS}),
        },
        optional={"city": CITIES},
    )
    return st.one_of(order, interaction)


def meesho() -> st.SearchStrategy[dict[str, Any]]:
    order = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["order.created", "order.cancelled", "order.rto"]),
            "id": ids.map(lambda s: f"evt_{s}"),
            "created_at": _moment(),
            "data": st.fixed_dictionaries(
                {
                    "order_id": ids.map(lambda s: f"MSH-{s}"),
                    "sub_order_id": ids,
                    "sku": SKUS,
                    "quantity": st.integers(1, 5),
                    "price": money,
                    "state": STATES,
                },
                optional={"city": CITIES, "buyer_id": ids},
            ),
        }
    )
    status = st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                ["order.packed", "order.shipped", "order.delivered", "order.returned"]
            ),
            "id": ids.map(lambda s: f"evt_{s}"),
            "created_at": _moment(),
            "data": st.fixed_dictionaries({"order_id": ids, "sub_order_id": ids, "sku": SKUS}),
        }
    )
    interaction = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["catalog.view", "catalog.click"]),
            "id": ids.map(lambda s: f"evt_{s}"),
            "created_at": _moment(),
            "data": st.fixed_dictionaries({"sku": SKUS}, optional={"state": STATES}),
        }
    )
    return st.one_of(order, status, interaction)


VALID = {"amazon": amazon, "myntra": myntra, "meesho": meesho}

# What a broken marketplace (or an attacker with the secret) may put where a value was.
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False),
    st.just(1e308),
    st.just(-1),
    st.just(0),
    st.text(max_size=30),
    st.just(""),
    st.just("x" * 300),
    st.just("2026-13-45T99:99:99"),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, (*prefix, i))
    return out


def _set(value: Any, path: tuple, new: Any, delete: bool) -> Any:
    value = json.loads(json.dumps(value))
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return value


@st.composite
def mutated(draw, marketplace: str) -> Any:
    """A valid payload with one or more parts broken, or a body of the wrong shape."""
    body = draw(VALID[marketplace]())
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(junk, st.lists(st.just(body), max_size=2)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(body)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        body = _set(body, path, draw(junk), delete=draw(st.booleans()))
    return body
