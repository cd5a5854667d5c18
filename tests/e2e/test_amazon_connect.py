"""Connecting Amazon, as a seller's admin sees it on the Stores page: the EventBridge values to
paste, the LWA fields, Test connection against the fake SP-API, per path healthy or not and why,
history requested from the page and imported, and the SP-API calls' figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from devhost.fake_sp_api import FakeSpApi
from shared.adapters.blob import imports_store
from shared.adapters.sp_api import SpApiClient
from shared.core.settings import get_settings
from shared.ingest import sp_api_catchup, sp_api_history
from shared.ingest.bulk import import_records, runner
from tests.e2e.conftest import ROOT
from tests.integration.conftest import eventually, start_devhost, stop_devhost

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fake():
    server = FakeSpApi()
    server.start()
    now = datetime.now(UTC)
    # Three orders in the 60 days asked for, one before them.
    for i, days_ago in enumerate((0.1, 10, 40, 70)):
        server.put_order(
            f"171-{i:07d}-7654321",
            "Shipped",
            [{"sku": f"SKU-E2E-{i}", "qty": 1, "price": 999.0}],
            purchased=now - timedelta(days=days_ago),
        )
    yield server
    server.stop()
    assert server.violations == [] and server.response_errors == []


@pytest.fixture(scope="module")
def devhost(env, store, fake, monkeypatch_module, tmp_path_factory):
    """devhost pointed at this module's fake SP-API (it starts no fake of its own: the port is
    taken), the settings of this process too."""
    assert (ROOT / "dashboard" / "dist" / "index.html").is_file(), "build the dashboard"
    amazon = {
        "AmazonSpApi__endpoint": fake.url,
        "AmazonSpApi__tokenUrl": fake.url + "/auth/o2/token",
        "AmazonSpApi__marketplaceId": "A21TJRUUN4KGV",
        "AmazonSpApi__lwaClientId": fake.client_id,
        "AmazonSpApi__lwaClientSecret": fake.client_secret,
        "AmazonSpApi__refreshToken": fake.refresh_token,
    }
    for name, value in amazon.items():
        monkeypatch_module.setenv(name, value)
    get_settings.cache_clear()
    imports_store().ensure_container()
    host = start_devhost(
        {**env, **amazon}, tmp_path_factory.mktemp("devhost"), "--no-seed", "--no-timers"
    )
    yield host
    stop_devhost(host)


@pytest.fixture(scope="module")
def catalogue(devhost):
    return []  # the Stores page needs no products


def timer_runs(store) -> None:
    """What the sp_api_catchup timer does, until the history's imports are done. devhost's
    blob trigger imports each file; one it has not picked up yet is imported here, as the
    sweep would."""
    settings = get_settings()
    client = SpApiClient(settings.amazon_sp_api)
    sp_api_catchup.run(store, settings, client=client)
    for _ in range(6):
        doc = sp_api_history.advance(store, imports_store(), settings, client)
        assert doc is not None
        for chunk in doc["chunks"]:
            if chunk["status"] != "importing":
                continue
            record = store.read("imports", chunk["import_id"], chunk["import_id"])
            if record["status"] == "queued":
                runner.process(store, imports_store(), record["blob"], settings)
            import_id = chunk["import_id"]
            eventually(
                lambda i=import_id: (
                    store.read("imports", i, i)["status"] in import_records.TERMINAL
                ),
                timeout=120,
                interval=0.5,
            )
        if doc["status"] != "running":
            return
    raise AssertionError(f"the history did not finish: {doc}")


def test_an_admin_connects_amazon_from_the_stores_page(page: Page, devhost, store, fake):
    page.goto("/stores")
    panel = page.get_by_test_id("amazon-panel")
    expect(panel.get_by_test_id("amazon-eventbridge-header")).to_have_text("X-ReSight-Token")
    expect(panel.get_by_test_id("amazon-eventbridge-url")).to_have_text(
        f"{devhost.base_url}/api/integrations/amazon/webhook"
    )
    for field in ("lwaClientId", "lwaClientSecret", "refreshToken"):
        expect(panel.get_by_test_id(f"amazon-lwa-{field}")).to_have_attribute("data-state", "set")
    expect(panel).not_to_contain_text(fake.client_secret)

    # Before any run: the catch-up has not run, no notification came, no history asked for.
    expect(panel.get_by_test_id("amazon-path-catchup")).to_have_attribute("data-healthy", "false")
    expect(panel.get_by_test_id("amazon-path-why-catchup")).to_have_text(
        "has not run yet (it runs every 5 minutes)"
    )
    expect(panel.get_by_test_id("amazon-path-why-notifications")).to_have_text(
        "no notification has arrived yet: set up the EventBridge rule"
    )
    expect(panel.get_by_test_id("amazon-backfill")).to_have_text("Not requested yet.")

    panel.get_by_test_id("amazon-test-button").click()
    result = panel.get_by_test_id("amazon-test-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_have_text("Connected: Amazon.in")

    # The admin asks for 60 days of history: two 30-day chunks.
    panel.get_by_test_id("amazon-backfill-days").fill("60")
    panel.get_by_test_id("amazon-backfill-request").click()
    expect(panel.get_by_test_id("amazon-backfill")).to_have_attribute("data-status", "running")
    expect(panel.get_by_test_id("amazon-backfill-text")).to_contain_text(
        "0 of 2 chunks · 0 lines imported · 60 days, requested by admin"
    )

    timer_runs(store)
    page.reload()
    panel = page.get_by_test_id("amazon-panel")
    expect(panel.get_by_test_id("amazon-backfill")).to_have_attribute("data-status", "done")
    expect(panel.get_by_test_id("amazon-backfill-text")).to_contain_text(
        "2 of 2 chunks · 3 lines imported"
    )
    expect(panel.get_by_test_id("amazon-path-backfill")).to_have_attribute("data-healthy", "true")
    expect(panel.get_by_test_id("amazon-path-catchup")).to_have_attribute("data-healthy", "true")
    expect(panel.get_by_test_id("amazon-path-why-catchup")).to_have_text("up to date")
    for operation in ("getOrders", "getOrderItems", "createReport", "getReport"):
        expect(panel.get_by_test_id(f"amazon-op-{operation}")).to_be_visible()
    expect(panel.get_by_test_id("amazon-op-throttled-getOrders")).to_have_text("0")
