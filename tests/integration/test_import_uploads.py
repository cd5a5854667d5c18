"""Direct uploads: the dashboard reserves an import, then PUTs the file straight to Blob with a
write-only SAS link (as the browser does, CORS included); the blob trigger imports it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from demo import samples
from shared.adapters.blob import imports_store
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.ingest.bulk import import_records, runner, upload
from tests.integration.helpers import principal
from tests.integration.test_imports import count, finished

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")
TODAY = datetime.now(UTC).date()


def test_a_file_larger_than_the_limit_is_refused_by_the_trigger_and_writes_nothing(store):
    # First in the module: no devhost runs yet, so nothing else picks the blob up.
    settings = get_settings().model_copy(update={"import_max_bytes": 2048})
    blobs = imports_store()
    blobs.ensure_container()
    doc, link = upload.reserve(
        store, blobs, name="big.csv", size=100, kind=None, strict=False, actor="admin",
        max_bytes=settings.import_max_bytes,
    )  # fmt: skip
    # The link cannot cap the size: a browser may send more than it declared.
    sent = httpx.put(link["url"], content=b"date,product_id\n" * 400, headers=link["headers"])
    assert sent.status_code == 201, sent.text
    events = count(store, "events")
    final = runner.process(store, blobs, doc["blob"], settings)
    assert final is not None
    assert final["status"] == "rejected" and "the limit is 2048" in final["reason"]
    assert count(store, "events") == events
    assert blobs.info(doc["blob"]) is None
    assert blobs.info(f"errors/{doc['id']}/big.csv") is not None


def test_a_reservation_whose_file_never_arrives_is_closed_after_its_link_expires(store):
    blobs = imports_store()
    waiting, _ = upload.reserve(
        store, blobs, name="never.csv", size=10, kind=None, strict=False, actor="admin",
        max_bytes=1024,
    )  # fmt: skip
    assert upload.expire_reservations(store, blobs, utcnow()) == []  # its link is still valid
    later = utcnow() + upload.UPLOAD_LINK_TTL + upload.EXPIRY_GRACE + timedelta(seconds=1)
    assert waiting["id"] in upload.expire_reservations(store, blobs, later)
    closed = import_records.get(store, waiting["id"])
    assert closed["status"] == "rejected" and "never arrived" in closed["reason"]
    assert upload.expire_reservations(store, blobs, later) == []


def test_the_dashboard_reserves_uploads_straight_to_blob_and_the_trigger_imports(devhost, store):
    items = samples.products(6, seed=4)
    data = samples.sales_csv(items, TODAY, 120, seed=2).encode()
    with devhost.client() as c:
        refused = c.post(
            "/api/imports/uploads", json={"name": "a.csv", "size": 10}, headers=ANALYST
        )
        assert refused.status_code == 403
        too_big = c.post(
            "/api/imports/uploads",
            json={"name": "a.csv", "size": get_settings().import_max_bytes + 1},
            headers=ADMIN,
        )
        assert too_big.status_code == 413, too_big.text
        assert "limit" in too_big.json()["message"]
        bad_kind = c.post(
            "/api/imports/uploads", json={"name": "a.csv", "size": 10, "kind": "x"}, headers=ADMIN
        )
        assert bad_kind.status_code == 422
        imports = count(store, "imports")
        reserved = c.post(
            "/api/imports/uploads",
            json={"name": "../pos sales.csv", "size": len(data), "kind": "sales"},
            headers=ADMIN,
        )
    assert reserved.status_code == 201, reserved.text
    assert count(store, "imports") == imports + 1
    body = reserved.json()
    job, link = body["import"], body["upload"]
    assert job["status"] == "queued" and job["file"] == "pos sales.csv"
    assert link["method"] == "PUT" and f"incoming/{job['id']}/" in link["url"]

    # The browser's preflight and PUT from the dashboard's origin (Blob CORS set by devhost).
    origin = devhost.base_url
    preflight = httpx.options(
        link["url"],
        headers={
            "origin": origin,
            "access-control-request-method": "PUT",
            "access-control-request-headers": "x-ms-blob-type,content-type",
        },
    )
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == origin
    # The link writes this one blob only.
    elsewhere = link["url"].replace(f"{job['id']}/", f"{job['id']}x/")
    assert httpx.put(elsewhere, content=data, headers=link["headers"]).status_code == 403
    sent = httpx.put(link["url"], content=data, headers={**link["headers"], "origin": origin})
    assert sent.status_code == 201, sent.text
    assert sent.headers["access-control-allow-origin"] == origin

    done = finished(devhost, job["id"])
    assert done["status"] == "imported", done
    assert done["counts"]["rows"] == 120 and done["counts"]["invalid"] == 0
    assert done["actor"] != "blob"  # the reservation's caller, not an anonymous drop
