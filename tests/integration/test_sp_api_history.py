"""A year of history from the fake Reports API through the order-export import, on the local
Cosmos server and Azurite: chunks requested, polled, downloaded gunzipped, imported with the
Amazon preset; and the report's lines (no order item id) counted once with the notification's
and the catch-up's, whichever came first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devhost.fake_sp_api import FakeSpApi
from shared.adapters.blob import imports_store
from shared.ingest import sp_api_catchup, sp_api_history
from shared.ingest.bulk import import_pipeline
from tests.integration.test_sp_api_catchup import (
    client_for,
    line_events,
    notify,
    order_change,
    order_id,
    settings_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def imports_container(store):
    imports_store().ensure_container()


@pytest.fixture
def fake(fake_sp_api) -> FakeSpApi:
    return fake_sp_api(page_size=50)


@pytest.fixture
def marketplace() -> str:
    return f"A{uuid.uuid4().hex[:12].upper()}"


def backfill(store, settings, client, days: int) -> dict:
    """Timer runs until every chunk's import is done, each import run as the blob trigger's
    pipeline runs it (``runner.process``)."""
    sp_api_history.request(store, settings, actor="test", days=days)
    for _ in range(12):
        doc = sp_api_history.advance(store, imports_store(), settings, client)
        assert doc is not None
        for chunk in doc["chunks"]:
            if chunk["status"] == "importing":
                record = store.read("imports", chunk["import_id"], chunk["import_id"])
                if record["status"] == "queued":
                    import_pipeline.import_blob(record["blob"])
        if doc["status"] != "running":
            return doc
    raise AssertionError(f"the backfill did not finish: {doc}")


def order_lines(store, order: str) -> list[tuple[str, int]]:
    return sorted((e["id"], e["orders"]) for e in line_events(store, order) if e["kind"] == "order")


def test_a_year_lands_in_chunks_and_each_order_counts_once(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    now = datetime.now(UTC)
    orders = {}
    for days_ago in (2, 40, 100, 200, 300):
        o = order_id()
        sku = f"SKU-H-{days_ago}"
        fake.put_order(
            o,
            "Shipped",
            [{"sku": sku, "qty": 2, "price": 799.0}],
            purchased=now - timedelta(days=days_ago),
        )
        orders[o] = sku
    old = order_id()  # older than the year asked for
    fake.put_order(
        old, "Shipped", [{"sku": "SKU-OLD", "qty": 1}], purchased=now - timedelta(days=400)
    )
    doc = backfill(store, settings, client_for(settings), 365)
    assert doc["status"] == "done", [
        (c["status"], c.get("reason")) for c in doc["chunks"] if c["status"] != "imported"
    ]
    assert len(doc["chunks"]) == 13  # 365 days in chunks of 30
    # Chunks with no order are empty (the report is a header alone), not imported.
    assert sorted(c["status"] for c in doc["chunks"]).count("imported") == 5
    assert {c["status"] for c in doc["chunks"]} == {"imported", "empty"}
    assert sum(c.get("rows") or 0 for c in doc["chunks"]) == 5
    assert fake.calls("createReport") == 13
    for o, sku in orders.items():
        assert order_lines(store, o) == [(f"amazon:order:{o}:{sku}", 1)]
    assert line_events(store, old) == []
    shown = sp_api_history.progress(doc, store)
    assert shown is not None
    assert (shown["chunks_total"], shown["chunks"], shown["rows_imported"]) == (
        13,
        {"imported": 5, "empty": 8},
        5,
    )


def test_a_report_first_then_notification_and_catch_up_count_once(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    now = datetime.now(UTC)
    # A space: the report's line id replaces it as the import does (a slash would too, but a
    # SKU with a slash cannot be read back as a product id from the local Cosmos server).
    o, sku = order_id(), f"SKU A {uuid.uuid4().hex[:4]}"
    fake.put_order(
        o,
        "Unshipped",
        [{"sku": sku, "qty": 2, "item_id": "OI-9", "price": 500.0}],
        purchased=now - timedelta(hours=3),
    )
    backfill(store, settings, client_for(settings), 1)
    by_sku = sku.replace(" ", "_")
    assert order_lines(store, o) == [(f"amazon:order:{o}:{by_sku}", 1)]
    # The notification of the same order names the line by its order item id: it takes the
    # report's id and is a duplicate; its shipment is recorded under the same line.
    late = notify(store, order_change(o, sku, 2, "OI-9", "Unshipped"))
    assert late.recorded == [] and [e.id for e in late.duplicates] == [f"amazon:order:{o}:{by_sku}"]
    shipped = notify(store, order_change(o, sku, 2, "OI-9", "Shipped"))
    assert [e.id for e in shipped.recorded] == [f"amazon:status:{o}:{by_sku}:shipped"]
    caught = sp_api_catchup.run(store, settings, client=client_for(settings))
    assert (caught.orders, caught.recorded) == (1, 0)
    assert order_lines(store, o) == [(f"amazon:order:{o}:{by_sku}", 1)]


def test_a_notification_first_then_the_report_counts_once(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    now = datetime.now(UTC)
    o, sku = order_id(), f"SKU-N-{uuid.uuid4().hex[:4]}"
    first = notify(store, order_change(o, sku, 1, "OI-4", "Unshipped"))
    assert [e.id for e in first.recorded] == [f"amazon:order:{o}:OI-4"]
    fake.put_order(
        o,
        "Unshipped",
        [{"sku": sku, "qty": 1, "item_id": "OI-4", "price": 250.0}],
        purchased=now - timedelta(hours=1),
    )
    doc = backfill(store, settings, client_for(settings), 1)
    assert doc["status"] == "done" and doc["chunks"][0]["rows"] == 1
    assert order_lines(store, o) == [(f"amazon:order:{o}:OI-4", 1)]


def test_a_throttled_reports_api_waits_for_the_next_run(store, fake, marketplace):
    settings = settings_for(fake, marketplace)
    fake.put_order(
        order_id(),
        "Unshipped",
        [{"sku": "SKU-T", "qty": 1}],
        purchased=datetime.now(UTC) - timedelta(hours=1),
    )
    sp_api_history.request(store, settings, actor="test", days=1)
    fake.throttle("createReport", 20)
    doc = sp_api_history.advance(store, imports_store(), settings, client_for(settings, attempts=2))
    assert doc is not None and doc["status"] == "running"
    assert doc["chunks"][0]["status"] == "pending" and "createReport" in doc["error"]
    assert doc["operations"]["createReport"]["throttled"] == 2
    fake._faults.clear()
    assert backfill(store, settings, client_for(settings), 1)["status"] == "done"
