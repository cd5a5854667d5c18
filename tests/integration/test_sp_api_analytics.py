"""A 365-day backfill from the fake Reports API lands, and after the lake job Analytics shows last
year: orders placed 300 and 200 days ago, in their months, with their units and revenue."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest

from function_app import app
from functions.app_index import functions_of
from shared.adapters.blob import imports_store
from shared.analytics import job
from shared.core.records import utcnow
from shared.core.settings import IST_OFFSET, get_settings
from tests.integration.test_sp_api_catchup import client_for, settings_for
from tests.integration.test_sp_api_history import backfill

pytestmark = pytest.mark.integration

FUNCTIONS = {fn.get_function_name(): fn.get_user_function() for fn in functions_of(app)}
ANALYST = {
    "x-ms-client-principal": base64.b64encode(
        json.dumps(
            {
                "identityProvider": "test",
                "userId": "u",
                "userDetails": "analyst@test",
                "userRoles": ["anonymous", "authenticated", "analyst"],
            }
        ).encode()
    ).decode()
}


@pytest.fixture(scope="module")
def lake_env(env, monkeypatch_module):
    monkeypatch_module.setenv("LAKE_CONTAINER", f"lake-{uuid.uuid4().hex[:8]}")
    get_settings.cache_clear()


def revenue_by_month(start: str, end: str) -> dict[str, tuple[int, float]]:
    req = func.HttpRequest(
        "GET",
        "http://localhost/api/analytics/revenue",
        headers=ANALYST,
        params={"start": start, "end": end, "granularity": "monthly"},
        body=b"",
    )
    response = FUNCTIONS["analytics_revenue"](req)
    assert response.status_code == 200, response.get_body()
    body = json.loads(response.get_body())
    rows = [dict(zip(body["columns"], row, strict=True)) for row in body["rows"]]
    return {r["period"]: (int(r["units"]), round(float(r["revenue"]), 2)) for r in rows}


def test_a_years_backfill_lands_and_analytics_shows_last_year(lake_env, store, fake_sp_api):
    imports_store().ensure_container()
    fake = fake_sp_api(page_size=50)
    settings = settings_for(fake, "A21TJRUUN4KGV")
    now = datetime.now(UTC)
    placed = {300: (2, 1299.0), 200: (3, 499.0)}  # days ago: (units, unit price)
    for days_ago, (qty, price) in placed.items():
        fake.put_order(
            f"171-{days_ago:07d}-{uuid.uuid4().int % 10**7:07d}",
            "Shipped",
            [{"sku": f"SKU-YEAR-{days_ago}", "qty": qty, "price": qty * price}],
            purchased=now - timedelta(days=days_ago),
        )
    doc = backfill(store, settings, client_for(settings), 365)
    assert doc["status"] == "done"
    # The lake job as its timer runs it (no change feed here: the projection's side of its
    # reconciliation is not what this test is about).
    job.run(store, get_settings(), utcnow())
    expected: dict[str, tuple[int, float]] = {}
    for days_ago, (qty, price) in placed.items():
        month = (now - timedelta(days=days_ago) + IST_OFFSET).strftime("%Y-%m")
        units, revenue = expected.get(month, (0, 0.0))
        expected[month] = (units + qty, round(revenue + qty * price, 2))
    start = (now - timedelta(days=365) + IST_OFFSET).date().isoformat()
    end = (now - timedelta(days=150) + IST_OFFSET).date().isoformat()
    assert revenue_by_month(start, end) == expected
