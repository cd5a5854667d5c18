"""Bulk imports end to end on the local stack: upload through the API, the emulated Event Grid
blob trigger, validation, events, the projection, the report beside the file in Blob."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from demo import samples
from shared.adapters.blob import imports_store
from tests.integration.conftest import eventually
from tests.integration.helpers import principal, unprojected

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")
TODAY = datetime.now(UTC).date()


def upload(host, name: str, content: bytes | str, **form) -> dict:
    data = content.encode() if isinstance(content, str) else content
    with host.client() as c:
        resp = c.post(
            "/api/imports",
            files={"file": (name, data)},
            data={k: str(v).lower() for k, v in form.items()},
            headers=ADMIN,
        )
    assert resp.status_code == 202, resp.text
    return resp.json()


def finished(host, import_id: str, timeout: float = 60) -> dict:
    with host.client() as c:

        def done():
            doc = c.get(f"/api/imports/{import_id}", headers=ANALYST).json()
            return doc if doc["status"] in ("imported", "rejected") else None

        return eventually(done, timeout=timeout, interval=0.2)


def count(store, container: str, where: str = "") -> int:
    return next(store.query(container, f"SELECT VALUE COUNT(1) FROM c {where}"))


def settled(store) -> None:
    eventually(lambda: not unprojected(store), timeout=60)


@pytest.fixture(scope="module")
def items():
    return samples.products(12, seed=3)


def test_a_sales_file_imports_as_hourly_events_and_moves_counters(devhost, store, items):
    text = samples.sales_csv(items, TODAY, 600, seed=1)
    job = upload(devhost, "pos_sales.csv", text)
    assert job["status"] == "queued" and job["links"]["self"] == f"/api/imports/{job['id']}"
    doc = finished(devhost, job["id"])
    assert doc["status"] == "imported" and doc["kind"] == "sales"
    assert doc["counts"]["rows"] == 600 and doc["counts"]["invalid"] == 0
    assert doc["progress"] == {
        "phase": "done", "rows_done": 600, "rows_total": 600, "percent": 100.0
    }  # fmt: skip
    events = list(store.query("events", "SELECT * FROM c WHERE c.raw_type = 'SALES_FILE'"))
    assert len(events) == doc["counts"]["events_new"] < 600  # aggregated per product and hour
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(e["units"] for e in events) == sum(int(r["quantity_sold"]) for r in rows)
    assert sum(e["revenue"] for e in events) == pytest.approx(
        sum(float(r["revenue"]) for r in rows), abs=0.05
    )
    settled(store)
    product = store.read("products", items[0].product_id, items[0].product_id)
    assert product["totals"]["units"] == sum(
        int(r["quantity_sold"]) for r in rows if r["product_id"] == items[0].product_id
    )
    # The file and its report are beside each other in processed/.
    names = imports_store().list_names(f"processed/{job['id']}/")
    assert names == [
        f"processed/{job['id']}/pos_sales.csv",
        f"processed/{job['id']}/pos_sales.csv.report.json",
    ]
    assert not imports_store().list_names(f"incoming/{job['id']}/")


def test_an_inventory_file_sets_stock_per_location(devhost, store, items):
    text = samples.inventory_csv(items, TODAY, seed=2)
    doc = finished(devhost, upload(devhost, "stock.csv", text)["id"])
    assert doc["status"] == "imported" and doc["kind"] == "inventory"
    assert doc["counts"]["events_new"] == len(items) * len(samples.LOCATIONS)
    settled(store)
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["product_id"] == items[1].product_id]
    product = store.read("products", items[1].product_id, items[1].product_id)
    assert product["stock"] == sum(int(r["stock_level"]) for r in rows)
    assert set(product["stock_locations"]) == set(samples.LOCATIONS)
    assert product["stock_reserved"] == sum(int(r["reserved_stock"]) for r in rows)


def test_a_demand_file_keeps_the_signals_and_the_competitor_price(devhost, store, items):
    text = samples.demand_csv(items, TODAY, seed=2)
    doc = finished(devhost, upload(devhost, "signals.csv", text, kind="demand")["id"])
    assert doc["status"] == "imported" and doc["counts"]["events_new"] == len(items)
    settled(store)
    row = next(
        r for r in csv.DictReader(io.StringIO(text)) if r["product_id"] == items[2].product_id
    )
    product = store.read("products", items[2].product_id, items[2].product_id)
    assert product["demand"]["external_demand"] == row["external_demand"]
    assert product["demand"]["market_trend"] == pytest.approx(float(row["market_trend"]))
    assert product["competitor_price"] == pytest.approx(float(row["competitor_price"]))


def test_a_reimport_under_another_name_changes_nothing(devhost, store, items):
    text = samples.sales_csv(items, TODAY - timedelta(days=1), 300, seed=9)
    first = finished(devhost, upload(devhost, "day1.csv", text)["id"])
    settled(store)
    before = {
        d["id"]: (d["totals"], d["stock"], d["_etag"])
        for d in store.query("products", "SELECT c.id, c.totals, c.stock, c._etag FROM c")
    }
    events = count(store, "events")
    # Same rows, shuffled, in a file with another name.
    lines = text.splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    again = finished(devhost, upload(devhost, "copy of day1.csv", shuffled)["id"])
    assert again["status"] == "imported"
    # Every row was imported before: dropped by natural key, named as a warning.
    assert again["counts"]["events_new"] == 0
    assert again["counts"]["duplicates"] == again["counts"]["valid"] == 300
    assert first["counts"]["duplicates"] == 0
    warning = again["warnings_sample"][0]
    assert warning["rule"] == "duplicate" and first["id"] in warning["detail"]
    settled(store)
    assert count(store, "events") == events
    after = {
        d["id"]: (d["totals"], d["stock"], d["_etag"])
        for d in store.query("products", "SELECT c.id, c.totals, c.stock, c._etag FROM c")
    }
    assert after == before


def test_a_corrupted_file_is_reported_row_by_row_and_imports_only_valid_rows(devhost, store, items):
    text, planted = samples.corrupted_sales_csv(items, TODAY - timedelta(days=2), rows=60, seed=4)
    events = count(store, "events")
    doc = finished(devhost, upload(devhost, "broken.csv", text)["id"])
    assert doc["status"] == "imported"
    assert doc["counts"]["invalid"] == len(planted) and doc["counts"]["valid"] == 60 - len(planted)
    with devhost.client() as c:
        report = c.get(f"/api/imports/{doc['id']}/report?format=csv", headers=ANALYST)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    reported = [
        (int(r["row"]), r["column"], r["value"], r["rule"])
        for r in csv.DictReader(io.StringIO(report.text))
    ]
    for row, column, value, rule in planted:
        assert any(
            r == row and c == column and v == value and rule in rl for r, c, v, rl in reported
        ), (row, column, rule, reported)
    assert {r for r, *_ in reported} == {p[0] for p in planted}
    # Only valid rows became events: their units add up to the valid rows' units.
    rows = list(csv.DictReader(io.StringIO(text)))
    bad = {p[0] for p in planted}
    valid_units = sum(int(r["quantity_sold"]) for i, r in enumerate(rows) if i + 2 not in bad)
    new = list(
        store.query(
            "events",
            "SELECT c.units FROM c WHERE c.raw_type = 'SALES_FILE' "
            "AND c.occurred_at >= @a AND c.occurred_at < @b",
            [
                (
                    "@a",
                    (
                        datetime.combine(TODAY - timedelta(days=3), datetime.min.time(), UTC)
                    ).isoformat(),
                ),
                (
                    "@b",
                    (
                        datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), UTC)
                        - timedelta(hours=6)
                    ).isoformat(),
                ),
            ],
        )
    )
    assert count(store, "events") == events + doc["counts"]["events_new"]
    assert sum(e["units"] for e in new) >= valid_units - 0  # the day's file only adds valid rows


def test_strict_mode_rejects_the_whole_file_and_writes_nothing(devhost, store, items):
    text, planted = samples.corrupted_sales_csv(items, TODAY - timedelta(days=5), rows=30, seed=5)
    settled(store)
    events, products = count(store, "events"), count(store, "products")
    doc = finished(devhost, upload(devhost, "strict.csv", text, strict=True)["id"])
    assert doc["status"] == "rejected" and "strict mode" in doc["reason"]
    assert doc["counts"]["invalid"] == len(planted)
    assert count(store, "events") == events and count(store, "products") == products
    names = imports_store().list_names(f"errors/{doc['id']}/")
    assert f"errors/{doc['id']}/strict.csv" in names
    assert f"errors/{doc['id']}/strict.csv.errors.csv" in names


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("colours.csv", "colour,size\nred,M\n", "match no file kind"),
        ("sales_short.csv", "date,product_id,channel\n2026-11-20,SKU-1,pos\n", "quantity_sold"),
        ("book.xlsx", b"not a workbook", "not a readable workbook"),
    ],
)
def test_unknown_or_incomplete_files_go_to_errors_with_a_reason(
    devhost, store, name, content, reason
):
    events = count(store, "events")
    doc = finished(devhost, upload(devhost, name, content)["id"])
    assert doc["status"] == "rejected" and reason in doc["reason"], doc["reason"]
    assert count(store, "events") == events
    report = imports_store().get_text(f"errors/{doc['id']}/{name}.report.json").text
    assert reason in report


def test_upload_refuses_bad_requests_and_readers(devhost, store):
    imports = count(store, "imports")
    with devhost.client() as c:
        assert (
            c.post("/api/imports", files={"file": ("a.csv", b"x")}, headers=ANALYST).status_code
            == 403
        )
        empty = c.post("/api/imports", files={"file": ("a.csv", b"")}, headers=ADMIN)
        assert empty.status_code == 422 and empty.json()["field"] == "file"
        kind = c.post(
            "/api/imports", files={"file": ("a.csv", b"x")}, data={"kind": "nope"}, headers=ADMIN
        )
        assert kind.status_code == 422 and kind.json()["field"] == "kind"
        nameless = c.post("/api/imports", content=b"a,b\n", headers=ADMIN)
        assert nameless.status_code == 422
        assert c.get("/api/imports/nope", headers=ANALYST).status_code == 404
        listed = c.get("/api/imports?limit=5", headers=ANALYST).json()["imports"]
        assert len(listed) <= 5 and all("progress" in i for i in listed)
    assert count(store, "imports") == imports


def test_a_raw_body_upload_works_too(devhost, store, items):
    text = samples.demand_csv(items[:3], TODAY - timedelta(days=1), seed=8)
    with devhost.client() as c:
        resp = c.post(
            "/api/imports?name=signals-raw.csv&kind=demand",
            content=text.encode(),
            headers={**ADMIN, "content-type": "text/csv"},
        )
    assert resp.status_code == 202, resp.text
    assert finished(devhost, resp.json()["id"])["counts"]["events_new"] == 3
