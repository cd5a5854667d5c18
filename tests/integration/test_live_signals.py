"""Live mode on what Amazon really sends: a week of hourly traffic and sales notifications and
ORDER_CHANGE (no clicks, no order prices), through the real webhook path. The ranking, the KPIs
and the explanations must stay sensible: no NaN shown, no percentage over 100, the ranking
following what sold.
"""

from __future__ import annotations

import json
import math
import statistics
from datetime import timedelta

import pytest

from demo.sim.amazon_notifications import notifications
from demo.sim.simulator import Simulator, simulate_catalogue
from shared.catalogue.connections import SecretBook
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.ingest.listing_ids import AsinIndex
from shared.ingest.signature import signed_headers
from shared.ingest.webhook import ingest_webhook
from shared.projection.fold import new_state
from tests.integration.conftest import eventually
from tests.integration.helpers import post_webhook, principal, unprojected

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
ANALYST = principal("analyst")
ITEMS = 6


@pytest.fixture(scope="module")
def amazon_week(devhost, store):
    catalogue = [
        {**p, "item_id": f"AMZ-LIVE-{i:03d}", "marketplace": "amazon"}
        for i, p in enumerate(simulate_catalogue(ITEMS, seed=41))
    ]
    for product in catalogue:
        store.create("products", new_state(product))
    now = utcnow()
    history = Simulator(catalogue, seed=41).history(now - timedelta(days=7), 7 * 24)
    payloads = list(notifications(history, tag="live41"))
    # The bulk goes through ingest_webhook in-process (what the webhook function calls: verify,
    # normalise, append); the last few through HTTP, as Amazon would.
    settings = get_settings()
    secret = settings.webhooks.amazon.get_secret_value()
    listings, secrets = AsinIndex.for_store(store), SecretBook(store)
    for body in payloads[:-5]:
        raw = json.dumps(body).encode()
        ingest_webhook(
            "amazon",
            raw,
            signed_headers(secret, raw),
            settings,
            store,
            listings=listings,
            secrets=secrets,
        )
    for body in payloads[-5:]:
        assert post_webhook(devhost, "amazon", body).status_code == 200
    eventually(lambda: not unprojected(store), timeout=120)
    return catalogue, payloads


def _numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, float | int) and not isinstance(value, bool):
        yield float(value)


def test_only_amazon_shaped_signals_were_fed(amazon_week):
    _, payloads = amazon_week
    kinds = {p.get("notificationType") or p.get("NotificationType") for p in payloads}
    assert kinds <= {
        "ORDER_CHANGE",
        "ITEM_SALES_EVENT_CHANGE",
        "DETAIL_PAGE_TRAFFIC_EVENT",
        "ANY_OFFER_CHANGED",
    }
    assert "clicks" not in json.dumps(payloads)


def test_kpis_say_what_is_not_sent_and_no_share_passes_100(devhost, amazon_week):
    with devhost.client() as c:
        metrics = c.get("/api/metrics", headers=ANALYST).json()
    assert metrics["mode"] == "live"
    k = metrics["kpis"]
    assert k["views"] > 0 and k["units"] > 0 and k["clicks"] == 0
    assert k["conversion_rate_basis"] == ["units/views"]
    assert 0 < k["conversion_rate"] <= 1
    assert k["ctr"] is None and "amazon" in k["not_sent"]["ctr"]
    assert "clicks" not in metrics["signals"]["amazon"]
    for block in (k, metrics["totals"], *metrics["by_marketplace"].values()):
        for name in ("conversion_rate", "ctr"):
            assert block[name] is None or 0 <= block[name] <= 1
    assert all(math.isfinite(x) for x in _numbers(metrics))


def test_the_ranking_follows_what_sold_and_every_explanation_is_finite(devhost, amazon_week):
    with devhost.client() as c:
        ranking = c.post("/api/rank", json={"limit": ITEMS}, headers=ANALYST).json()
        items = ranking["items"]
        assert ranking["total"] >= ITEMS
        ours = [i for i in items if i["item_id"].startswith("AMZ-LIVE-")]
        sold = {
            i["item_id"]: c.get(f"/api/item/{i['item_id']}", headers=ANALYST).json()["counters"][
                "7d"
            ]["units"]
            for i in ours
        }
        half = len(ours) // 2
        top = statistics.mean(sold[i["item_id"]] for i in ours[:half])
        bottom = statistics.mean(sold[i["item_id"]] for i in ours[half:])
        assert top >= bottom, (top, bottom)
        for entry in ours[:3]:
            why = c.get(f"/api/explain/{entry['item_id']}", headers=ANALYST).json()
            assert all(math.isfinite(x) for x in _numbers(why))
            total = why["base_value"] + sum(x["contribution"] for x in why["contributions"])
            assert total == pytest.approx(why["raw_score"], abs=1e-4)
            since = (utcnow() - timedelta(days=2)).isoformat()
            moved = c.get(
                f"/api/explain/{entry['item_id']}", params={"since": since}, headers=ANALYST
            ).json()
            assert all(math.isfinite(x) for x in _numbers(moved))
            assert all("nan" not in r.lower() for r in moved["reasons"])
