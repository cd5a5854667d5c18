"""Completeness judges the seller's day a file covers. A correct inventory file of one row
dated today (a new product, ``wh-main``, 80 units) once read as "Completeness 0.0%", critical:
the row was dated midnight in India, 18:30 UTC the day before, so it counted for yesterday in
UTC while the run judged today in UTC, with that one product-location expected and missing.
Days are the seller's now (``IMPORT_TIMEZONE``), and an import's run judges the day its file
covers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.adapters.blob import imports_store
from shared.ingest.bulk import import_pipeline
from shared.quality import runs
from tests.integration.conftest import eventually
from tests.integration.helpers import principal

pytestmark = pytest.mark.integration
IST = ZoneInfo("Asia/Kolkata")
ADMIN, ANALYST = principal("admin"), principal("analyst")


def completeness(run: dict) -> dict:
    return next(r for r in run["results"] if r["name"] == "completeness")


def test_one_row_dated_today_is_complete_and_not_critical(devhost, store):
    today = datetime.now(UTC).astimezone(IST).date()
    text = f"date,product_id,location,stock_level\n{today.isoformat()},SKU-NEW-1,wh-main,80\n"
    with devhost.client() as c:
        resp = c.post(
            "/api/imports", files={"file": ("stock_today.csv", text.encode())}, headers=ADMIN
        )
        assert resp.status_code == 202, resp.text
        job = resp.json()["id"]

        def done():
            doc = c.get(f"/api/imports/{job}", headers=ANALYST).json()
            return doc if doc["status"] in ("imported", "rejected") else None

        doc = eventually(done, timeout=60, interval=0.2)
        assert doc["status"] == "imported" and doc["counts"]["events_new"] == 1
        assert doc["covers"] == {"first": today.isoformat(), "last": today.isoformat()}

        def quality_after_import():
            run = c.get("/api/quality", headers=ANALYST).json()["run"]
            return run if run and run["trigger"] == f"import:{job}" else None

        run = eventually(quality_after_import, timeout=60, interval=0.2)
    check = completeness(run)
    assert run["day"] == today.isoformat()
    assert check["status"] == "pass" and check["value"] == 1.0, check
    assert check["details"]["day"] == today.isoformat()
    assert check["details"] == {**check["details"], "expected": 1, "reported": 1, "missing": []}
    assert run["failed"]["critical"] == 0 and run["status"] != "critical"


def test_the_run_and_the_rows_use_the_sellers_day_at_any_hour(store, env):
    """00:30 in India is 19:00 UTC the day before: a count dated that Indian day is that day's,
    and the run's default day is that day too; a location missing from it is still found."""
    blobs = imports_store()
    blobs.ensure_container()
    day = datetime.now(UTC).astimezone(IST).date() + timedelta(days=30)
    rows = [f"{(day - timedelta(days=1)).isoformat()},SKU-EDGE-{n},wh-main,5" for n in range(4)] + [
        f"{day.isoformat()},SKU-EDGE-{n},wh-main,4" for n in range(3)
    ]
    text = "date,product_id,location,stock_level\n" + "\n".join(rows) + "\n"
    blobs.upload_stream("incoming/edge_stock.csv", [text.encode()])
    doc = import_pipeline.import_blob("incoming/edge_stock.csv")
    assert doc is not None and doc["status"] == "imported"
    now = datetime.combine(day, time(0, 30), IST).astimezone(UTC)
    assert now.date() == day - timedelta(days=1)  # in UTC, still the day before
    run = runs.run(store, trigger="test-edge", now=now)
    check = completeness(run)
    assert run["day"] == day.isoformat() and check["details"]["day"] == day.isoformat()
    assert check["value"] == pytest.approx(3 / 4) and check["status"] == "fail"
    assert check["details"]["missing"] == ["SKU-EDGE-3@wh-main"]
