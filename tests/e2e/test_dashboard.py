"""What a retailer sees: the dashboard in headless Chromium, fed by devhost and its SignalR hub.

Every "live" assertion opens the page first, waits for the hub to connect, then changes the
backend and waits for the text on screen to change: no reload in between.
"""

from __future__ import annotations

import math
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import WAIT_MS, artifact, sign_in
from tests.integration.helpers import post_webhook, principal, webhook_ranked_by

pytestmark = pytest.mark.e2e
ADMIN, ANALYST = principal("admin"), principal("analyst")


def ranked(devhost) -> list[dict]:
    with devhost.client() as c:
        resp = c.post("/api/rank", json={"limit": 50}, headers=ANALYST)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def connected(page: Page, mode: str | None = None) -> None:
    """The hub is up. Idle until a test sends a real signed webhook; then Live for as long as
    the marketplace counts as sending (shared.catalogue.connections.RECEIVING_SECONDS)."""
    indicator = page.get_by_test_id("conn-indicator")
    states = {"mock": "Idle", "live": "Live"}
    wanted = [mode] if mode else list(states)
    expect(indicator).to_have_attribute("data-state", re.compile(f"^({'|'.join(wanted)})$"))
    expect(indicator).to_have_text(re.compile(f"^({'|'.join(states[m] for m in wanted)})$"))


def en_in(page: Page, value: float, currency: bool = False) -> str:
    """How the browser itself writes a number the Indian way (whole rupees / whole units)."""
    options = (
        "{style: 'currency', currency: 'INR', maximumFractionDigits: 0}"
        if currency
        else ("{maximumFractionDigits: 0}")
    )
    return page.evaluate(f"v => new Intl.NumberFormat('en-IN', {options}).format(v)", value)


def test_overview_shows_kpis_and_the_mock_indicator(page: Page, devhost):
    with devhost.client() as c:
        kpis = c.get("/api/metrics", headers=ANALYST).json()["kpis"]
    assert kpis["revenue"] > 0 and kpis["views"] > 0  # the seeded history is in the last 24 h

    expect(page.get_by_test_id("page-overview")).to_be_visible()
    revenue = page.get_by_test_id("kpi-revenue-value")
    expect(revenue).to_have_text(re.compile(r"^₹[\d,]+$"))
    expect(revenue).to_have_text(en_in(page, kpis["revenue"], currency=True))
    assert float(revenue.get_attribute("data-value")) == pytest.approx(kpis["revenue"])
    for key in ("views", "clicks", "purchases", "units"):
        expect(page.get_by_test_id(f"kpi-{key}-value")).to_have_text(
            re.compile(r"^[\d,.]+[KLCr]*$")
        )
    expect(page.get_by_test_id("kpi-views-value")).to_have_text(en_in(page, kpis["views"]))
    expect(page.get_by_test_id("kpi-aov-value")).to_have_text(re.compile(r"^₹[\d,]+$"))
    expect(page.get_by_test_id("kpi-conversion_rate-value")).to_have_text(re.compile(r"%$"))
    connected(page, "mock")


def test_webhook_order_changes_revenue_and_stock_live(page: Page, context, devhost):
    item = next(i for i in ranked(devhost) if i["marketplace"] == "amazon" and i["stock"] >= 5)
    qty, price = 2, item["price"]  # at its own price: an order also records the selling price
    with devhost.client() as c:
        before = c.get("/api/metrics", headers=ANALYST).json()["kpis"]["revenue"]

    connected(page)
    revenue = page.get_by_test_id("kpi-revenue-value")
    expect(revenue).to_have_text(en_in(page, before, currency=True))
    rankings = context.new_page()
    rankings.goto("/rankings")
    connected(rankings)
    row = rankings.locator(f'[data-testid="rank-row"][data-item-id="{item["item_id"]}"]')
    stock = row.get_by_test_id("rank-stock")
    expect(stock).to_have_text(en_in(rankings, item["stock"]))

    order = {
        "eventType": "ORDER_PLACED",
        "asin": item["item_id"],
        "price": price,
        "quantity": qty,
        "region": "IN",
        "orderId": f"402-{uuid.uuid4().hex[:10]}",
    }
    resp = post_webhook(devhost, "amazon", order)
    assert resp.status_code == 200, resp.text

    after = before + qty * price
    page.wait_for_function(
        """after => Math.abs(Number(document.querySelector(
            '[data-testid="kpi-revenue-value"]').dataset.value) - after) < 0.01""",
        arg=after,
        timeout=WAIT_MS,
    )
    expect(revenue).to_have_text(en_in(page, after, currency=True))
    expect(stock).to_have_text(en_in(rankings, item["stock"] - qty))
    rankings.screenshot(
        path=str(artifact("test_webhook_order_changes_revenue_and_stock_live-rankings.png")),
        full_page=True,
    )


def test_pin_from_the_rules_page_moves_the_item_to_the_top_live(page: Page, context, devhost):
    items = ranked(devhost)
    top, last = items[0]["item_id"], items[-1]["item_id"]
    page.goto("/rankings")
    connected(page)
    first_row = page.get_by_test_id("rank-row").first
    expect(first_row).to_have_attribute("data-item-id", top)

    rules = context.new_page()
    rules.goto("/rules")
    form = rules.get_by_test_id("rule-form")
    try:
        form.get_by_test_id("rule-type-pin").click()
        form.get_by_test_id("rule-item-id").fill(last)
        form.get_by_test_id("rule-position").fill("1")
        form.get_by_test_id("rule-note").fill("browser test: pin the last item")
        form.get_by_test_id("rule-submit").click()
        expect(rules.get_by_test_id("rule-created")).to_contain_text(last)
        rule_row = rules.locator(f'[data-testid="rule-row"][data-item-id="{last}"]')
        expect(rule_row).to_have_attribute("data-rule-type", "pin")

        # The rankings page, untouched since it loaded, now starts with the pinned item.
        expect(first_row).to_have_attribute("data-item-id", last)
        expect(first_row.get_by_test_id("rank-position")).to_have_text("1")
        expect(first_row.get_by_test_id("rule-badge")).to_have_attribute("data-rule-type", "pin")
        page.screenshot(
            path=str(artifact("test_pin_from_the_rules_page-pinned.png")), full_page=True
        )

        # Clean up through the same page: delete, confirm; the model's order comes back live.
        rule_row.get_by_test_id("rule-delete").click()
        rule_row.get_by_test_id("rule-delete-confirm").click()
        expect(rule_row).to_have_count(0)
        # The model's order comes back: whatever it ranks first now (a real webhook from an
        # earlier test may switch the features to live mode meanwhile, and back).
        for _ in range(60):
            if first_row.get_attribute("data-item-id") == ranked(devhost)[0]["item_id"]:
                break
            page.wait_for_timeout(250)
        else:
            raise AssertionError("the rankings page did not return to the model's order")
    finally:
        with devhost.client() as c:
            for rule in c.get("/api/rules", headers=ADMIN).json()["rules"]:
                if rule.get("item_id") == last:
                    c.delete(f"/api/rules/{rule['id']}", headers=ADMIN)
            assert not [
                r
                for r in c.get("/api/rules", headers=ADMIN).json()["rules"]
                if r.get("item_id") == last
            ]


def test_item_inspector_shows_a_shap_chart(page: Page, devhost):
    item = ranked(devhost)[3]
    with devhost.client() as c:
        explained = c.get(f"/api/explain/{item['item_id']}", headers=ANALYST).json()

    page.goto(f"/item/{item['item_id']}")
    expect(page.get_by_test_id("item-title")).to_have_text(item["title"])
    expect(page.get_by_test_id("item-rank")).to_have_text(f"#{item['rank']}")
    chart = page.get_by_test_id("shap-chart")
    expect(chart).to_be_visible()
    rows = chart.get_by_test_id("shap-row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3
    # The bars are the model's own explanation: the largest contribution comes first and the
    # rows add up from the base value to the raw score.
    features = rows.evaluate_all("rs => rs.map(r => r.dataset.feature)")
    contributions = [
        float(v) for v in rows.evaluate_all("rs => rs.map(r => r.dataset.contribution)")
    ]
    assert features[0] == explained["contributions"][0]["feature"]
    assert sum(contributions) == pytest.approx(
        explained["raw_score"] - explained["base_value"], abs=1e-6
    )
    assert any(abs(c) > 0 for c in contributions)
    raw = page.get_by_test_id("shap-raw-score").inner_text()
    assert float(raw) == pytest.approx(explained["raw_score"], abs=1e-3)
    # What ranked the item: the model, or (where the model's evidence did not clear the bar) a
    # baseline, whose own parts then come first and add up to its score.
    assert explained["ranked_by"] == item["ranked_by"]
    # The stored evidence decides which (today a baseline for every webhook kind).
    assert explained["ranked_by"] in webhook_ranked_by()
    notice = page.get_by_test_id("explain-ranked-by")
    if explained["ranked_by"] == "model":
        expect(notice).to_have_count(0)
        return
    expect(notice).to_have_attribute("data-ranked-by", explained["ranked_by"])
    expect(notice).to_contain_text("not by the model")
    expect(page.get_by_test_id("explain-model-head")).to_contain_text("not used for this item")
    parts = page.get_by_test_id("baseline-part")
    expect(parts).to_have_count(len(explained["baseline"]["parts"]))
    shown = [float(v) for v in parts.evaluate_all("rs => rs.map(r => r.dataset.contribution)")]
    assert sum(shown) == pytest.approx(explained["baseline"]["score"], abs=1e-6)
    total = page.get_by_test_id("baseline-total").inner_text()
    assert float(total) == pytest.approx(explained["baseline"]["score"], abs=1e-3)


def test_whatif_slider_changes_the_predicted_rank(page: Page, devhost):
    """An item the model ranks moves with its price; one a baseline ranks (where the model's
    evidence did not clear the bar, demo.evaluate) does not, and the page says why."""
    by_model = by_rule = None
    with devhost.client() as c:
        for item in ranked(devhost)[4:]:
            low = max(1, math.floor(item["price"] * 0.5))
            body = c.post(
                "/api/whatif/price",
                json={"item_id": item["item_id"], "new_price": low},
                headers=ANALYST,
            ).json()
            if body["ranked_by"] != "model":
                assert body["predicted"]["rank"] == body["current"]["rank"], body
                by_rule = by_rule or (item, low, body)
            elif body["predicted"]["rank"] != body["current"]["rank"]:
                by_model = by_model or (item, low, body)
    assert by_model or by_rule, "no item to ask"

    if by_rule is not None:
        item, low, body = by_rule
        page.goto(f"/whatif?item={item['item_id']}")
        note = page.get_by_test_id("whatif-ranked-by")
        expect(note).to_have_attribute("data-ranked-by", body["ranked_by"])
        expect(note).to_contain_text("not by the model")
        page.get_by_test_id("whatif-slider").fill(str(low))
        expect(page.get_by_test_id("whatif-price")).to_have_text(en_in(page, low, currency=True))
        expect(page.get_by_test_id("whatif-predicted-rank")).to_have_text(
            str(body["current"]["rank"])
        )
    if by_model is not None:
        item, low, body = by_model
        page.goto(f"/whatif?item={item['item_id']}")
        expect(page.get_by_test_id("whatif-ranked-by")).to_have_count(0)
        predicted = page.get_by_test_id("whatif-predicted-rank")
        expect(predicted).to_have_text(str(body["current"]["rank"]))
        expect(page.get_by_test_id("whatif-current-rank")).to_have_text(
            str(body["current"]["rank"])
        )
        before = predicted.inner_text()
        page.get_by_test_id("whatif-slider").fill(str(low))
        expect(page.get_by_test_id("whatif-price")).to_have_text(en_in(page, low, currency=True))
        expect(predicted).to_have_text(str(body["predicted"]["rank"]))
        assert predicted.inner_text() != before


def test_analyst_cannot_create_a_rule(page: Page, devhost):
    sign_in(page, "analyst")
    page.goto("/rules")
    expect(page.get_by_test_id("page-rules")).to_be_visible()
    expect(page.get_by_test_id("rules-readonly")).to_be_visible()
    expect(page.get_by_test_id("rule-form")).to_have_count(0)
    expect(page.get_by_test_id("rule-submit")).to_have_count(0)
    expect(page.get_by_test_id("rule-delete")).to_have_count(0)

    with devhost.client() as c:
        count = len(c.get("/api/rules", headers=ADMIN).json()["rules"])
    item = ranked(devhost)[-1]["item_id"]
    # The page's own cookie: the request is the analyst's, as the browser would send it.
    resp = page.request.post("/api/rules/pin", data={"item_id": item, "position": 1})
    assert resp.status == 403, resp.text()
    with devhost.client() as c:
        assert len(c.get("/api/rules", headers=ADMIN).json()["rules"]) == count
