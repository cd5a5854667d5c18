"""Amazon notifications as an EventBridge API destination posts them, through devhost against the
local Cosmos server: the function key and the X-ReSight-Token header, nothing signed."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime

import pytest

from demo import seed
from shared.ingest import eventbridge
from tests.integration.conftest import eventually
from tests.integration.helpers import principal

pytestmark = pytest.mark.integration

ITEM = "SKU-EB-0001"
ASIN = "B0EBTEST01"
PRODUCT = {
    "item_id": ITEM,
    "asin": ASIN,
    "title": "Chanderi cotton kurta",
    "category": "ethnic wear",
    "brand": "Kashi Looms",
    "marketplace": "amazon",
    "price": 1499.0,
    "mrp": 1999.0,
    "rating": 4.2,
    "review_count": 40,
    "stock": 30,
}
ADMIN, ANALYST = principal("admin"), principal("analyst")


@pytest.fixture(scope="module")
def catalogue(store):
    seed.seed_catalogue(store, [PRODUCT], history_hours=0, seed=3)
    return store


def amazons_example(notification_type: str) -> dict:
    """Amazon's own example body of the type (it validates against Amazon's schema), with a
    fresh notification id."""
    name = eventbridge.SCHEMA_FILES[notification_type]
    body = copy.deepcopy(json.loads((eventbridge.SCHEMA_DIR / name).read_text())["examples"][0])
    meta = body.get("NotificationMetadata") or body["notificationMetadata"]
    meta["NotificationId" if "NotificationId" in meta else "notificationId"] = str(uuid.uuid4())
    return body


def order_change(qty: int = 2) -> dict:
    body = amazons_example("ORDER_CHANGE")
    body["EventTime"] = datetime.now(UTC).isoformat()  # after the seeded stock count
    change = body["Payload"]["OrderChangeNotification"]
    change["AmazonOrderId"] = f"171-{uuid.uuid4().hex[:7]}-{uuid.uuid4().hex[:7]}"
    (item,) = change["Summary"]["OrderItems"]
    item.update(SellerSKU=ITEM, Quantity=qty, OrderItemId="OI-1")
    return body


def envelope(detail: dict) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "SP-API notification",
        "source": "aws.partner/sellingpartnerapi.amazon.com/amzn1.sellingpartnerapi.resight",
        "account": "123456789012",
        "time": "2026-11-21T10:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }


def send(host, marketplace: str, body: dict, token: str | None, *, key: bool = True):
    """What an API destination sends: the JSON event, the connection's header, no signature."""
    url = host.webhook_url(marketplace)
    if not key:
        url = url.split("?", 1)[0]
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["X-ReSight-Token"] = token
    with host.client() as c:
        return c.post(url, content=json.dumps(body).encode(), headers=headers)


def token(host, marketplace: str = "amazon") -> str:
    return host.env[f"Webhooks__{marketplace}Secret"]


def count_events(store, marketplace: str = "amazon") -> int:
    sql = "SELECT VALUE COUNT(1) FROM c WHERE c.marketplace = @mp"
    return next(store.query("events", sql, [("@mp", marketplace)]))


def stock_of(host) -> int:
    with host.client() as c:
        return c.get(f"/api/item/{ITEM}").json()["stock"]


def amazon_store(host) -> dict:
    with host.client() as c:
        body = c.get("/api/stores", headers=ANALYST).json()
    return next(s for s in body["stores"] if s["marketplace"] == "amazon")


def test_an_enveloped_order_change_counts_once_however_often_it_arrives(devhost, catalogue):
    store = catalogue
    eventually(lambda: stock_of(devhost) == 30)
    before = count_events(store)
    detail = order_change(qty=2)
    event = envelope(detail)
    first = send(devhost, "amazon", event, token(devhost))
    assert first.status_code == 200, first.text
    order_id = detail["Payload"]["OrderChangeNotification"]["AmazonOrderId"]
    event_id = f"amazon:order:{order_id}:OI-1"
    assert first.json()["status"] == "recorded"
    assert [r["id"] for r in first.json()["recorded"]] == [event_id]
    assert store.read("events", event_id, ITEM)["stock_delta"] == -2
    eventually(lambda: stock_of(devhost) == 28)
    # EventBridge retries with the same event; an input transformer sends the bare detail.
    again = send(devhost, "amazon", event, token(devhost))
    bare = send(devhost, "amazon", detail, token(devhost))
    for resp in (again, bare):
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "duplicate"
        assert [d["id"] for d in resp.json()["duplicates"]] == [event_id]
    assert count_events(store) == before + 1
    assert stock_of(devhost) == 28


def test_sales_traffic_and_offers_arrive_with_the_token_and_count_once(devhost, catalogue):
    store = catalogue
    sales = amazons_example("ITEM_SALES_EVENT_CHANGE")
    for row in sales["payload"]["itemSalesEventChanges"]:
        row["asin"] = ASIN
    traffic = amazons_example("DETAIL_PAGE_TRAFFIC_EVENT")
    for row in traffic["payload"]["detailPageTrafficEvents"]:
        row["asin"] = ASIN
    offer = amazons_example("ANY_OFFER_CHANGED")
    offer["Payload"]["AnyOfferChangedNotification"]["OfferChangeTrigger"]["ASIN"] = ASIN
    expected = {"sales": 2, "traffic": 2, "offer": 1}
    before = count_events(store)
    for body, kind in ((sales, "sales"), (traffic, "traffic"), (offer, "offer")):
        event = envelope(body)
        resp = send(devhost, "amazon", event, token(devhost))
        assert resp.status_code == 200, resp.text
        recorded = resp.json()["recorded"]
        assert [r["kind"] for r in recorded] == [kind] * expected[kind]
        assert {r["item_id"] for r in recorded} == {ITEM}  # the ASIN resolved to the listing
        assert send(devhost, "amazon", event, token(devhost)).json()["status"] == "duplicate"
    assert count_events(store) == before + sum(expected.values())


@pytest.mark.parametrize("case", ["wrong", "missing", "no_function_key"])
def test_a_wrong_or_missing_token_or_key_is_refused_and_writes_nothing(devhost, catalogue, case):
    store = catalogue
    before = count_events(store)
    event = envelope(order_change())
    if case == "wrong":
        resp = send(devhost, "amazon", event, token(devhost) + "x")
    elif case == "missing":
        resp = send(devhost, "amazon", event, None)
    else:
        resp = send(devhost, "amazon", event, token(devhost), key=False)
    assert resp.status_code == 401, resp.text
    if case != "no_function_key":  # the host refuses that one before the function runs
        assert resp.json()["error"] == "unauthorized"
    assert count_events(store) == before


def test_the_token_is_refused_on_myntra_unless_enabled(devhost, catalogue):
    store = catalogue
    before = count_events(store, "myntra")
    order = {
        "event": "ORDER_CREATED",
        "order": {
            "orderId": f"MYN-{uuid.uuid4().hex[:6]}",
            "status": "CREATED",
            "lines": [{"lineId": "1", "sellerSku": ITEM, "quantity": 1, "sellingPrice": 1399.0}],
        },
    }
    resp = send(devhost, "myntra", order, token(devhost, "myntra"))
    assert resp.status_code == 401, resp.text
    assert "WEBHOOK_TOKEN_MARKETPLACES" in resp.json()["message"]
    assert count_events(store, "myntra") == before


def test_an_invalid_known_notification_is_a_422_naming_the_field(devhost, catalogue):
    store = catalogue
    before = count_events(store)
    detail = order_change()
    del detail["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"]
    resp = send(devhost, "amazon", envelope(detail), token(devhost))
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "validation_failed"
    assert resp.json()["field"] == "detail.Payload.OrderChangeNotification.Summary.OrderStatus"
    assert count_events(store) == before


def test_an_unknown_type_is_answered_200_recorded_and_counted_once(devhost, catalogue):
    store = catalogue
    before = count_events(store)
    fee = {
        "notificationVersion": "1.0",
        "notificationType": "FEE_PROMOTION",
        "payloadVersion": "1.0",
        "eventTime": "2026-11-21T10:00:00Z",
        "notificationMetadata": {"notificationId": str(uuid.uuid4())},
        "payload": {"feePromotionNotification": {}},
    }
    event = envelope(fee)
    for _ in range(2):  # the redelivery is not counted again
        resp = send(devhost, "amazon", event, token(devhost))
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "ignored"
        assert resp.json()["ignored"] == {
            "notification_type": "FEE_PROMOTION",
            "notification_id": fee["notificationMetadata"]["notificationId"],
        }
    assert count_events(store) == before
    shown = amazon_store(devhost)
    assert shown["ignored_24h"] == 1
    assert shown["ignored"][0]["notification_type"] == "FEE_PROMOTION"
    assert all(r["reason"] != "FEE_PROMOTION" for r in shown["rejected"])


def test_the_token_rotates_with_the_secret_and_a_rotated_out_one_is_refused(devhost, catalogue):
    """Last in the module: it changes the Amazon secret the other tests use."""
    original = token(devhost)

    def rotate() -> str:
        with devhost.client() as c:
            resp = c.post("/api/stores/amazon/rotate-secret", headers=ADMIN)
        assert resp.status_code == 200, resp.text
        return resp.json()["secret"]

    first = rotate()
    for value in (first, original):  # the new one at once, the old one through the grace
        assert send(devhost, "amazon", envelope(order_change()), value).status_code == 200
    second = rotate()
    assert send(devhost, "amazon", envelope(order_change()), second).status_code == 200
    assert send(devhost, "amazon", envelope(order_change()), first).status_code == 200
    refused = send(devhost, "amazon", envelope(order_change()), original)
    assert refused.status_code == 401, refused.text
