"""``shared.adapters.sp_api`` against the fake SP-API (``devhost.fake_sp_api``, built from
Amazon's models), on a fake clock: tokens, usage plans, 429s and 5xx, paging, reports."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from devhost.fake_sp_api import MODELS, FakeSpApi
from shared.adapters.sp_api import OPERATIONS, SpApiClient, TokenBucket
from shared.core.errors import NotConfigured, SpApiError, SpApiThrottled
from shared.core.settings import SpApiConnection
from tests.fakes import FakeTime

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def fake():
    server = FakeSpApi(page_size=2)
    server.start()
    yield server
    server.stop()
    assert server.response_errors == []


def connection(fake: FakeSpApi, **override) -> SpApiConnection:
    values = {
        "endpoint": fake.url,
        "tokenUrl": fake.url + "/auth/o2/token",
        "lwaClientId": fake.client_id,
        "lwaClientSecret": fake.client_secret,
        "refreshToken": fake.refresh_token,
    }
    return SpApiConnection(**{**values, **override})


def client(fake: FakeSpApi, time: FakeTime | None = None, **kw) -> SpApiClient:
    t = time or FakeTime()
    return SpApiClient(connection(fake), clock=t.clock, sleep=t.sleep, **kw)


def orders(fake: FakeSpApi, n: int) -> list[str]:
    ids = [f"171-{i:07d}-0000001" for i in range(n)]
    for i, order_id in enumerate(ids):
        fake.put_order(
            order_id,
            "Unshipped",
            [{"sku": f"SKU-{i}", "qty": 1 + i % 3, "price": 499.0}],
            purchased=NOW - timedelta(hours=2),
        )
    return ids


def test_usage_plans_are_the_models():
    for name in MODELS.glob("*.json"):
        model = json.loads(name.read_text())
        for methods in model["paths"].values():
            for op in methods.values():
                if not isinstance(op, dict) or op.get("operationId") not in OPERATIONS:
                    continue
                rate, burst = re.search(
                    r"\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|", op["description"]
                ).groups()
                mine = OPERATIONS[op["operationId"]]
                assert (mine.rate, mine.burst) == (float(rate), int(burst)), op["operationId"]
    assert len(OPERATIONS) == 6


def test_the_access_token_is_fetched_once_and_again_when_amazon_says_it_expired(fake):
    orders(fake, 1)
    c = client(fake)
    c.get_marketplace_participations()
    c.get_orders(last_updated_after=NOW - timedelta(days=1))
    assert fake.tokens_issued == 1
    fake.expire_tokens()
    assert len(c.get_orders(last_updated_after=NOW - timedelta(days=1))["Orders"]) == 1
    assert fake.tokens_issued == 2


def test_an_access_token_is_refreshed_before_it_expires(fake):
    t = FakeTime()
    c = client(fake, t)
    c.get_marketplace_participations()
    t.now += 3600 - 30  # within the last minute of its hour
    c.get_marketplace_participations()
    assert fake.tokens_issued == 2


def test_pages_follow_next_token(fake):
    ids = orders(fake, 5)
    pages = list(client(fake).orders(last_updated_after=NOW - timedelta(days=1)))
    assert [len(p["Orders"]) for p in pages] == [2, 2, 1]
    assert [o["AmazonOrderId"] for p in pages for o in p["Orders"]] == ids


def test_order_items_follow_next_token(fake):
    fake.items_page_size = 2
    fake.put_order(
        "171-1-1", "Unshipped", [{"sku": f"S{i}", "qty": 1} for i in range(5)], purchased=NOW
    )
    items = client(fake).get_order_items("171-1-1")
    assert [i["SellerSKU"] for i in items] == [f"S{i}" for i in range(5)]
    assert fake.calls("getOrderItems") == 3


def test_429_is_retried_after_jittered_pauses_and_counted(fake):
    orders(fake, 1)
    t = FakeTime()
    c = client(fake, t, backoff=2.0, max_backoff=60.0)
    fake.throttle("getOrderItems", 3)
    assert len(c.get_order_items("171-0000000-0000001")) == 1
    s = c.stats.of("getOrderItems")
    assert (s.throttled, s.ok, s.calls) == (3, 1, 4)
    # Each 429 empties the bucket (a token comes back after 1 / 0.5 s) and a jittered pause.
    assert len(t.sleeps) >= 3 and all(0 <= p <= 60.0 for p in t.sleeps)
    assert s.last_error == "HTTP 429"


def test_a_429_storm_raises_throttled_after_the_attempts(fake):
    orders(fake, 1)
    c = client(fake, attempts=3)
    fake.throttle("getOrders", 10)
    with pytest.raises(SpApiThrottled):
        c.get_orders(last_updated_after=NOW - timedelta(days=1))
    assert fake.calls("getOrders") == 3


def test_a_5xx_is_retried(fake):
    orders(fake, 2)
    c = client(fake)
    fake.fail("getOrders", 2, status=503)
    fake.fail("getOrders", 1, status=500)
    assert len(c.get_orders(last_updated_after=NOW - timedelta(days=1))["Orders"]) == 2
    assert c.stats.of("getOrders").errors == 3


def test_the_rate_limit_header_replaces_the_documented_rate(fake):
    orders(fake, 1)
    fake.rate_limits["getOrderItems"] = "5.0"
    c = client(fake)
    assert c.buckets["getOrderItems"].rate == 0.5
    c.get_order_items("171-0000000-0000001")
    assert c.buckets["getOrderItems"].rate == 5.0
    assert c.stats.of("getOrderItems").rate == 5.0


def test_token_bucket_gives_the_burst_then_one_per_interval():
    t = FakeTime()
    bucket = TokenBucket(0.5, 3, clock=t.clock, sleep=t.sleep)
    waits = [bucket.take() for _ in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:] == pytest.approx([2.0, 2.0])
    t.now += 100  # refills to the burst, no more
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    with pytest.raises(SpApiThrottled):
        bucket.take(max_wait=1.0)


def test_the_fake_refuses_a_request_the_model_does_not_allow(fake):
    c = client(fake, attempts=1)
    with pytest.raises(SpApiError) as refused:
        c._call("getOrders", query={"LastUpdatedAfter": "2026-01-01T00:00:00Z"})
    assert refused.value.details["status_code"] == 400
    with pytest.raises(SpApiError):
        c._call("getOrders", query={"MarketplaceIds": "A21TJRUUN4KGV", "Since": "x"})
    with pytest.raises(SpApiError):
        c._call("getOrders", query={"MarketplaceIds": ",".join(["M"] * 51)})
    with pytest.raises(SpApiError):
        c._call("createReport", body={"reportType": "X", "marketplaceIds": []})
    assert [v.split(":")[0] for v in fake.violations] == ["getOrders"] * 3 + ["createReport"]
    assert "'MarketplaceIds' is required" in fake.violations[0]
    assert "unknown query parameter 'Since'" in fake.violations[1]


def test_the_fake_serves_only_what_the_model_allows(fake):
    fake.put_order("171-1-1", "Unshipped", [{"sku": "S", "qty": 1}], purchased=NOW)
    fake.orders["171-1-1"]["OrderStatus"] = "Lost"  # not in the model's enum
    with pytest.raises(SpApiError):
        client(fake, attempts=1).get_orders(last_updated_after=NOW - timedelta(days=1))
    assert len(fake.response_errors) == 1 and "Lost" in fake.response_errors[0]
    fake.response_errors.clear()


def test_the_report_is_created_polled_and_downloaded_gunzipped(fake, tmp_path: Path):
    orders(fake, 3)
    fake.report_polls = 2
    c = client(fake)
    report_id = c.create_report(
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL", NOW - timedelta(days=365)
    )
    statuses = [c.get_report(report_id)["processingStatus"] for _ in range(3)]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "DONE"]
    document = c.get_report_document(c.get_report(report_id)["reportDocumentId"])
    assert document["compressionAlgorithm"] == "GZIP"
    lines = c.download(document, tmp_path / "report.tsv").read_text().splitlines()
    assert lines[0].startswith("amazon-order-id\tmerchant-order-id\tpurchase-date")
    assert len(lines) == 4 and lines[1].startswith("171-0000000-0000001\t")


def test_a_refused_refresh_token_says_what_to_check_and_never_echoes_a_secret(fake):
    c = SpApiClient(connection(fake, refreshToken="Atzr|wrong-token-value"))
    with pytest.raises(SpApiError) as refused:
        c.get_marketplace_participations()
    assert "invalid_grant" in refused.value.message
    assert "wrong-token-value" not in str(refused.value.to_dict())
    assert fake.client_secret not in str(refused.value.to_dict())


def test_unconfigured_credentials_are_not_configured():
    with pytest.raises(NotConfigured):
        SpApiClient(SpApiConnection(lwaClientId="x"), session=requests.Session())
