"""The SP-API catch-up against the fake SP-API and the local Cosmos server: an order no
notification delivered is found and counted once, also when the notification comes later (and
the other way round); a 429 storm loses nothing; a throttled catch-up holds up no webhook."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devhost.fake_sp_api import FakeSpApi
from shared.adapters.sp_api import SpApiClient
from shared.catalogue.connections import SecretBook
from shared.core.settings import SpApiConnection, get_settings
from shared.ingest import eventbridge, sp_api_catchup, webhook
from shared.ingest.listing_ids import AsinIndex
from shared.ingest.sp_api_catchup import state
from tests.fakes import FakeTime

pytestmark = pytest.mark.integration


@pytest.fixture
def fake(fake_sp_api) -> FakeSpApi:
    return fake_sp_api(page_size=3)


@pytest.fixture
def marketplace() -> str:
    # A marketplace id per test: each has a checkpoint of its own in the module's database.
    return f"A{uuid.uuid4().hex[:12].upper()}"


def settings_for(fake: FakeSpApi, marketplace: str):
    fake.marketplace_id = marketplace
    conn = SpApiConnection(
        endpoint=fake.url,
        tokenUrl=fake.url + "/auth/o2/token",
        marketplaceId=marketplace,
        lwaClientId=fake.client_id,
        lwaClientSecret=fake.client_secret,
        refreshToken=fake.refresh_token,
    )
    return get_settings().model_copy(update={"amazon_sp_api": conn})


def client_for(settings, time: FakeTime | None = None, **kw) -> SpApiClient:
    t = time or FakeTime()
    return SpApiClient(settings.amazon_sp_api, clock=t.clock, sleep=t.sleep, **kw)


def order_id() -> str:
    return f"171-{uuid.uuid4().int % 10**7:07d}-{uuid.uuid4().int % 10**7:07d}"


def order_change(order: str, sku: str, qty: int, item_id: str, status: str) -> bytes:
    """Amazon's own ORDER_CHANGE example (it validates against Amazon's schema) for this
    order, in an EventBridge envelope."""
    name = eventbridge.SCHEMA_FILES["ORDER_CHANGE"]
    body = copy.deepcopy(json.loads((eventbridge.SCHEMA_DIR / name).read_text())["examples"][0])
    body["NotificationMetadata"]["NotificationId"] = str(uuid.uuid4())
    body["EventTime"] = datetime.now(UTC).isoformat()
    change = body["Payload"]["OrderChangeNotification"]
    change["AmazonOrderId"] = order
    change["Summary"]["OrderStatus"] = status
    (item,) = change["Summary"]["OrderItems"]
    item.update(SellerSKU=sku, Quantity=qty, OrderItemId=item_id)
    envelope = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "SP-API notification",
        "source": "aws.partner/sellingpartnerapi.amazon.com/amzn1.sellingpartnerapi.resight",
        "account": "123456789012",
        "time": datetime.now(UTC).isoformat(),
        "region": "eu-west-1",
        "resources": [],
        "detail": body,
    }
    return json.dumps(envelope).encode()


def notify(store, body: bytes) -> webhook.IngestResult:
    """What the Amazon webhook does with an EventBridge delivery (token header)."""
    settings = get_settings()
    assert settings.webhooks.amazon is not None
    headers = {"X-ReSight-Token": settings.webhooks.amazon.get_secret_value()}
    return webhook.ingest_webhook(
        "amazon",
        body,
        headers,
        settings,
        store,
        listings=AsinIndex.for_store(store),
        secrets=SecretBook(store),
    )


def line_events(store, order: str) -> list[dict]:
    return list(
        store.query(
            "events",
            "SELECT c.id, c.kind, c.orders, c.stock_delta, c.units FROM c WHERE c.order_id = @o",
            [("@o", order)],
        )
    )


def test_an_order_no_notification_delivered_is_found_and_counted_once(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    now = datetime.now(UTC)
    placed = order_id()
    sku = f"SKU-{uuid.uuid4().hex[:6]}"
    fake.put_order(
        placed,
        "Unshipped",
        [{"sku": sku, "qty": 2, "item_id": "OI-1"}],
        purchased=now - timedelta(hours=1),
    )
    outcome = sp_api_catchup.run(store, settings, client=client_for(settings))
    assert outcome.status == "ok" and outcome.recorded == 1
    events = line_events(store, placed)
    assert [(e["id"], e["orders"], e["stock_delta"]) for e in events] == [
        (f"amazon:order:{placed}:OI-1", 1, -2)
    ]
    # The notification arrives later: a duplicate, nothing changes.
    late = notify(store, order_change(placed, sku, 2, "OI-1", "Unshipped"))
    assert late.recorded == [] and [e.id for e in late.duplicates] == [events[0]["id"]]
    # The next run sees nothing new (the checkpoint moved) and records nothing.
    again = sp_api_catchup.run(store, settings, client=client_for(settings))
    assert (again.status, again.recorded, again.orders) == ("ok", 0, 0)
    assert len(line_events(store, placed)) == 1


def test_a_notification_first_makes_the_catch_up_a_duplicate(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    now = datetime.now(UTC)
    placed, sku = order_id(), f"SKU-{uuid.uuid4().hex[:6]}"
    first = notify(store, order_change(placed, sku, 1, "OI-7", "Unshipped"))
    assert len(first.recorded) == 1
    fake.put_order(
        placed,
        "Unshipped",
        [{"sku": sku, "qty": 1, "item_id": "OI-7"}],
        purchased=now - timedelta(minutes=30),
    )
    outcome = sp_api_catchup.run(store, settings, client=client_for(settings))
    assert (outcome.recorded, outcome.duplicates) == (0, 1)
    assert len(line_events(store, placed)) == 1


def test_shipments_and_cancellations_are_status_changes(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    now = datetime.now(UTC)
    shipped, cancelled = order_id(), order_id()
    sku = f"SKU-{uuid.uuid4().hex[:6]}"
    fake.put_order(
        shipped,
        "Shipped",
        [{"sku": sku, "qty": 3, "item_id": "OI-S"}],
        purchased=now - timedelta(hours=5),
        updated=now - timedelta(hours=1),
    )
    fake.put_order(
        cancelled,
        "Unshipped",
        [{"sku": sku, "qty": 2, "item_id": "OI-C"}],
        purchased=now - timedelta(hours=6),
        updated=now - timedelta(hours=6),
    )
    assert sp_api_catchup.run(store, settings, client=client_for(settings)).recorded == 3
    # Amazon's items of a cancelled order say 0 ordered; its stock comes back all the same.
    later = datetime.now(UTC) + timedelta(minutes=1)
    fake.put_order(
        cancelled,
        "Canceled",
        [{"sku": sku, "qty": 2, "item_id": "OI-C"}],
        purchased=now - timedelta(hours=6),
        updated=later,
    )
    # Ten minutes on, the cancellation is older than the two minutes Amazon asks to settle.
    outcome = sp_api_catchup.run(
        store, settings, client=client_for(settings), now=lambda: later + timedelta(minutes=9)
    )
    assert (outcome.orders, outcome.recorded) == (1, 1)
    kinds = {e["id"]: (e["kind"], e["stock_delta"]) for e in line_events(store, shipped)}
    assert kinds == {
        f"amazon:order:{shipped}:OI-S": ("order", -3),
        f"amazon:status:{shipped}:OI-S:shipped": ("status", 0),
    }
    kinds = {e["id"]: (e["kind"], e["stock_delta"]) for e in line_events(store, cancelled)}
    assert kinds == {
        f"amazon:order:{cancelled}:OI-C": ("order", -2),
        f"amazon:cancel:{cancelled}:OI-C": ("cancel", 2),
    }


def test_a_429_storm_loses_nothing(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    now = datetime.now(UTC)
    orders = [order_id() for _ in range(7)]
    for i, o in enumerate(orders):
        fake.put_order(
            o,
            "Unshipped",
            [{"sku": f"SKU-STORM-{i}", "qty": 1, "item_id": f"OI-{i}"}],
            purchased=now - timedelta(hours=2, minutes=i),
        )
    before = state.read(store, "catchup", marketplace)
    # The storm outlasts the client's attempts partway through the window.
    t = FakeTime()
    client = client_for(settings, t, attempts=3)
    calls = {"n": 0}
    real = client.get_order_items

    def storm_after_four(order: str):
        calls["n"] += 1
        if calls["n"] == 5:
            fake.throttle("getOrderItems", 50)
        return real(order)

    client.get_order_items = storm_after_four  # type: ignore[method-assign]
    stormy = sp_api_catchup.run(store, settings, client=client)
    assert stormy.status == "failed" and stormy.recorded == 4
    saved = state.read(store, "catchup", marketplace)
    assert saved is not None and before is None
    # The checkpoint stayed at the window's start; the four stored orders are remembered.
    assert saved["checkpoint"] == stormy.checkpoint
    assert len(saved["window_done"]) == 4
    assert saved["operations"]["getOrderItems"]["throttled"] >= 3
    assert saved["last_status"] == "failed" and "getOrderItems" in saved["last_error"]
    fake._faults.clear()  # the storm is over
    after = sp_api_catchup.run(store, settings, client=client_for(settings))
    assert (after.status, after.orders, after.recorded) == ("ok", 3, 3)
    for o in orders:
        assert len(line_events(store, o)) == 1, o


def test_a_throttled_catch_up_holds_up_no_webhook(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    now = datetime.now(UTC)
    fake.put_order(
        order_id(), "Unshipped", [{"sku": "SKU-HOLD", "qty": 1}], purchased=now - timedelta(hours=1)
    )
    fake.throttle("getOrders", 1)
    waiting, release = threading.Event(), threading.Event()

    def backoff(seconds: float) -> None:  # the catch-up's pause after the 429: held open
        waiting.set()
        release.wait(60)

    client = SpApiClient(settings.amazon_sp_api, sleep=backoff)
    run = threading.Thread(
        target=sp_api_catchup.run, args=(store, settings), kwargs={"client": client}
    )
    run.start()
    try:
        assert waiting.wait(30)  # the catch-up is backing off from Amazon's 429 right now
        placed = order_id()
        result = notify(store, order_change(placed, "SKU-HOLD-WEBHOOK", 1, "OI-W", "Unshipped"))
        assert [e.id for e in result.recorded] == [f"amazon:order:{placed}:OI-W"]
        assert run.is_alive()
    finally:
        release.set()
        run.join(60)
    assert state.read(store, "catchup", marketplace)["last_status"] == "ok"
