"""The inventory and alerts pages in the browser, on the real local stack.

Three items are stocked at two stores (HIGH at S1 with a product image, CRITICAL at S2, one
not in danger) and the daily job's inventory steps count the day, as the job does. The store
danger page shows what ``GET /api/inventory/store-danger-summary`` says and drills down to the
items; the search opens a product image in a preview that Esc, a click outside and the close
button each close; the product page shows its price, days active and labelled risk; the Alerts
page runs the alerts, and devhost's fake WhatsApp Graph API's messages appear as a phone shows
them (the header image fetched from Blob), then the daily job runs from the page.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from shared.adapters.blob import model_store
from shared.core.settings import get_settings
from shared.inventory import daily
from tests.e2e.conftest import sign_in
from tests.integration.conftest import DevHost, eventually, start_devhost, stop_devhost
from tests.integration.helpers import principal
from tests.integration.jobs_helpers import GraphFake, job_settings, seed_danger, today

pytestmark = pytest.mark.e2e
ADMIN, ANALYST = principal("admin"), principal("analyst")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def devhost(env, store, monkeypatch_module, tmp_path_factory) -> Iterator[DevHost]:
    """devhost with its fake WhatsApp Graph API and four recipients (founders, two managers)."""
    extra = job_settings()
    for key, value in extra.items():
        monkeypatch_module.setenv(key, value)
    get_settings.cache_clear()
    host = start_devhost(
        {**env, **extra}, tmp_path_factory.mktemp("inventory"), "--no-seed", "--no-timers"
    )
    yield host
    stop_devhost(host)


@pytest.fixture(scope="module")
def items(devhost, catalogue, store) -> dict[str, str]:
    """The danger items, counted today by the daily job's inventory steps (no alerts yet)."""
    seeded = seed_danger(store, "UI")
    ctx = daily.StepContext(day=today(), store=store, settings=get_settings(), models=model_store())
    for _name, step in daily.STEPS:
        step(ctx)
    return seeded


@pytest.fixture(scope="module")
def graph(devhost) -> GraphFake:
    return GraphFake(devhost.env["WhatsApp__baseUrl"])


def api(devhost: DevHost, path: str, **params) -> dict:
    with devhost.client() as c:
        resp = c.get(path, params=params, headers=ANALYST)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_store_danger_page_shows_capital_by_store_and_drills_down(page: Page, devhost, items):
    summary = api(devhost, "/api/inventory/store-danger-summary")
    by_store = {s["store_id"]: s for s in summary["stores"]}
    assert by_store["S1"]["items"]["HIGH"] >= 1 and by_store["S2"]["items"]["CRITICAL"] >= 1

    page.goto("/inventory")
    expect(page.get_by_test_id("page-inventory")).to_be_visible()
    total = page.get_by_test_id("danger-total-capital")
    expect(total).to_have_attribute("data-value", _num(summary["totals"]["capital_at_risk"]))
    expect(page.get_by_test_id("danger-total-items")).to_have_attribute(
        "data-value", str(summary["totals"]["items_in_danger"])
    )
    expect(page.get_by_test_id("danger-day")).to_have_text(str(today()))
    rows = page.get_by_test_id("danger-store-row")
    expect(rows).to_have_count(len(summary["stores"]))
    for store_id in ("S1", "S2"):
        row = page.locator(f'[data-testid="danger-store-row"][data-store-id="{store_id}"]')
        expect(row).to_have_attribute(
            "data-capital", _num(by_store[store_id]["capital_at_risk_total"])
        )
        for level in ("EARLY", "HIGH", "CRITICAL"):
            cell = row.get_by_test_id(f"danger-cell-{level}")
            expect(cell).to_have_attribute("data-items", str(by_store[store_id]["items"][level]))
        # first day counted: nothing to compare with, said in words
        expect(row.get_by_test_id("danger-store-change")).to_have_attribute("data-dir", "new")
    # one bar per store with capital at risk, each value written out
    chart = page.get_by_test_id("danger-chart")
    at_risk = [s for s in summary["stores"] if s["capital_at_risk_total"] > 0]
    expect(chart.get_by_test_id("danger-chart-bar")).to_have_count(len(at_risk))
    expect(page.get_by_test_id("danger-chart-summary")).to_contain_text("S2")
    page.get_by_test_id("danger-level-CRITICAL").click()
    expect(page).to_have_url(f"{devhost.base_url}/inventory?level=CRITICAL")
    s2_bar = chart.locator('[data-testid="danger-chart-bar"][data-label="S2"]')
    expect(s2_bar).to_have_attribute(
        "data-value", _num(by_store["S2"]["capital_at_risk"]["CRITICAL"])
    )
    expect(chart.locator('[data-testid="danger-chart-bar"][data-label="S1"]')).to_have_count(0)

    # drill down: S2's critical items
    page.locator('[data-testid="danger-store-row"][data-store-id="S2"]').get_by_test_id(
        "danger-cell-CRITICAL"
    ).click()
    expect(page).to_have_url(f"{devhost.base_url}/inventory/search?store=S2&danger=CRITICAL")
    found = page.get_by_test_id("search-row")
    expect(found.first).to_be_visible()
    expect(
        page.locator(f'[data-testid="search-row"][data-item-id="{items["CRITICAL"]}"]')
    ).to_be_visible()
    for i in range(found.count()):
        expect(found.nth(i)).to_have_attribute("data-store-id", "S2")
        expect(found.nth(i)).to_have_attribute("data-danger", "CRITICAL")
    expect(page.get_by_test_id("search-total")).to_have_attribute(
        "data-total", str(by_store["S2"]["items"]["CRITICAL"])
    )


def test_decisions_list_each_item_in_danger_with_its_action(page: Page, devhost, items):
    answer = api(devhost, "/api/inventory/decisions", limit=50)
    page.goto("/inventory")
    table = page.get_by_test_id("decisions-table")
    rows = table.get_by_test_id("decision-row")
    expect(rows).to_have_count(len(answer["decisions"]))
    first = answer["decisions"][0]
    row = rows.first
    expect(row).to_have_attribute("data-item-id", first["item_id"])
    expect(row.get_by_test_id("decision-recovery")).to_have_attribute(
        "data-value", _num(first["decision"]["expected_recovery"])
    )
    expect(row.get_by_test_id("decision-action")).not_to_be_empty()
    page.get_by_test_id("decisions-store").select_option("S1")
    expect(page).to_have_url(f"{devhost.base_url}/inventory?store=S1")
    expect(table.locator('[data-testid="decision-row"]:not([data-store-id="S1"])')).to_have_count(0)


def test_one_click_clearance_boost_creates_the_rule_once(page: Page, devhost, items):
    page.goto("/inventory?store=S1")
    row = page.locator(f'[data-testid="decision-row"][data-item-id="{items["HIGH"]}"]')
    expect(row).to_be_visible()
    answer = api(devhost, "/api/inventory/decisions", store_id="S1")
    (decision,) = [d for d in answer["decisions"] if d["item_id"] == items["HIGH"]]
    clearance = [o for o in decision["decision"]["options"] if o["action"] == "clearance"]
    assert clearance and clearance[0]["expected_recovery"] is not None, decision
    row.get_by_test_id("clearance-boost").click()
    done = page.get_by_test_id("clearance-done")
    expect(done).to_contain_text("Created clearance boost rule")
    active = row.get_by_test_id("clearance-active")
    expect(active).to_be_visible()
    rule_id = active.locator("code").inner_text()
    rules = api(devhost, "/api/rules")
    listed = [r for r in rules["rules"] if r["id"] == rule_id]
    assert len(listed) == 1 and listed[0]["type"] == "clearance", rules
    # the button is gone: a second click cannot make a second rule
    expect(row.get_by_test_id("clearance-boost")).to_have_count(0)
    again = api(devhost, "/api/rules")["rules"]
    assert sum(1 for r in again if r["type"] == "clearance") == 1


def test_search_thumbnail_opens_a_preview_that_esc_outside_and_close_each_close(
    page: Page, devhost, items
):
    page.goto("/inventory/search")
    page.get_by_test_id("search-query").fill("silk")
    row = page.locator(f'[data-testid="search-row"][data-item-id="{items["HIGH"]}"]')
    expect(row).to_be_visible()
    expect(page.get_by_test_id("search-row")).to_have_count(1)
    expect(page).to_have_url(f"{devhost.base_url}/inventory/search?q=silk")
    thumb = row.get_by_test_id("thumb")
    expect(thumb.locator("img")).to_have_js_property("complete", True)
    assert thumb.locator("img").evaluate("img => img.naturalWidth") > 0  # served by the API

    preview = page.get_by_test_id("image-preview")
    for close in ("Escape", "outside", "button"):
        thumb.click()
        expect(preview).to_be_visible()
        expect(preview).to_have_attribute("open", "")
        # focus moves into the dialog (its close button)
        expect(page.get_by_test_id("image-preview-close")).to_be_focused()
        img = page.get_by_test_id("image-preview-img")
        expect(img).to_have_attribute("alt", "Silk saree")
        assert img.evaluate("img => img.complete && img.naturalWidth") > 0
        if close == "Escape":
            page.keyboard.press("Escape")
        elif close == "outside":
            page.mouse.click(3, 3)  # the backdrop, far from the picture
        else:
            page.get_by_test_id("image-preview-close").click()
        expect(preview).to_have_count(0)
        expect(thumb).to_be_focused()  # focus back where it was

    # a click on the picture itself keeps the preview open
    thumb.click()
    page.get_by_test_id("image-preview-img").click()
    expect(preview).to_be_visible()
    page.keyboard.press("Escape")
    expect(preview).to_have_count(0)

    # filters: alert-only (entered a level today) and a danger level
    page.get_by_test_id("search-query").fill("")
    page.get_by_test_id("search-alert-only").check()
    expect(page).to_have_url(f"{devhost.base_url}/inventory/search?alert_only=true")
    api_alerted = api(devhost, "/api/inventory/search", alert_only="true", page_size=200)
    expect(page.get_by_test_id("search-total")).to_have_attribute(
        "data-total", str(api_alerted["total"])
    )
    expect(
        page.locator(f'[data-testid="search-row"][data-item-id="{items["NONE"]}"]')
    ).to_have_count(0)
    page.get_by_test_id("search-danger-HIGH").check()
    expect(
        page.locator(f'[data-testid="search-row"][data-item-id="{items["HIGH"]}"]')
    ).to_be_visible()
    expect(page.locator('[data-testid="search-row"]:not([data-danger="HIGH"])')).to_have_count(0)


def test_product_page_shows_price_days_active_and_labelled_risk(page: Page, devhost, items):
    item = items["HIGH"]
    detail = api(devhost, f"/api/inventory/items/{item}")
    risk = api(devhost, "/api/ml/inventory", product_id=item, limit=1)
    page.goto(f"/inventory/search?q={item}")
    page.get_by_test_id("search-item-link").first.click()
    expect(page.get_by_test_id("page-product")).to_be_visible()
    expect(page.get_by_test_id("product-title")).to_have_text("Silk saree")
    expect(page.get_by_test_id("product-days-active")).to_have_attribute(
        "data-value", str(detail["days_active"])
    )
    assert detail["days_active"] == 40
    expect(page.get_by_test_id("product-price")).to_have_attribute(
        "data-value", "" if detail["current_price"] is None else _num(detail["current_price"])
    )
    shown = page.get_by_test_id("risk")
    expect(shown).to_have_attribute("data-source", risk["items"][0]["risk_source"])
    if risk["source"] == "rules":
        expect(page.get_by_test_id("risk-label")).to_have_text("rules-based level (no risk model)")
        expect(page.get_by_test_id("risk-value")).to_have_text("High")
    else:
        expect(page.get_by_test_id("risk-reason")).to_have_count(
            len(risk["items"][0]["risk_reasons"])
        )
    store_row = page.locator('[data-testid="product-store-row"][data-store-id="S1"]')
    expect(store_row.get_by_test_id("danger-badge")).to_have_attribute("data-level", "HIGH")


def test_a_price_set_by_the_admin_joins_the_price_history_chart(page: Page, devhost, items):
    item = items["CRITICAL"]
    page.goto(f"/inventory/item/{item}")
    expect(page.get_by_test_id("product-title")).to_have_text("Denim jacket")
    page.get_by_test_id("price-input").fill("1499")
    page.get_by_test_id("price-submit").click()
    expect(page.get_by_test_id("price-saved")).to_contain_text("₹1,499.00")

    def charted() -> bool:
        detail = api(devhost, f"/api/inventory/items/{item}")
        return detail["current_price"] == 1499 and len(detail["price_history"]) >= 1

    eventually(charted, timeout=60)
    page.reload()
    expect(page.get_by_test_id("product-price")).to_have_attribute("data-value", "1499")
    expect(page.get_by_test_id("price-history-chart")).to_be_visible()
    expect(page.get_by_test_id("price-history-chart-summary")).to_contain_text("1,499")


def test_alerts_page_runs_alerts_and_shows_the_messages_as_a_phone_would(
    page: Page, devhost, graph, items
):
    page.goto("/alerts")
    expect(page.get_by_test_id("phones-empty")).to_be_visible()
    expect(page.get_by_test_id("alerts-empty")).to_be_visible()

    # a dry run sends and logs nothing
    page.get_by_test_id("alerts-send").uncheck()
    page.get_by_test_id("alerts-run").click()
    result = page.get_by_test_id("alerts-run-result")
    expect(result).to_contain_text("Dry run")
    expect(page.get_by_test_id("alerts-would").locator("li")).to_have_count(2)
    assert graph.messages() == []
    expect(page.get_by_test_id("alerts-empty")).to_be_visible()

    page.get_by_test_id("alerts-send").check()
    page.get_by_test_id("alerts-run").click()
    expect(result).to_have_attribute("data-sent", "6")
    expect(result).to_have_attribute("data-created", "2")
    received = graph.messages()
    assert len(received) == 6

    # one phone per recipient, the messages as they were received
    phones = page.get_by_test_id("phone")
    expect(phones).to_have_count(len({m["payload"]["to"] for m in received}))
    bubbles = page.get_by_test_id("phone-message")
    expect(bubbles).to_have_count(6)
    with_image = page.locator(
        '[data-testid="phone-message"][data-template="inventory_danger_alert"]'
    )
    expect(with_image).to_have_count(3)
    image = with_image.first.get_by_test_id("phone-message-image")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0  # the SAS link WhatsApp fetched
    expect(with_image.first.get_by_test_id("phone-message-text")).to_contain_text(
        "HIGH stock alert: Silk saree at"
    )
    text_only = page.locator(
        '[data-testid="phone-message"][data-template="inventory_danger_alert_text"]'
    )
    expect(text_only).to_have_count(3)
    expect(text_only.first.get_by_test_id("phone-message-image")).to_have_count(0)
    expect(text_only.first.get_by_test_id("phone-message-text")).to_contain_text(
        "CRITICAL stock alert"
    )

    # the alert log with each delivery
    rows = page.get_by_test_id("alert-row")
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i)).to_have_attribute("data-status", "sent")
        expect(
            rows.nth(i).locator('[data-testid="alert-delivery"][data-status="sent"]')
        ).to_have_count(3)

    # running again sends nothing twice
    page.get_by_test_id("alerts-run").click()
    expect(result).to_have_attribute("data-created", "0")
    expect(result).to_contain_text("2 already alerted today")
    assert len(graph.messages()) == 6


def test_the_daily_job_runs_from_the_page_with_its_steps(page: Page, devhost, items):
    page.goto("/alerts")
    expect(page.get_by_test_id("jobs-empty")).to_be_visible()
    page.get_by_test_id("job-run").click()
    run = page.locator(f'[data-testid="job-run-row"][data-run-id="daily:{today()}"]')
    expect(run).to_have_attribute("data-status", "succeeded", timeout=120_000)
    steps = run.get_by_test_id("job-step")
    names = api(devhost, "/api/jobs")["schedule"]["steps"]
    expect(steps).to_have_count(len(names))
    for i, name in enumerate(names):
        expect(steps.nth(i)).to_have_attribute("data-step", name)
        expect(steps.nth(i)).to_have_attribute("data-status", "done")
    # today's run is done: the button now offers a re-run
    expect(page.get_by_test_id("job-run")).to_have_text("Run today's job again")


def test_analyst_sees_the_pages_without_write_controls(browser, devhost, items):
    ctx = browser.new_context(base_url=devhost.base_url, viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    try:
        sign_in(pg, "analyst")
        pg.goto("/alerts")
        expect(pg.get_by_test_id("alerts-readonly")).to_be_visible()
        expect(pg.get_by_test_id("phones")).to_be_visible()
        expect(pg.get_by_test_id("alerts-run-form")).to_have_count(0)
        expect(pg.get_by_test_id("job-run")).to_have_count(0)
        pg.goto("/inventory")
        expect(pg.get_by_test_id("decisions-readonly")).to_be_visible()
        expect(pg.get_by_test_id("clearance-boost")).to_have_count(0)
        pg.goto(f"/inventory/item/{items['HIGH']}")
        expect(pg.get_by_test_id("product-title")).to_be_visible()
        expect(pg.get_by_test_id("price-form")).to_have_count(0)
    finally:
        ctx.close()


def test_the_fake_phone_record_is_local_only(devhost):
    """The page's source is devhost's fake Graph API, read through the API (same origin)."""
    got = api(devhost, "/api/whatsapp/local-messages")["messages"]
    direct = httpx.get(f"{GraphFake(devhost.env['WhatsApp__baseUrl']).root}/_fake/messages").json()
    assert [m["id"] for m in got] == [m["id"] for m in direct["messages"]]
    assert all("•" in m["payload"]["to"] for m in got)  # numbers masked in answers


def _num(value: float) -> str:
    """A number as the page writes it into data-value (JavaScript's String(number))."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def test_the_image_route_serves_only_a_products_own_picture(devhost, items):
    with devhost.client() as c:
        ok = c.get(f"/api/inventory/items/{items['HIGH']}/image", headers=ANALYST)
        no_image = c.get(f"/api/inventory/items/{items['CRITICAL']}/image", headers=ANALYST)
        unknown = c.get("/api/inventory/items/NO-SUCH-ITEM/image", headers=ANALYST)
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/png"
    assert ok.content.startswith(b"\x89PNG")
    for resp in (no_image, unknown):
        assert resp.status_code == 404 and resp.json()["error"] == "not_found", resp.text


def test_the_preview_on_a_phone_is_an_accessible_modal_dialog(browser, devhost, items):
    ctx = browser.new_context(
        base_url=devhost.base_url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    pg = ctx.new_page()
    try:
        sign_in(pg, "analyst")
        pg.goto(f"/inventory/search?q={items['HIGH']}")
        thumb = pg.get_by_test_id("thumb")
        expect(thumb).to_have_accessible_name("Preview the image of Silk saree")
        thumb.tap()
        dialog = pg.get_by_role("dialog", name="Image of Silk saree")
        expect(dialog).to_be_visible()
        # modal: Tab never leaves the dialog for the page behind it
        for _ in range(4):
            pg.keyboard.press("Tab")
            inside = pg.evaluate(
                "() => !!document.activeElement.closest('[data-testid=\"image-preview\"]')"
                " || document.activeElement === document.body"
            )
            assert inside
        box = pg.get_by_test_id("image-preview-img").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        results = Axe().run(pg, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        bad = [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS]
        assert not bad, bad
        pg.get_by_test_id("image-preview-close").tap()
        expect(dialog).to_have_count(0)
    finally:
        ctx.close()
