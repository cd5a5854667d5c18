"""Connection health from what really arrives: signed events, refused deliveries, a rotated
secret whose predecessor keeps working through the grace."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.ingest.signature import signed_headers
from tests.integration.conftest import eventually
from tests.integration.helpers import principal

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")


def _send(host, marketplace: str, body: dict, secret: str):
    raw = json.dumps(body).encode()
    with host.client() as c:
        return c.post(
            host.webhook_url(marketplace),
            content=raw,
            headers={"content-type": "application/json", **signed_headers(secret, raw)},
        )


def _view() -> dict:
    return {"type": "catalog.view", "id": f"evt_{uuid.uuid4().hex[:8]}", "data": {"sku": "SKU-X"}}


def _store(host, marketplace: str) -> dict:
    with host.client() as c:
        body = c.get("/api/stores", headers=ANALYST).json()
    return next(s for s in body["stores"] if s["marketplace"] == marketplace) | {
        "mode": body["mode"]
    }


def test_signed_events_make_a_marketplace_connected_and_refusals_are_counted(devhost, store):
    before = _store(devhost, "meesho")
    assert before["connected"] is False and before["mode"] == "mock"
    assert before["webhook_url"].endswith("/api/integrations/meesho/webhook")
    secret = devhost.env["Webhooks__meeshoSecret"]
    for _ in range(3):
        assert _send(devhost, "meesho", _view(), secret).status_code == 200
    assert _send(devhost, "meesho", _view(), "wrong-secret").status_code == 401
    after = _store(devhost, "meesho")
    assert after["connected"] is True and after["receiving"] is True and after["mode"] == "live"
    assert after["last_event_at"] is not None and after["events_per_minute"] >= 0.6
    assert after["rejected_24h"] == 1 and after["rejected"][0]["reason"] == "unauthorized"
    # A refused delivery wrote no event.
    count = next(
        store.query("events", "SELECT VALUE COUNT(1) FROM c WHERE c.marketplace = 'meesho'", [])
    )
    assert count == 3


def test_a_rotated_secret_works_at_once_and_the_old_one_through_the_grace(devhost):
    old = devhost.env["Webhooks__myntraSecret"]
    with devhost.client() as c:
        refused = c.post(
            "/api/stores/myntra/rotate-secret",
            headers={**ANALYST, "origin": devhost.base_url},
        )
        assert refused.status_code == 403
        rotated = c.post(
            "/api/stores/myntra/rotate-secret", headers={**ADMIN, "origin": devhost.base_url}
        )
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store"
    new = rotated.json()["secret"]
    assert new != old and rotated.json()["previous_valid_until"]
    view = {"event": "PRODUCT_VIEW", "eventId": "", "product": {"sellerSku": "SKU-X"}}
    for secret in (new, old):
        view["eventId"] = uuid.uuid4().hex
        assert _send(devhost, "myntra", view, secret).status_code == 200
    assert _send(devhost, "myntra", view, "neither").status_code == 401
    shown = _store(devhost, "myntra")
    assert shown["secret_rotated_at"] and "secret" not in shown
    with devhost.client() as c:
        audit = c.get("/api/audit?action=store.rotate_secret", headers=ANALYST).json()
    assert audit["entries"] and new not in json.dumps(audit)
    eventually(lambda: _store(devhost, "myntra")["receiving"])
