"""The import pipeline in process, on Azurite and the local Cosmos server: the daily_update
workbook, a crash between steps, the sweep that finds missed files, and Excel lock files."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from PIL import Image

from demo import samples
from shared.adapters.blob import imports_store
from shared.core.settings import get_settings
from shared.ingest.bulk import catalogue, import_pipeline, import_records, runner, writer
from shared.projection import apply

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def blobs(env):
    store = imports_store()
    store.ensure_container()
    return store


def drop(blobs, name: str, data: bytes, **metadata) -> str:
    blobs.upload_stream(f"incoming/{name}", [data], metadata=metadata or None)
    return f"incoming/{name}"


def project_all(store) -> None:
    events = sorted(store.query("events", "SELECT * FROM c"), key=lambda d: d["_ts"])
    apply.project_batch(store, events)


def count(store, container: str) -> int:
    return next(store.query(container, "SELECT VALUE COUNT(1) FROM c"))


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 90)).save(out, format="PNG")
    return out.getvalue()


def test_the_daily_update_workbook_upserts_shops_catalogue_stock_and_prices(store, blobs):
    items = samples.products(4, seed=21, prefix="SKU-WB")
    book = samples.workbook_bytes(items, image=png(), seed=2)
    doc = runner.process(store, blobs, drop(blobs, "daily_update.xlsx", book), get_settings())
    assert doc is not None and doc["status"] == "imported", doc
    counts = doc["counts"]
    assert counts["invalid"] == 0 and counts["locations"] == 2 and counts["images"] == 1
    assert counts["products_created"] == 4
    assert counts["events_new"] == 4 * 2 * 2  # stock and price per product and shop
    assert {d["id"] for d in store.query("locations", "SELECT c.id FROM c")} == {"ST01", "ST02"}
    project_all(store)
    first = store.read("products", items[0].product_id, items[0].product_id)
    assert first["catalogued"] and first["title"] == "Cotton kurta 0"
    assert first["image"] == "images/STY-0000.png"
    assert blobs.get_bytes("images/STY-0000.png")[:4] == b"\x89PNG"
    assert set(first["stock_locations"]) == {"ST01", "ST02"}
    assert first["stock"] == sum(c["value"] for c in first["stock_locations"].values())
    assert first["price"] == items[0].price
    assert first["price_history"][-1] == {
        "price": items[0].price,
        "valid_from": first["price_history"][-1]["valid_from"],
        "valid_to": None,
    }
    assert first["stock_days"] and first["department"] == "women"
    # A second product gets its image by style code from what is stored already.
    second = store.read("products", items[1].product_id, items[1].product_id)
    assert second.get("image") is None

    # The same workbook again (another name, same day): nothing changes.
    events, etag = count(store, "events"), first["_etag"]
    again = runner.process(store, blobs, drop(blobs, "copy.xlsx", book), get_settings())
    assert again is not None and again["status"] == "imported"
    assert again["counts"]["events_new"] == 0 and again["counts"]["products_updated"] == 0
    assert count(store, "events") == events
    assert store.read("products", items[0].product_id, items[0].product_id)["_etag"] == etag


def test_a_price_change_closes_the_previous_price(store, blobs):
    items = samples.products(1, seed=33, prefix="SKU-PRC")
    book = samples.workbook_bytes(items)
    runner.process(store, blobs, drop(blobs, "p1.xlsx", book), get_settings())
    new_price = items[0].price - 100
    # The next day's file says the price fell: the first price gets its valid-to.
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    frame = pd.DataFrame(
        {
            "store_id": ["ST01"],
            "product_id": [items[0].product_id],
            "quantity": [3],
            "current_price": [new_price],
        }
    )
    resolve = {items[0].product_id: items[0].product_id}
    planned = catalogue.stock_events(
        frame, resolve, lambda _: "amazon", tomorrow, tomorrow, catalogue.CatalogueCounts()
    )
    writer.append_all(store, planned)
    project_all(store)
    product = store.read("products", items[0].product_id, items[0].product_id)
    history = product["price_history"]
    assert [h["price"] for h in history] == [items[0].price, new_price]
    assert history[0]["valid_to"] == history[1]["valid_from"] and history[1]["valid_to"] is None
    assert product["price"] == new_price


class Crash(Exception):
    pass


def test_a_crash_between_steps_loses_nothing_and_duplicates_nothing(store, blobs, monkeypatch):
    items = samples.products(6, seed=44, prefix="SKU-CRASH")
    text = samples.sales_csv(items, datetime.now(UTC).date() - timedelta(days=4), 400, seed=44)
    name = drop(blobs, "crash_sales.csv", text.encode())
    real = writer.append_all

    def half_then_crash(store_, planned, on_rows=None, **kwargs):
        planned = list(planned)
        real(store_, planned[: len(planned) // 2], on_rows, **kwargs)
        raise Crash("the instance died")

    monkeypatch.setattr(writer, "append_all", half_then_crash)
    with pytest.raises(Crash):
        runner.process(store, blobs, name, get_settings())
    assert blobs.info(name) is not None  # still in incoming/
    import_id = runner.import_id_of(blobs.info(name))
    assert import_records.get(store, import_id)["status"] == "processing"
    monkeypatch.setattr(writer, "append_all", real)
    # A redelivery while the first attempt looks alive is left alone ...
    assert runner.process(store, blobs, name, get_settings()) is None
    # ... and picked up once it is stale: the sweep finishes the job.
    monkeypatch.setattr(runner, "STALE", timedelta(0))
    assert import_pipeline.sweep() == 1
    done = import_records.get(store, import_id)
    assert done["status"] == "imported"
    assert done["counts"]["events_duplicate"] > 0  # the half written before the crash
    total = done["counts"]["events_new"] + done["counts"]["events_duplicate"]
    events = list(
        store.query(
            "events",
            "SELECT c.units FROM c WHERE c.raw_type = 'SALES_FILE' "
            "AND ARRAY_CONTAINS(@ids, c.item_id)",
            [("@ids", [i.product_id for i in items])],
        )
    )
    assert len(events) == total
    rows = text.splitlines()[1:]
    assert sum(e["units"] for e in events) == sum(int(r.split(",")[3]) for r in rows)
    assert blobs.info(name) is None
    assert blobs.info(f"processed/{import_id}/crash_sales.csv") is not None


def test_the_sweep_skips_fresh_files_and_excel_lock_files(store, blobs, monkeypatch):
    lock = drop(blobs, "~$daily_update.xlsx", b"lock")
    fresh = drop(blobs, "fresh.csv", b"date,product_id,external_demand\n")
    assert runner.process(store, blobs, lock, get_settings()) is None
    assert import_pipeline.sweep() == 0  # fresh: the trigger has it; the lock file is never data
    monkeypatch.setattr(runner, "STALE", timedelta(0))
    assert import_pipeline.sweep() == 1
    assert blobs.info(fresh) is None and blobs.info(lock) is not None
    blobs.delete(lock)


def test_the_import_trigger_is_followed_by_a_quality_run_of_the_day_the_file_covers(store, blobs):
    """The function app composes the follow-up: ingestion sits below the quality checks."""
    from types import SimpleNamespace

    from functions.imports import import_blob as trigger

    day = datetime.now(UTC).date() - timedelta(days=3)
    text = f"date,product_id,location,stock_level\n{day.isoformat()},SKU-QA-1,wh-main,7\n"
    name = drop(blobs, "after_import_stock.csv", text.encode())
    import_id = runner.import_id_of(blobs.info(name))
    trigger(SimpleNamespace(name=f"{get_settings().imports_container}/{name}"))
    assert import_records.get(store, import_id)["status"] == "imported"
    found = list(
        store.query(
            "quality",
            "SELECT c.day FROM c WHERE STARTSWITH(c.id, @id)",
            [("@id", f"import:{import_id}:")],
        )
    )
    assert found == [{"day": day.isoformat()}]


def test_a_failing_follow_up_never_fails_the_import(store, blobs):
    text = "date,product_id,location,stock_level\n2026-10-01,SKU-QA-2,wh-main,3\n"
    name = drop(blobs, "after_import_fails.csv", text.encode())
    calls = []

    def broken(import_id, day):
        calls.append((import_id, day))
        raise RuntimeError("the checks are down")

    doc = import_pipeline.import_blob(name, after=broken)
    assert doc is not None and doc["status"] == "imported"
    assert calls == [(doc["id"], datetime(2026, 10, 1).date())]
