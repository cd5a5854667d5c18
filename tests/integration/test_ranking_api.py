"""Ranking, explanations, what-if and rules through the API, on the real local services."""

from __future__ import annotations

import time
import uuid

import pytest

from shared.live.triggers import RANKING_INTERVAL
from tests.integration.conftest import eventually
from tests.integration.helpers import principal, seeded_catalogue, unprojected, webhook_ranked_by

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")


@pytest.fixture(scope="module")
def ranked(devhost, store):
    return seeded_catalogue(devhost, store, 30, seed=11, history_hours=24)


def rank(c, **body):
    resp = c.post("/api/rank", json=body, headers=ANALYST)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_rank_orders_by_score_with_filters(devhost, ranked):
    with devhost.client() as c:
        page = rank(c, limit=10)
        assert page["model_version"] and page["total"] == 30
        assert [i["rank"] for i in page["items"]] == list(range(1, 11))
        scores = [i["score"] for i in page["items"]]
        assert scores == sorted(scores, reverse=True)
        category = ranked[0]["category"]
        only = rank(c, category=category, limit=500)
        assert only["items"] and {i["category"] for i in only["items"]} == {category}
        assert only["total"] == sum(1 for p in ranked if p["category"] == category)
        explained = rank(c, limit=2, explain=True)
        assert all("contributions" in i["explanation"] for i in explained["items"])


def test_explanation_adds_up_to_the_raw_score(devhost, ranked):
    with devhost.client() as c:
        for item in rank(c, limit=5)["items"]:
            ex = c.get(f"/api/explain/{item['item_id']}", headers=ANALYST).json()
            total = ex["base_value"] + sum(x["contribution"] for x in ex["contributions"])
            assert total == pytest.approx(ex["raw_score"], rel=1e-6, abs=1e-6)
            # The explanation is the model's; a baseline that ranks this kind of item scores it
            # (``ranked_by``), and its score is the baseline's.
            assert ex["ranked_by"] == item["ranked_by"]
            assert ex["ranked_by"] in webhook_ranked_by()  # the stored evidence's decision
            if item["ranked_by"] == "model":
                assert ex["raw_score"] == pytest.approx(item["score"], abs=1e-5)
                assert "baseline" not in ex
            else:
                # The baseline's own parts add up to its score, which orders the item.
                baseline = ex["baseline"]
                assert baseline["name"] == item["ranked_by"]
                parts = sum(p["contribution"] for p in baseline["parts"])
                assert parts == pytest.approx(baseline["score"], abs=1e-9)
        assert c.get("/api/explain/NOPE", headers=ANALYST).status_code == 404


def _fingerprint(store):
    """What the stores hold, once earlier requests' projections and broadcasts have settled."""
    eventually(lambda: not unprojected(store), timeout=30)
    # Longer than the ranking's coalescing interval: a trailing flush (which writes the
    # minute's rank snapshot) is done.
    time.sleep(RANKING_INTERVAL + 0.3)
    products = {d["id"]: d["_etag"] for d in store.query("products", "SELECT c.id, c._etag FROM c")}
    counts = {
        name: next(store.query(name, "SELECT VALUE COUNT(1) FROM c"))
        for name in ("events", "rules", "audit", "snapshots")
    }
    return products, counts


def test_whatif_predicts_and_writes_nothing(devhost, ranked, store):
    with devhost.client() as c:
        item = rank(c, limit=30)["items"][15]
        before = _fingerprint(store)
        one = c.post(
            "/api/whatif/price",
            json={"item_id": item["item_id"], "new_price": item["price"] * 0.6},
            headers=ANALYST,
        )
        assert one.status_code == 200, one.text
        body = one.json()
        assert body["current"]["rank"] == item["rank"]
        assert isinstance(body["predicted"]["rank"], int) and body["shap_change"]
        prices = [round(item["price"] * f / 10, 2) for f in range(5, 16)]
        curve = c.post(
            "/api/whatif/price",
            json={"item_id": item["item_id"], "prices": prices},
            headers=ANALYST,
        ).json()["curve"]
        assert [p["price"] for p in curve] == prices
        assert all(1 <= p["rank"] <= 30 for p in curve)
        bad = c.post(
            "/api/whatif/price", json={"item_id": item["item_id"], "new_price": -5}, headers=ANALYST
        )
        assert bad.status_code == 422 and bad.json()["field"] == "new_price"
        both = c.post(
            "/api/whatif/price",
            json={"item_id": item["item_id"], "new_price": 10, "prices": [10]},
            headers=ANALYST,
        )
        assert both.status_code == 422 and "exactly one of" in both.json()["message"]
        assert _fingerprint(store) == before


def test_rules_steer_the_ranking_and_are_audited(devhost, ranked, store):
    with devhost.client() as c:
        items = rank(c, limit=30)["items"]
        last, removed = items[-1]["item_id"], items[0]["item_id"]
        pin = c.post("/api/rules/pin", json={"item_id": last, "position": 1}, headers=ADMIN)
        assert pin.status_code == 201, pin.text
        top = rank(c, limit=3)["items"][0]
        assert top["item_id"] == last and top["rules"][0]["type"] == "pin"
        gone = c.post("/api/rules/remove", json={"item_id": removed}, headers=ADMIN).json()
        page = rank(c, limit=500)
        assert removed not in {i["item_id"] for i in page["items"]} and page["total"] == 29
        later = c.post(
            "/api/rules/demote",
            json={"item_id": last, "strength": 1, "valid_from": "2099-01-01T00:00:00Z"},
            headers=ADMIN,
        )
        assert later.status_code == 201 and later.json()["active"] is False
        assert rank(c, limit=1)["items"][0]["item_id"] == last
        audit = c.get("/api/audit?action=rule.create", headers=ANALYST).json()["entries"]
        assert {e["after"]["id"] for e in audit} >= {pin.json()["id"], gone["id"]}
        assert c.delete(f"/api/rules/{gone['id']}", headers=ADMIN).status_code == 200
        assert c.delete(f"/api/rules/{gone['id']}", headers=ADMIN).status_code == 404
        assert rank(c, limit=500)["total"] == 30
        deleted = c.get("/api/audit?action=rule.delete", headers=ANALYST).json()["entries"]
        assert deleted[0]["before"]["id"] == gone["id"] and deleted[0]["after"] is None
        for rule in c.get("/api/rules", headers=ANALYST).json()["rules"]:
            c.delete(f"/api/rules/{rule['id']}", headers=ADMIN)


def test_rule_validation_and_roles_write_nothing(devhost, ranked, store):
    with devhost.client() as c:
        before = _fingerprint(store)
        bad = c.post("/api/rules/pin", json={"item_id": "X", "position": 0}, headers=ADMIN)
        assert bad.status_code == 422 and bad.json()["field"] == "position"
        strength = c.post("/api/rules/boost", json={"item_id": "X", "strength": 3}, headers=ADMIN)
        assert strength.status_code == 422 and strength.json()["field"] == "strength"
        denied = c.post("/api/rules/pin", json={"item_id": "X", "position": 1}, headers=ANALYST)
        assert denied.status_code == 403
        anonymous = c.get("/api/rules", headers={"x-ms-client-principal": ""})
        assert anonymous.status_code == 401
        assert _fingerprint(store) == before


def test_item_details_with_counters_and_rank_history(devhost, ranked):
    with devhost.client() as c:
        # A rule change broadcasts, and a broadcast records the minute's ranks.
        top = rank(c, limit=1)["items"][0]
        rule = c.post(
            "/api/rules/boost", json={"item_id": top["item_id"], "strength": 0.1}, headers=ADMIN
        ).json()
        c.delete(f"/api/rules/{rule['id']}", headers=ADMIN)
        item = c.get(f"/api/item/{top['item_id']}", headers=ANALYST).json()
        assert item["rank"] == 1 and item["score"] == pytest.approx(top["score"], abs=1e-6)
        history = item["rank_history"]
        assert len(history) >= 2  # at least one saved minute, then the live rank
        assert history[-1]["rank"] == 1 and history[0]["t"] < history[-1]["t"]
        day = item["counters"]["24h"]
        assert day["views"] >= day["clicks"] >= 0 and set(day) == {
            "views",
            "clicks",
            "orders",
            "units",
            "revenue",
        }
        assert c.get("/api/item/NOPE", headers=ANALYST).status_code == 404


def test_audit_is_newest_first_and_pages_with_a_continuation(devhost, ranked):
    with devhost.client() as c:
        items = rank(c, limit=3)["items"]
        for item in items:  # three audited changes, oldest first
            rule = c.post(
                "/api/rules/demote",
                json={"item_id": item["item_id"], "strength": 0.2},
                headers=ADMIN,
            ).json()
            c.delete(f"/api/rules/{rule['id']}", headers=ADMIN)
        first = c.get("/api/audit?limit=2&action=rule.delete", headers=ANALYST).json()
        assert len(first["entries"]) == 2 and first["continuation"]
        second = c.get(
            "/api/audit",
            params={"limit": 2, "action": "rule.delete", "continuation": first["continuation"]},
            headers=ANALYST,
        ).json()
        pages = first["entries"] + second["entries"]
        times = [e["at"] for e in pages]
        assert times == sorted(times, reverse=True) and len(set(e["id"] for e in pages)) == 4
        assert first["entries"][0]["item_id"] == items[-1]["item_id"]  # the newest change
        bad = c.get("/api/audit?limit=0", headers=ANALYST)
        assert bad.status_code == 422 and bad.json()["field"] == "limit"


def test_chart_series_count_an_order_in_its_minute_and_marketplace(devhost, ranked):
    from tests.integration.helpers import post_webhook

    item = next(p for p in ranked if p["marketplace"] == "amazon")
    with devhost.client() as c:

        def amazon_by_minute() -> dict[str, float]:
            points = c.get("/api/metrics/series?range=hour", headers=ANALYST).json()["points"]
            assert len(points) == 60
            return {p["t"]: p["amazon"]["revenue"] for p in points}

        before = amazon_by_minute()
        order = {
            "eventType": "ORDER_PLACED",
            "asin": item["item_id"],
            "price": item["price"],
            "quantity": 1,
            "orderId": f"402-series-{uuid.uuid4().hex[:8]}",
        }
        assert post_webhook(devhost, "amazon", order).status_code == 200
        after = amazon_by_minute()
        grew = {
            t: round(v - before.get(t, 0.0), 2) for t, v in after.items() if v != before.get(t, 0.0)
        }
        assert list(grew.values()) == [item["price"]]  # one minute, by exactly this order
        day = c.get("/api/metrics/series?range=day", headers=ANALYST).json()
        assert day["step"] == "hour" and len(day["points"]) == 24
        bad = c.get("/api/metrics/series?range=week", headers=ANALYST)
        assert bad.status_code == 422 and bad.json()["field"] == "range"


def test_bad_api_input_is_refused_and_names_the_field(devhost, ranked, store):
    with devhost.client() as c:
        before = _fingerprint(store)
        for body, field in (
            ({"limit": 501}, "limit"),
            ({"marketplace": "flipkart"}, "marketplace"),
            ({"colour": "red"}, "colour"),
        ):
            resp = c.post("/api/rank", json=body, headers=ANALYST)
            assert resp.status_code == 422 and resp.json()["field"] == field, resp.text
        malformed = c.post("/api/rank", content=b"{limit", headers=ANALYST)
        assert malformed.status_code == 400 and malformed.json()["error"] == "malformed_json"
        unknown = c.post("/api/stores/flipkart/connect", headers=ADMIN)
        assert unknown.status_code == 404
        assert _fingerprint(store) == before
