"""The live loop survives what real sellers send: unknown listings, poison events, order prices,
stray cancellations; an admin completes unknown listings and merges an ASIN into its SKU.

Every test runs through devhost (change-feed emulation, no timers: nothing but the feed can
project) against the real local Cosmos server.
"""

from __future__ import annotations

import uuid

import pytest

from shared.projection import dead_letters
from tests.integration.conftest import eventually
from tests.integration.helpers import (
    amazon_order,
    post_webhook,
    principal,
    seeded_catalogue,
    unprojected,
)

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")


@pytest.fixture(scope="module")
def products(devhost, store):
    return seeded_catalogue(devhost, store, 12, seed=31, history_hours=2)


def _item(host, item_id: str, expect: int = 200) -> dict | None:
    with host.client() as c:
        resp = c.get(f"/api/item/{item_id}", headers=ANALYST)
    return resp.json() if resp.status_code == expect else None


def _admin(host) -> dict[str, str]:
    return {**ADMIN, "origin": host.base_url}


def _amazon_items(products) -> list[dict]:
    return [p for p in products if p["marketplace"] == "amazon"]


def test_an_unknown_listing_is_shown_counted_and_does_not_stop_the_loop(devhost, products):
    unknown = f"AMZ-{uuid.uuid4().hex[:6]}"
    assert post_webhook(devhost, "amazon", amazon_order(unknown, 2, 350.0)).status_code == 200
    shown = eventually(lambda: _item(devhost, unknown))
    assert shown["needs_catalogue_details"] is True
    assert shown["totals"]["orders"] == 1 and shown["last_order_price"] == 350.0
    assert shown["price"] is None and shown["rank"] is None
    with devhost.client() as c:
        listed = c.get("/api/catalogue/unmatched", headers=ANALYST).json()["items"]
        assert unknown in [i["item_id"] for i in listed]
        assert c.get("/api/metrics", headers=ANALYST).json()["kpis"]["needs_details"] >= 1
    # The feed keeps moving for everyone else: a later order for a known item projects.
    known = _amazon_items(products)[0]["item_id"]
    before = _item(devhost, known)["stock"]
    assert post_webhook(devhost, "amazon", amazon_order(known)).status_code == 200
    eventually(lambda: _item(devhost, known)["stock"] == max(0, before - 1), timeout=5)


def test_a_poison_item_is_dead_lettered_while_others_flow_then_replayed(devhost, store, products):
    poison = f"POISON-{uuid.uuid4().hex[:6]}"
    bad = {
        "id": f"test:{poison}",
        "item_id": poison,
        "marketplace": "amazon",
        "kind": "order",
        "raw_type": "TEST",
        "occurred_at": "not a time",  # the fold cannot parse it, however often it tries
        "received_at": "2026-11-21T10:00:00+00:00",
        "source": "webhook",
        "orders": 1,
    }
    assert store.create("events", bad)
    item = _amazon_items(products)[1]["item_id"]
    # Other items' orders keep projecting past the poison one (how soon is
    # bench/bench_resilience.py's figure: projection_beside_poison_ms).
    for _ in range(5):
        before = eventually(lambda: _item(devhost, item))["totals"]["orders"]
        assert post_webhook(devhost, "amazon", amazon_order(item)).status_code == 200
        eventually(
            lambda b=before: _item(devhost, item)["totals"]["orders"] == b + 1,
            timeout=10,
            interval=0.02,
        )

    with devhost.client() as c:
        health = eventually(lambda: c.get("/api/health").json().get("dead_letters"))
        assert health == 1
        listed = c.get("/api/deadletters", headers=ANALYST).json()
    assert listed["items"][0]["item_id"] == poison
    assert "not a time" in listed["items"][0]["error"]
    assert _item(devhost, poison, expect=404) is not None  # not projected: dead-lettered

    # The cause is fixed (the document corrected); the replay rebuilds the item from its log.
    store.upsert("events", {**bad, "occurred_at": "2026-11-21T10:00:00+00:00"})
    assert dead_letters.main(["replay"]) == 0
    assert dead_letters.count(store) == 0
    assert eventually(lambda: _item(devhost, poison))["totals"]["orders"] == 1


def test_an_orders_price_never_becomes_the_listing_price(devhost, products):
    item = _amazon_items(products)[2]
    before = eventually(lambda: _item(devhost, item["item_id"]))
    assert (
        post_webhook(devhost, "amazon", amazon_order(item["item_id"], 1, 100.0)).status_code == 200
    )
    after = eventually(
        lambda: (
            s
            if (s := _item(devhost, item["item_id"]))["totals"]["orders"]
            == before["totals"]["orders"] + 1
            else None
        )
    )
    assert after["price"] == before["price"] != 100.0
    assert after["last_order_price"] == 100.0
    assert after["totals"]["revenue"] == pytest.approx(before["totals"]["revenue"] + 100.0)


def test_a_cancellation_returns_stock_only_for_a_recorded_order_line(devhost, store, products):
    item = next(p for p in products if p["marketplace"] == "myntra")["item_id"]
    start = eventually(lambda: _item(devhost, item))["stock"]

    def myntra(status: str, order_id: str) -> dict:
        line = {"lineId": "1", "sellerSku": item, "quantity": 2, "sellingPrice": 999.0}
        return {
            "event": "ORDER_CREATED" if status == "CREATED" else "ORDER_STATUS_CHANGED",
            "order": {"orderId": order_id, "status": status, "lines": [line]},
        }

    stray = f"MYN-{uuid.uuid4().hex[:6]}"
    assert post_webhook(devhost, "myntra", myntra("CANCELLED", stray)).status_code == 200
    placed = f"MYN-{uuid.uuid4().hex[:6]}"
    assert post_webhook(devhost, "myntra", myntra("CREATED", placed)).status_code == 200
    eventually(lambda: _item(devhost, item)["stock"] == max(0, start - 2))
    assert post_webhook(devhost, "myntra", myntra("CANCELLED", placed)).status_code == 200
    eventually(lambda: _item(devhost, item)["stock"] == start)
    # The stray cancel's own order arrives late: the pair nets to nothing.
    assert post_webhook(devhost, "myntra", myntra("CREATED", stray)).status_code == 200
    eventually(lambda: item not in unprojected(store))  # the late order is applied
    assert _item(devhost, item)["stock"] == start


def test_completing_an_unknown_listing_ranks_it_and_an_asin_merges_into_its_sku(
    devhost, store, products
):
    unknown = f"AMZ-{uuid.uuid4().hex[:6]}"
    assert post_webhook(devhost, "amazon", amazon_order(unknown)).status_code == 200
    eventually(lambda: _item(devhost, unknown))
    with devhost.client() as c:
        total = c.post(
            "/api/rank", json={"limit": 1}, headers={**ANALYST, "origin": devhost.base_url}
        ).json()["total"]
        bad = c.put(f"/api/catalogue/{unknown}", json={"title": "Kurta"}, headers=_admin(devhost))
        assert bad.status_code == 422 and bad.json()["field"] == "category"
        details = {"title": "Cotton kurta", "category": "Ethnic Wear", "price": 799, "stock": 25}
        refused = c.put(
            f"/api/catalogue/{unknown}",
            json=details,
            headers={**ANALYST, "origin": devhost.base_url},
        )
        assert refused.status_code == 403
        done = c.put(f"/api/catalogue/{unknown}", json=details, headers=_admin(devhost))
        assert done.status_code == 200, done.text
        eventually(
            lambda: (
                c.post(
                    "/api/rank", json={"limit": 1}, headers={**ANALYST, "origin": devhost.base_url}
                ).json()["total"]
                == total + 1
            )
        )
    shown = eventually(lambda: (s := _item(devhost, unknown)) and s["price"] == 799 and s)
    assert shown["needs_catalogue_details"] is False and shown["stock"] == 25
    assert shown["rank"] is not None

    # An ASIN seen before the catalogue knew it: its order is counted once, in the SKU.
    asin = "B0" + uuid.uuid4().hex[:8].upper()
    sku = _amazon_items(products)[3]["item_id"]
    assert post_webhook(devhost, "amazon", amazon_order(asin, 1, 650.0)).status_code == 200
    eventually(lambda: _item(devhost, asin))
    orders_before = _item(devhost, sku)["totals"]["orders"]
    with devhost.client() as c:
        details = {"title": "Silk saree", "category": "Ethnic Wear", "price": 2499, "stock": 30}
        merged = c.put(
            f"/api/catalogue/{sku}", json={**details, "asin": asin}, headers=_admin(devhost)
        )
        assert merged.status_code == 200 and merged.json()["merged_from"] == asin
        eventually(lambda: _item(devhost, sku)["totals"]["orders"] == orders_before + 1)
        assert asin not in [
            i["item_id"] for i in c.get("/api/catalogue/unmatched", headers=ANALYST).json()["items"]
        ]
        audit = c.get("/api/audit?action=catalogue.update", headers=ANALYST).json()["entries"]
        assert {e["item_id"] for e in audit} >= {unknown, sku}
    # Later events under the ASIN land in the SKU too.
    assert post_webhook(devhost, "amazon", amazon_order(asin, 1, 650.0)).status_code == 200
    eventually(lambda: _item(devhost, sku)["totals"]["orders"] == orders_before + 2)


def test_a_pin_without_position_goes_to_the_top_and_ids_are_the_servers(devhost, products):
    last = products[-1]["item_id"]
    with devhost.client() as c:
        forged = c.post(
            "/api/rules/pin", json={"item_id": last, "id": "mine"}, headers=_admin(devhost)
        )
        assert forged.status_code == 422 and forged.json()["field"] == "id"
        pin = c.post("/api/rules/pin", json={"item_id": last}, headers=_admin(devhost))
        assert pin.status_code == 201 and pin.json()["position"] == 1
        try:
            top = c.post(
                "/api/rank", json={"limit": 1}, headers={**ANALYST, "origin": devhost.base_url}
            ).json()
            assert top["items"][0]["item_id"] == last
        finally:
            c.delete(f"/api/rules/{pin.json()['id']}", headers=_admin(devhost))
