"""The seller's views for real-world input: unmatched listings, store health and secret rotation,
dead letters, KPIs that say "not sent", and why a rank changed.

Everything goes through the real webhook path with real signatures (a wrong one too), so the
mode turns live exactly as it does when a marketplace starts sending.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from shared.ingest.signature import signed_headers
from tests.e2e.conftest import artifact, sign_in
from tests.integration.conftest import eventually
from tests.integration.helpers import post_webhook, principal, webhook_ranked_by

pytestmark = pytest.mark.e2e
ADMIN, ANALYST = principal("admin"), principal("analyst")


def ranked(devhost, limit: int = 50) -> dict:
    with devhost.client() as c:
        resp = c.post("/api/rank", json={"limit": limit}, headers=ANALYST)
    assert resp.status_code == 200, resp.text
    return resp.json()


def amazon_order(item_id: str, price: float, quantity: int = 1) -> dict:
    return {
        "eventType": "ORDER_PLACED",
        "asin": item_id,
        "price": price,
        "quantity": quantity,
        "region": "IN",
        "orderId": f"402-{uuid.uuid4().hex[:12]}",
    }


def post_signed(devhost, marketplace: str, body: dict, secret: str):
    raw = json.dumps(body).encode()
    with devhost.client() as c:
        return c.post(
            devhost.webhook_url(marketplace),
            content=raw,
            headers={"content-type": "application/json", **signed_headers(secret, raw)},
        )


def test_rank_change_arrow_opens_why_with_three_reasons_after_an_order_burst(page: Page, devhost):
    # Runs first in the module: the ranking's rank-change baseline (previous_rank_at) is the
    # seeded ranking, from before the burst.
    first = ranked(devhost)
    assert first["previous_rank_at"], first.keys()
    items = first["items"]
    item = next(i for i in items[len(items) // 2 :] if i["marketplace"] == "amazon")
    with devhost.client() as c:
        before = c.get(f"/api/item/{item['item_id']}", headers=ANALYST).json()
    for _ in range(8):
        order = amazon_order(item["item_id"], item["price"], quantity=1)
        assert post_webhook(devhost, "amazon", order).status_code == 200

    def projected() -> bool:
        with devhost.client() as c:
            now = c.get(f"/api/item/{item['item_id']}", headers=ANALYST).json()
        return now["counters"]["24h"]["orders"] >= before["counters"]["24h"]["orders"] + 8

    eventually(projected, timeout=30)

    page.goto("/rankings")
    row = page.locator(f'[data-testid="rank-row"][data-item-id="{item["item_id"]}"]')
    link = row.get_by_test_id("rank-change-link")
    expect(link).to_have_attribute("href", re.compile(r"\?since=.+#rank-change$"))
    href = link.get_attribute("href") or ""
    link.click()
    expect(page).to_have_url(re.compile(rf"/item/{re.escape(item['item_id'])}\?since="))
    panel = page.get_by_test_id("rank-change-panel")
    expect(panel).to_be_visible()
    reasons = panel.get_by_test_id("rank-change-reason")
    with devhost.client() as c:
        ranked_by = c.get(f"/api/explain/{item['item_id']}", headers=ANALYST).json()["ranked_by"]
    assert ranked_by in webhook_ranked_by()  # what the stored evidence says ranks Amazon's items
    if ranked_by == "model":
        expect(reasons).to_have_count(3)
        expect(panel.get_by_test_id("rank-change-ranked-by")).to_have_count(0)
    else:
        # A baseline ranks Amazon's webhook items (the stored evidence): the reasons are its
        # parts that moved, and the burst moved the last day's sales.
        expect(panel.get_by_test_id("rank-change-ranked-by")).to_have_attribute(
            "data-ranked-by", ranked_by
        )
        expect(reasons.first).to_contain_text("units sold in the last 24 h rose")
    for text in reasons.all_text_contents():
        assert re.search(r": [+-]\d+\.\d\d$", text), text
        assert "nan" not in text.lower(), text
    assert any("orders" in t or "units" in t for t in reasons.all_text_contents())
    move = panel.get_by_test_id("rank-change-move")
    # Rank then (the ranking's own previous rank, when the API has no snapshot from then) → now.
    expect(move).to_contain_text(re.compile(r"#\d+ → #\d+" if "then=" in href else "→"))
    # The full table sits behind a disclosure.
    table = panel.get_by_test_id("rank-change-table")
    expect(table).to_be_hidden()
    panel.get_by_test_id("rank-change-details").locator("summary").click()
    expect(table).to_be_visible()
    expect(table.get_by_test_id("rank-change-row").first).to_be_visible()
    assert "NaN" not in table.inner_text()
    # No share over 100 % anywhere on the page (8 orders against a click or two).
    shares = re.findall(r"([\d.,]+)%", page.locator("main").inner_text())
    assert all(float(v.replace(",", "")) <= 100 for v in shares), shares
    page.screenshot(path=str(artifact("rank-change-panel.png")), full_page=True)

    # Without a moment from the ranking, the panel offers "since 1 hour ago".
    page.goto(f"/item/{item['item_id']}")
    expect(panel.get_by_test_id("rank-change-no-since")).to_be_visible()
    panel.get_by_test_id("rank-change-hour-ago").click()
    expect(page).to_have_url(re.compile(r"\?since="))
    expect(panel.get_by_test_id("rank-change-reason").first).to_be_visible()


@pytest.mark.allow_api_errors((422, r"^/api/catalogue/"))
def test_an_order_for_an_unknown_sku_is_unmatched_until_an_admin_completes_it(page: Page, devhost):
    sku = f"AMZ-NEW-{uuid.uuid4().hex[:6].upper()}"
    assert post_webhook(devhost, "amazon", amazon_order(sku, 749, quantity=2)).status_code == 200

    def listed() -> bool:
        with devhost.client() as c:
            found = c.get("/api/catalogue/unmatched", headers=ANALYST).json()["items"]
        return any(i["item_id"] == sku for i in found)

    eventually(listed, timeout=30)

    # The item inspector: a clear "needs catalogue details" state, the last order price (not
    # as the price) and a link to complete it.
    page.goto(f"/item/{sku}")
    expect(page.get_by_test_id("item-needs-details")).to_contain_text("Needs catalogue details")
    expect(page.get_by_test_id("item-stat-last-order-price")).to_contain_text("₹749")
    expect(page.get_by_test_id("item-stat-price")).not_to_contain_text("749")
    expect(page.get_by_test_id("item-stock")).to_have_text("Unknown")
    page.get_by_test_id("item-complete-link").click()

    expect(page).to_have_url(re.compile(r"/catalogue/unmatched\?item="))
    row = page.locator(f'[data-testid="unmatched-row"][data-item-id="{sku}"]')
    expect(row.get_by_test_id("unmatched-last-order-price")).to_have_text("₹749")
    form = row.get_by_test_id("listing-form")
    expect(form).to_be_visible()
    page.screenshot(path=str(artifact("unmatched-form.png")), full_page=True)

    # Checked before sending: the required fields say what is missing.
    form.get_by_test_id("listing-submit").click()
    expect(form.get_by_test_id("listing-error-title")).to_be_visible()
    expect(form.get_by_test_id("listing-error-stock")).to_be_visible()

    form.get_by_test_id("listing-title").fill("Block-print cotton kurta")
    form.get_by_test_id("listing-category").fill("Ethnic wear")
    form.get_by_test_id("listing-price").fill("799")
    form.get_by_test_id("listing-stock").fill("25")
    form.get_by_test_id("listing-mrp").fill("1,299")
    form.get_by_test_id("listing-brand").fill("Jaipur Looms")

    # A refusal from the API lands next to the field it names.
    def refuse(route):
        route.fulfill(
            status=422,
            content_type="application/json",
            body=json.dumps(
                {"error": "validation_failed", "message": "title is taken", "field": "title"}
            ),
        )

    page.route(f"**/api/catalogue/{sku}", refuse)
    form.get_by_test_id("listing-submit").click()
    expect(form.get_by_test_id("listing-error-title")).to_have_text("title is taken")
    page.unroute(f"**/api/catalogue/{sku}")

    form.get_by_test_id("listing-submit").click()
    expect(page.get_by_test_id("listing-saved")).to_contain_text("Block-print cotton kurta")
    expect(row).to_have_count(0)

    def ranked_now() -> bool:
        return any(i["item_id"] == sku for i in ranked(devhost, 100)["items"])

    eventually(ranked_now, timeout=30)
    page.goto(f"/item/{sku}")
    expect(page.get_by_test_id("item-title")).to_have_text("Block-print cotton kurta")
    expect(page.get_by_test_id("item-needs-details")).to_have_count(0)
    expect(page.get_by_test_id("item-rank")).to_have_text(re.compile(r"^#\d+$"))
    with devhost.client() as c:
        left = c.get("/api/catalogue/unmatched", headers=ANALYST).json()["items"]
    assert all(i["item_id"] != sku for i in left)


def test_stores_show_health_a_rejected_delivery_and_rotate_a_secret(page: Page, context, devhost):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    items = ranked(devhost)["items"]
    item = next(i for i in items if i["marketplace"] == "amazon")
    assert (
        post_webhook(devhost, "amazon", amazon_order(item["item_id"], item["price"])).status_code
        == 200
    )
    forged = post_signed(devhost, "amazon", amazon_order(item["item_id"], 1), "not-the-secret")
    assert forged.status_code == 401

    page.goto("/stores")
    card = page.get_by_test_id("store-card-amazon")
    url = card.get_by_test_id("store-webhook-url-amazon")
    expect(url).to_have_value(
        re.compile(r"^http://127\.0\.0\.1:\d+/api/integrations/amazon/webhook$")
    )
    card.get_by_test_id("store-webhook-copy-amazon").click()
    expect(card.get_by_test_id("store-webhook-copy-amazon-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == url.input_value()
    expect(card.get_by_test_id("store-status-amazon")).to_have_text("Receiving")
    expect(card.get_by_test_id("store-last-event-amazon")).to_have_text(re.compile(r"ago$"))
    expect(card.get_by_test_id("store-rate-amazon")).not_to_have_text("0")
    reason = card.locator('[data-testid="rejected-reason"][data-reason="unauthorized"]')
    expect(reason).to_contain_text("signature")
    expect(card.get_by_test_id("store-rejected-total-amazon")).not_to_have_text("0")

    # Rotate the Myntra secret: confirm first; cancelling sends nothing.
    myntra = page.get_by_test_id("store-card-myntra")
    myntra.get_by_test_id("secret-rotate-myntra").click()
    expect(myntra.get_by_test_id("secret-confirm-box-myntra")).to_contain_text("24 hours")
    myntra.get_by_test_id("secret-cancel-myntra").click()
    expect(myntra.get_by_test_id("secret-new-myntra")).to_have_count(0)
    myntra.get_by_test_id("secret-rotate-myntra").click()
    with page.expect_response(re.compile(r"/api/stores/myntra/rotate-secret$")) as answer:
        myntra.get_by_test_id("secret-confirm-myntra").click()
    assert answer.value.status == 200
    secret = myntra.get_by_test_id("secret-value-myntra")
    expect(secret).to_have_text(re.compile(r"^\S{32,}$"))
    expect(myntra.get_by_test_id("secret-grace-myntra")).to_contain_text("IST")
    new_secret = secret.text_content()
    myntra.get_by_test_id("secret-copy-myntra").click()
    assert page.evaluate("navigator.clipboard.readText()") == new_secret
    page.screenshot(path=str(artifact("stores-rotated.png")), full_page=True)

    # The new secret signs Myntra deliveries.
    seller = next(i for i in items if i["marketplace"] == "myntra")
    order = {
        "event": "ORDER_CREATED",
        "order": {
            "orderId": f"MYN-{uuid.uuid4().hex[:8]}",
            "status": "CREATED",
            "lines": [
                {
                    "lineId": "1",
                    "sellerSku": seller["item_id"],
                    "quantity": 1,
                    "sellingPrice": seller["price"],
                }
            ],
        },
    }
    assert post_signed(devhost, "myntra", order, new_secret).status_code == 200

    # Shown once: dismissed, it is gone from the page and was never stored by the dashboard.
    myntra.get_by_test_id("secret-done-myntra").click()
    expect(myntra.get_by_test_id("secret-value-myntra")).to_have_count(0)
    expect(myntra.get_by_test_id("store-secret-myntra")).to_contain_text("Secret rotated")
    stored = page.evaluate(
        "() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
        " + document.cookie + document.body.innerText"
    )
    assert new_secret not in stored

    # An analyst sees the health, not the controls.
    analyst = context.new_page()
    sign_in(analyst, "analyst")
    analyst.goto("/stores")
    expect(analyst.get_by_test_id("stores-readonly")).to_be_visible()
    expect(analyst.get_by_test_id("store-webhook-url-amazon")).to_be_visible()
    expect(analyst.get_by_test_id("secret-rotate-amazon")).to_have_count(0)
    analyst.close()


def test_kpis_say_not_sent_in_live_mode(page: Page, devhost):
    # A real signed webhook: Amazon is receiving, so the mode is live and the KPIs use the
    # signals marketplaces really send.
    item = next(i for i in ranked(devhost)["items"] if i["marketplace"] == "amazon")
    assert (
        post_webhook(devhost, "amazon", amazon_order(item["item_id"], item["price"])).status_code
        == 200
    )

    def live() -> bool:
        with devhost.client() as c:
            return c.get("/api/metrics", headers=ANALYST).json()["mode"] == "live"

    eventually(live, timeout=30)
    page.goto("/")
    expect(page.get_by_test_id("conn-indicator")).to_have_attribute("data-state", "live")
    ctr = page.get_by_test_id("kpi-ctr")
    expect(ctr.get_by_test_id("kpi-ctr-value")).to_have_text("Not sent")
    expect(ctr.get_by_test_id("kpi-ctr-note")).to_have_text("not sent by Amazon, Myntra and Meesho")
    conversion = page.get_by_test_id("kpi-conversion_rate")
    expect(conversion.get_by_test_id("kpi-conversion_rate-label")).to_have_text("Unit session %")
    expect(conversion.get_by_test_id("kpi-conversion_rate-note")).to_have_text(
        "not sent by Myntra and Meesho"
    )
    figure = conversion.get_by_test_id("kpi-conversion_rate-value")
    expect(figure).to_have_text(re.compile(r"^\d{1,3}(\.\d+)?%$"))
    assert float(figure.text_content().rstrip("%")) <= 100
    cards = page.get_by_test_id("kpi-cards").inner_text()
    assert "NaN" not in cards and "Infinity" not in cards
    row = page.get_by_test_id("marketplace-row-myntra")
    expect(row.locator('[data-not-sent="true"]')).to_have_count(2)
    page.screenshot(path=str(artifact("kpis-live-not-sent.png")), full_page=True)


def test_dead_letters_show_in_the_header_with_the_replay_command(page: Page, devhost, store):
    letter = {
        "id": "SKU-BROKEN-1",
        "item_id": "SKU-BROKEN-1",
        "event_ids": ["e-1", "e-2"],
        "error": "ValueError: cannot fold event e-1",
        "trace": "",
        "attempts": 3,
        "first_failed_at": "2026-12-01T10:00:00+00:00",
        "last_failed_at": "2026-12-01T10:00:01+00:00",
    }
    store.upsert("deadletters", letter)
    try:
        page.goto("/")
        alert = page.get_by_test_id("deadletters-alert")
        expect(alert).to_contain_text("could not be projected")
        expect(alert.locator("svg")).to_have_count(1)  # an icon with the words, not colour alone
        alert.get_by_test_id("deadletters-link").click()
        expect(page.get_by_test_id("page-deadletters")).to_be_visible()
        expect(page.get_by_test_id("deadletters-count")).to_have_attribute("data-count", "1")
        row = page.locator('[data-testid="deadletter-row"][data-item-id="SKU-BROKEN-1"]')
        expect(row).to_contain_text("cannot fold event e-1")
        expect(row).to_contain_text("2")
        expect(page.get_by_test_id("deadletters-command")).to_have_text(
            "python -m shared.projection.dead_letters replay"
        )
        page.screenshot(path=str(artifact("dead-letters.png")), full_page=True)
    finally:
        store.delete("deadletters", "SKU-BROKEN-1", "SKU-BROKEN-1")
    page.goto("/")
    expect(page.get_by_test_id("kpi-cards")).to_be_visible()
    expect(page.get_by_test_id("deadletters-alert")).to_have_count(0)
