"""The Stores page's Amazon routes, called as the host calls them, against the local Cosmos
server and the fake SP-API: per path healthy or not and why, per operation the figures, the
LWA fields' state (never their values), test connection, the backfill request."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest

from function_app import app
from functions.app_index import functions_of
from shared.core.settings import get_settings
from shared.ingest import sp_api_catchup
from tests.integration.test_sp_api_catchup import notify, order_change, order_id

pytestmark = pytest.mark.integration


FUNCTIONS = {fn.get_function_name(): fn.get_user_function() for fn in functions_of(app)}


def route(name: str):
    return FUNCTIONS[name]


def call(name: str, role: str, method: str = "GET", params: dict | None = None):
    user = {
        "identityProvider": "test",
        "userId": f"u-{role}",
        "userDetails": f"{role}@test",
        "userRoles": ["anonymous", "authenticated", role],
    }
    req = func.HttpRequest(
        method,
        "http://localhost/api/stores/amazon/sp-api",
        headers={"x-ms-client-principal": base64.b64encode(json.dumps(user).encode()).decode()},
        params=params or {},
        body=b"",
    )
    response = route(name)(req)
    return response.status_code, json.loads(response.get_body())


@pytest.fixture
def fake(monkeypatch, fake_sp_api):
    server = fake_sp_api()
    server.marketplace_id = f"A{uuid.uuid4().hex[:12].upper()}"
    for name, value in {
        "AmazonSpApi__endpoint": server.url,
        "AmazonSpApi__tokenUrl": server.url + "/auth/o2/token",
        "AmazonSpApi__marketplaceId": server.marketplace_id,
        "AmazonSpApi__lwaClientId": server.client_id,
        "AmazonSpApi__lwaClientSecret": server.client_secret,
        "AmazonSpApi__refreshToken": server.refresh_token,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield server
    get_settings.cache_clear()


def test_unconfigured_says_which_fields_to_set(store, monkeypatch):
    for alias in ("lwaClientId", "lwaClientSecret", "refreshToken"):
        monkeypatch.delenv(f"AmazonSpApi__{alias}", raising=False)
    monkeypatch.setenv("AmazonSpApi__lwaClientId", "amzn1.application-oa2-client.abc")
    get_settings.cache_clear()
    status, body = call("stores_amazon_sp_api", "analyst")
    assert status == 200
    assert body["configured"] is False
    assert body["lwa"] == {
        "lwaClientId": "set",
        "lwaClientSecret": "missing",
        "refreshToken": "missing",
    }
    catchup = body["paths"]["catchup"]
    assert catchup["healthy"] is False
    assert catchup["why"] == (
        "not configured: set AmazonSpApi__lwaClientSecret, AmazonSpApi__refreshToken"
    )
    assert "amzn1.application-oa2-client.abc" not in json.dumps(body)
    assert body["eventbridge"]["token_header"] == "X-ReSight-Token"


def test_test_connection_with_good_and_bad_credentials(store, fake, monkeypatch):
    assert call("stores_amazon_test", "analyst", "POST")[0] == 403
    fake.marketplace_id = "A21TJRUUN4KGV"
    monkeypatch.setenv("AmazonSpApi__marketplaceId", "A21TJRUUN4KGV")
    get_settings.cache_clear()
    status, body = call("stores_amazon_test", "admin", "POST")
    assert status == 200 and body["ok"] is True
    assert body["marketplaces"][0]["id"] == "A21TJRUUN4KGV"
    assert fake.calls("getMarketplaceParticipations") == 1
    monkeypatch.setenv("AmazonSpApi__refreshToken", "Atzr|revoked-token")
    get_settings.cache_clear()
    status, body = call("stores_amazon_test", "admin", "POST")
    assert status == 200 and body["ok"] is False
    assert "invalid_grant" in body["error"] and "revoked-token" not in json.dumps(body)


def test_figures_after_a_catch_up_and_a_backfill_request(store, fake):
    now = datetime.now(UTC)
    fake.put_order(
        order_id(), "Unshipped", [{"sku": "SKU-R", "qty": 1}], purchased=now - timedelta(hours=1)
    )
    fake.throttle("getOrderItems", 1)
    outcome = sp_api_catchup.run(store, get_settings())
    assert outcome.status == "ok"
    notify(store, order_change(order_id(), "SKU-R", 1, "OI-R", "Unshipped"))
    assert call("stores_amazon_backfill", "admin", "POST", {"days": "0"})[0] == 422
    assert call("stores_amazon_backfill", "analyst", "POST", {"days": "30"})[0] == 403
    status, progress = call("stores_amazon_backfill", "admin", "POST", {"days": "45"})
    assert status == 202
    assert (progress["status"], progress["days"], progress["chunks_total"]) == ("running", 45, 2)
    assert progress["requested_by"] == "admin@test"
    status, body = call("stores_amazon_sp_api", "analyst")
    assert status == 200 and body["configured"] is True
    items = body["operations"]["getOrderItems"]
    assert (items["calls"], items["ok"], items["throttled"]) == (2, 1, 1)
    assert items["last_error"] == "HTTP 429" and items["waits"] >= 1
    assert body["operations"]["getOrders"]["lag_seconds"] is not None
    paths = body["paths"]
    assert paths["catchup"]["healthy"] is True and paths["catchup"]["why"] == "up to date"
    assert paths["catchup"]["recorded"] == 1
    assert paths["notifications"]["healthy"] is True
    assert paths["backfill"]["healthy"] is True
    assert paths["backfill"]["why"] == "0 of 2 chunks imported"
