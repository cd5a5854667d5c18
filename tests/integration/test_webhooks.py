"""Webhooks end to end through devhost against the real local Cosmos server and Azurite."""

from __future__ import annotations

import json
import socket
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from demo import seed
from shared.ingest.signature import signed_headers
from tests.integration.conftest import eventually
from tests.integration.helpers import unprojected

pytestmark = pytest.mark.integration

ITEM = "SKU-TEST-0001"
PRODUCT = {
    "item_id": ITEM,
    "title": "Banarasi silk saree",
    "category": "ethnic wear",
    "brand": "Kashi Looms",
    "marketplace": "amazon",
    "price": 2499.0,
    "mrp": 3999.0,
    "rating": 4.4,
    "review_count": 212,
    "stock": 40,
}


@pytest.fixture(scope="module")
def catalogue(store):
    seed.seed_catalogue(store, [PRODUCT], history_hours=0, seed=1)
    return store


def post(
    host,
    marketplace: str,
    body: dict | bytes,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
    headers: dict | None = None,
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    key = secret or host.env[f"Webhooks__{marketplace}Secret"]
    signed = signed_headers(key, raw, timestamp)
    with host.client() as c:
        return c.post(
            host.webhook_url(marketplace),
            content=raw,
            headers={"content-type": "application/json", **signed, **(headers or {})},
        )


def counts(store) -> dict[str, int]:
    def n(container):
        return next(store.query(container, "SELECT VALUE COUNT(1) FROM c"))

    return {"events": n("events"), "audit": n("audit")}


def stock_of(host, item_id: str = ITEM) -> int:
    with host.client() as c:
        return c.get(f"/api/item/{item_id}").json()["stock"]


def order(qty: int = 2, order_id: str | None = None) -> dict:
    return {
        "eventType": "ORDER_PLACED",
        "asin": ITEM,
        "price": 2499,
        "quantity": qty,
        "region": "IN",
        "orderId": order_id or f"402-{uuid.uuid4().hex[:8]}",
    }


def test_order_reduces_stock_is_stored_and_audited(devhost, catalogue):
    store = catalogue
    eventually(lambda: stock_of(devhost) == 40)
    before = counts(store)
    body = order(qty=3)
    resp = post(devhost, "amazon", body)
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert answer["status"] == "recorded"
    event_id = f"amazon:order:{body['orderId']}"
    assert answer["recorded"] == [
        {"id": event_id, "item_id": ITEM, "kind": "order", "units": 3, "revenue": 7497.0}
    ]
    stored = store.read("events", event_id, ITEM)
    assert (stored["units"], stored["revenue"], stored["stock_delta"]) == (3, 7497.0, -3)
    assert stored["ttl"] == 90 * 86_400  # EVENTS_TTL_DAYS
    assert (
        store.read("audit", f"audit:{event_id}", stored and _day(store, event_id))["action"]
        == "order.amazon"
    )
    assert eventually(lambda: stock_of(devhost) == 37)
    assert counts(store) == {"events": before["events"] + 1, "audit": before["audit"] + 1}


def _day(store, event_id: str) -> str:
    rows = list(
        store.query("audit", "SELECT c.day FROM c WHERE c.id = @id", [("@id", f"audit:{event_id}")])
    )
    return rows[0]["day"]


def settled(store) -> dict[str, int]:
    """Stock and counts once every stored event of the item is projected."""
    eventually(lambda: ITEM not in unprojected(store))
    return {"stock": stock_of_store(store), **counts(store)}


def stock_of_store(store) -> int:
    return int(store.read("products", ITEM, ITEM)["stock"])


def after_a_marker(host, store) -> dict[str, int]:
    """Send a valid one-unit order after what is being checked, wait until it is projected and
    return the settled state. Events of one item project in order, so anything the checked
    request had stored is projected by then too: a slow projection cannot hide it."""
    marker = order(qty=1)
    assert post(host, "amazon", marker).json()["status"] == "recorded"
    return settled(store)


def test_redelivery_changes_nothing(devhost, catalogue):
    store = catalogue
    body = order(qty=1)
    assert post(devhost, "amazon", body).json()["status"] == "recorded"
    before = settled(store)
    again = post(devhost, "amazon", body)  # a fresh signature: Amazon re-sends later
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    # Only the marker moved anything: one unit, one event, one audit entry.
    assert after_a_marker(devhost, store) == {
        "stock": before["stock"] - 1,
        "events": before["events"] + 1,
        "audit": before["audit"] + 1,
    }


@pytest.mark.parametrize(
    ("case", "status", "error"),
    [
        ("bad_signature", 401, "unauthorized"),
        ("missing_signature", 401, "unauthorized"),
        ("stale_timestamp", 401, "unauthorized"),
        ("malformed_json", 400, "malformed_json"),
        ("oversized", 413, "payload_too_large"),
        ("invalid_field", 422, "validation_failed"),
    ],
)
def test_rejections_write_nothing(devhost, catalogue, case, status, error):
    store = catalogue
    before = settled(store)
    refused = order()
    if case == "bad_signature":
        resp = post(devhost, "amazon", refused, secret="not-the-secret")
    elif case == "missing_signature":
        with devhost.client() as c:
            resp = c.post(devhost.webhook_url("amazon"), content=json.dumps(refused).encode())
    elif case == "stale_timestamp":
        resp = post(devhost, "amazon", refused, timestamp=int(time.time()) - 301)
    elif case == "malformed_json":
        resp = post(devhost, "amazon", b'{"eventType": "ORDER_PLACED", ')
    elif case == "oversized":
        resp = post(devhost, "amazon", {**refused, "padding": "x" * 262_144})
    else:
        resp = post(devhost, "amazon", {**refused, "quantity": -2})
    assert resp.status_code == status, resp.text
    assert resp.json()["error"] == error
    if case == "invalid_field":
        assert resp.json()["field"] == "quantity"
    # Only the marker moved anything, and the refused order left no event of its own.
    assert after_a_marker(devhost, store) == {
        "stock": before["stock"] - 1,
        "events": before["events"] + 1,
        "audit": before["audit"] + 1,
    }
    assert store.read_or_none("events", f"amazon:order:{refused['orderId']}", ITEM) is None


def test_function_key_is_required(devhost, catalogue):
    raw = json.dumps(order()).encode()
    with devhost.client() as c:
        url = f"{devhost.base_url}/api/integrations/amazon/webhook"
        no_key = c.post(
            url, content=raw, headers=signed_headers(devhost.env["Webhooks__amazonSecret"], raw)
        )
        bad_key = c.post(
            url + "?code=nope",
            content=raw,
            headers=signed_headers(devhost.env["Webhooks__amazonSecret"], raw),
        )
    assert (no_key.status_code, bad_key.status_code) == (401, 401)


def test_myntra_and_meesho_orders_move_stock(devhost, catalogue):
    start = eventually(lambda: stock_of(devhost))
    myntra = {
        "event": "ORDER_CREATED",
        "order": {
            "orderId": f"MYN-{uuid.uuid4().hex[:6]}",
            "status": "CREATED",
            "lines": [{"lineId": "1", "sellerSku": ITEM, "quantity": 2, "sellingPrice": 2399.0}],
        },
    }
    meesho = {
        "type": "order.created",
        "id": "evt_1",
        "data": {
            "order_id": "MSH-1",
            "sub_order_id": f"MSH-{uuid.uuid4().hex[:6]}",
            "sku": ITEM,
            "quantity": 1,
            "price": 2299,
        },
    }
    assert post(devhost, "myntra", myntra).status_code == 200
    assert post(devhost, "meesho", meesho).status_code == 200
    eventually(lambda: stock_of(devhost) == start - 3)
    cancel = {
        **myntra,
        "event": "ORDER_STATUS_CHANGED",
        "order": {**myntra["order"], "status": "CANCELLED"},
    }
    assert post(devhost, "myntra", cancel).json()["recorded"][0]["kind"] == "cancel"
    eventually(lambda: stock_of(devhost) == start - 1)


def test_every_function_is_reachable_through_devhost(devhost, catalogue):
    """Each HTTP function answers on its route (not 404/405); triggers are listed by the host."""
    from function_app import app
    from functions.app_index import functions_of

    with devhost.client() as c:
        for fn in functions_of(app):
            trigger = fn.get_trigger()
            if trigger.get_binding_name() != "httpTrigger":
                continue
            binding = trigger.get_dict_repr()
            route = binding["route"].replace("{id}", ITEM).replace("{marketplace}", "amazon")
            method = str(getattr(binding["methods"][0], "value", binding["methods"][0]))
            resp = c.request(method, f"/api/{route}", content=b"{}")
            routed = resp.status_code not in (404, 405) or (
                resp.headers.get("content-type", "").startswith("application/json")
                and resp.json().get("error") == "not_found"
            )
            assert routed, (fn.get_function_name(), resp.status_code, resp.text)
        # Non-HTTP functions are reachable the way the Functions host offers: the admin API.
        listed = c.get("/admin/functions", headers={"x-functions-key": devhost.keys["master"]})
        names = {f["name"] for f in listed.json()}
        assert names == {f.get_function_name() for f in functions_of(app)}


def test_offer_notification_by_asin_updates_the_sellers_item(devhost, catalogue):
    listed = {**PRODUCT, "item_id": "SKU-TEST-0002", "asin": "B0TESTAS1N"}
    seed.seed_catalogue(catalogue, [listed], history_hours=0, seed=2)
    body = {
        "NotificationType": "ANY_OFFER_CHANGED",
        "EventTime": datetime.now(UTC).isoformat(),  # newer than the seeded offer
        "NotificationMetadata": {"NotificationId": f"n-{uuid.uuid4().hex}"},
        "Payload": {
            "AnyOfferChangedNotification": {
                "SellerId": "ME",
                "OfferChangeTrigger": {"ASIN": "B0TESTAS1N", "MarketplaceId": "A21TJRUUN4KGV"},
                "Offers": [
                    {
                        "SellerId": "RIVAL",
                        "ListingPrice": {"Amount": 2299, "CurrencyCode": "INR"},
                        "Shipping": {"Amount": 50, "CurrencyCode": "INR"},
                    }
                ],
            }
        },
    }
    answer = post(devhost, "amazon", body).json()
    assert answer["recorded"][0]["item_id"] == "SKU-TEST-0002"

    def competitor():
        with devhost.client() as c:
            return c.get("/api/item/SKU-TEST-0002").json().get("competitor_price")

    assert eventually(lambda: competitor() == 2349.0)


def test_the_host_refuses_a_body_over_its_limit_before_reading_it(devhost, catalogue):
    """Over the host's limit (100 MB, as the Functions host) a declared length is answered at
    once; the body is never read. (Under it, the webhook checks the declared length before
    touching the body: tests/unit/test_function_app.py.)"""
    url = httpx.URL(devhost.webhook_url("amazon"))
    with socket.create_connection((url.host, url.port), timeout=10) as sock:
        head = (
            f"POST {url.raw_path.decode()} HTTP/1.1\r\nHost: {url.host}\r\n"
            "Content-Type: application/json\r\nContent-Length: 200000000\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"eventType": ')  # 14 of the 200,000,000 bytes
        reply = b""
        while b"payload_too_large" not in reply:  # headers and body may come apart
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    reply_text = reply.decode(errors="replace")
    assert reply_text.startswith("HTTP/1.1 413"), reply_text
    assert "payload_too_large" in reply_text
