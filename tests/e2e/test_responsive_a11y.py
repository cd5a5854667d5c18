"""The dashboard on a seller's phone (390 x 844) and on a wide desktop (1440 x 900), for everyone.

Every page, in both roles and at both sizes: no sideways scroll, KPI figures never cut, the menu
reaches every page, touch targets of at least 44 px on the phone, and axe-core finds no serious or
critical WCAG 2.1 A/AA violation. Full-page screenshots of every page at both sizes are kept in
``artifacts/e2e/responsive/``. Also: the Rules tabs by keyboard, the skip link and visible focus,
low stock in words, chart data tables, the web app manifest, and a phone that sleeps and wakes.
"""

from __future__ import annotations

import json
import re
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from demo import samples
from tests.e2e.conftest import ARTIFACTS, WAIT_MS, sign_in
from tests.integration.conftest import eventually
from tests.integration.helpers import post_webhook, principal
from tests.integration.jobs_helpers import seed_danger, today

pytestmark = pytest.mark.e2e
ADMIN, ANALYST = principal("admin"), principal("analyst")
SHOTS = ARTIFACTS / "responsive"
SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
LOW_STOCK = 10
# Mock, or Live once an order webhook has marked its store as connected.
CONNECTED = re.compile(r"^(mock|live)$")
AXE = Axe()
# WCAG 2.0/2.1 A and AA rules (and axe's best practices, reported but only serious and critical
# ones fail the test).
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


@dataclass
class Prepared:
    item: str  # an ordinary item, for the item and what-if pages
    low: str  # an item with low stock
    unknown: str  # a listing known only from an order: needs catalogue details
    import_id: str  # a finished import with row errors (and the quality run after it)


@pytest.fixture(scope="module")
def prepared(devhost, catalogue) -> Prepared:
    """A low-stock item (sold down by an order), a rule and audit entries, so no page is empty."""
    with devhost.client() as c:
        items = c.post("/api/rank", json={"limit": 50}, headers=ANALYST).json()["items"]
    low = next((i for i in items if 0 < i["stock"] <= LOW_STOCK), None)
    if low is None:
        low = next(i for i in items if i["marketplace"] == "amazon" and i["stock"] > 5)
        order = {
            "eventType": "ORDER_PLACED",
            "asin": low["item_id"],
            "price": low["price"],
            "quantity": low["stock"] - 3,
            "region": "IN",
            "orderId": f"402-{uuid.uuid4().hex[:10]}",
        }
        assert post_webhook(devhost, "amazon", order).status_code == 200

    item = next(i for i in items if i["item_id"] != low["item_id"])
    # More than a lakh of revenue in 24 h, so a squeezed card has a lakh figure to shorten.
    with devhost.client() as c:
        revenue = c.get("/api/metrics", headers=ANALYST).json()["kpis"]["revenue"]
    if revenue < 150_000:
        big = max(
            (i for i in items if i["marketplace"] == "amazon" and i["item_id"] != low["item_id"]),
            key=lambda i: i["price"],
        )
        order = {
            "eventType": "ORDER_PLACED",
            "asin": big["item_id"],
            "price": big["price"],
            "quantity": int((150_000 - revenue) / big["price"]) + 1,
            "region": "IN",
            "orderId": f"402-{uuid.uuid4().hex[:10]}",
        }
        assert post_webhook(devhost, "amazon", order).status_code == 200
    with devhost.client() as c:
        resp = c.post(
            "/api/rules/boost",
            json={"item_id": item["item_id"], "strength": 0.3, "note": "Diwali promotion"},
            headers={**ADMIN, **devhost.origin},
        )
        assert resp.status_code in (200, 201), resp.text

        def low_ranked() -> bool:
            page = c.post("/api/rank", json={"limit": 50}, headers=ANALYST).json()["items"]
            return any(i["item_id"] == low["item_id"] and i["stock"] <= LOW_STOCK for i in page)

        from tests.integration.conftest import eventually

        eventually(low_ranked, timeout=30)
        eventually(
            lambda: c.get("/api/metrics", headers=ANALYST).json()["kpis"]["revenue"] >= 100_000,
            timeout=30,
        )
    # An order for a SKU the catalogue does not know: the unmatched listings have a row.
    unknown = f"AMZ-NEW-{uuid.uuid4().hex[:6].upper()}"
    order = {
        "eventType": "ORDER_PLACED",
        "asin": unknown,
        "price": 649,
        "quantity": 1,
        "region": "IN",
        "orderId": f"402-{uuid.uuid4().hex[:10]}",
    }
    assert post_webhook(devhost, "amazon", order).status_code == 200
    with devhost.client() as c:
        eventually(
            lambda: any(
                i["item_id"] == unknown
                for i in c.get("/api/catalogue/unmatched", headers=ANALYST).json()["items"]
            ),
            timeout=30,
        )
    return Prepared(
        item=item["item_id"],
        low=low["item_id"],
        unknown=unknown,
        import_id=imported_with_errors(devhost),
    )


def imported_with_errors(devhost) -> str:
    """A sales file with bad rows, imported: the Imports page has its row errors, the Data
    quality page the run that followed it."""
    items = samples.products(8, seed=21, prefix="SKU-A11Y")
    day = datetime.now(UTC).date() - timedelta(days=1)
    text, _ = samples.corrupted_sales_csv(items, day, rows=40, seed=21)
    with devhost.client() as c:
        resp = c.post(
            "/api/imports", files={"file": ("pos_sales.csv", text.encode())}, headers=ADMIN
        )
        assert resp.status_code == 202, resp.text
        import_id = resp.json()["id"]
        eventually(
            lambda: (
                c.get(f"/api/imports/{import_id}", headers=ANALYST).json()["status"] == "imported"
            ),
            timeout=60,
        )
        eventually(lambda: c.get("/api/quality", headers=ANALYST).json()["run"], timeout=30)
    return import_id


@pytest.fixture(scope="module", autouse=True)
def lake_published(devhost, store, catalogue) -> dict:
    """One lake run over the seeded history, so the Analytics and Analyst pages have data."""
    from shared.analytics import job
    from shared.core.records import utcnow
    from shared.core.settings import get_settings

    with devhost.client() as c:
        items = c.post("/api/rank", json={"limit": 50}, headers=ANALYST).json()["items"]
    myntra = [i for i in items if i["marketplace"] == "myntra"][:2]
    assert len(myntra) == 2, "the seeded catalogue has Myntra listings"
    # Buyers with an identity (Myntra), so the customer segments have someone in them.
    places = [("Pune", "Maharashtra"), ("Agra", "Goa")]
    for n, (item, place) in enumerate(zip(myntra, places, strict=True)):
        line = {"lineId": "1", "sellerSku": item["item_id"], "quantity": 1, "sellingPrice": 499.0}
        order = {
            "orderId": f"A11Y-{uuid.uuid4().hex[:8]}",
            "status": "CREATED",
            "city": place[0],
            "state": place[1],
            "buyerId": f"a11y-buyer-{n}",
            "lines": [line],
        }
        body = {"event": "ORDER_CREATED", "order": order}
        assert post_webhook(devhost, "myntra", body).status_code == 200
    return job.run(store, get_settings(), utcnow())


@pytest.fixture(scope="module", autouse=True)
def inventory_counted(devhost, store, catalogue) -> dict[str, str]:
    """Items in danger counted by the daily job's inventory steps, and their alerts logged, so
    the inventory and alerts pages have rows."""
    from shared.adapters.blob import model_store
    from shared.core.settings import get_settings
    from shared.inventory import daily

    items = seed_danger(store, "A11Y")
    ctx = daily.StepContext(day=today(), store=store, settings=get_settings(), models=model_store())
    for _name, step in daily.STEPS:
        step(ctx)
    with devhost.client() as c:
        resp = c.post("/api/alerts/run", params={"send_notifications": "true"}, headers=ADMIN)
        assert resp.status_code == 200, resp.text
    return items


def pages(prepared: Prepared) -> list[tuple[str, str, str]]:
    """(name, path, what to wait for) for every page."""
    return [
        ("overview", "/", "kpi-cards"),
        ("rankings", "/rankings", "rankings-table"),
        ("analytics", "/analytics", "revenue-chart"),
        ("analytics-segments", "/analytics?tab=segments", "rfm-grid"),
        ("analyst", "/analyst", "gold-schema"),
        ("item", f"/item/{prepared.item}", "shap-chart"),
        ("whatif", f"/whatif?item={prepared.item}", "whatif-curve-chart"),
        ("rules", "/rules", "rules-table"),
        ("stores", "/stores", "store-card-amazon"),
        ("audit", "/audit", "audit-table"),
        # The admin sees the open form; the analyst the row only.
        ("unmatched", f"/catalogue/unmatched?item={prepared.unknown}", "unmatched-row"),
        ("unknown-item", f"/item/{prepared.unknown}", "item-needs-details"),
        ("deadletters", "/deadletters", "deadletters-replay"),
        ("imports", f"/imports?id={prepared.import_id}", "import-error-row"),
        ("quality", "/quality", "quality-checks"),
        ("inventory", "/inventory", "danger-stores"),
        ("inventory-search", "/inventory/search?danger=HIGH,CRITICAL", "search-row"),
        ("product", "/inventory/item/A11Y-HIGH", "product-facts"),
        ("alerts", "/alerts", "alert-row"),
    ]


PAGE_NAMES = [
    "overview",
    "rankings",
    "analytics",
    "analytics-segments",
    "analyst",
    "item",
    "whatif",
    "rules",
    "stores",
    "audit",
    "unmatched",
    "unknown-item",
    "deadletters",
    "imports",
    "quality",
    "inventory",
    "inventory-search",
    "product",
    "alerts",
]
NAV_IDS = {
    "overview": "/",
    "analytics": "/analytics",
    "analyst": "/analyst",
    "rankings": "/rankings",
    "whatif": "/whatif",
    "rules": "/rules",
    "stores": "/stores",
    "audit": "/audit",
    "unmatched": "/catalogue/unmatched",
    "imports": "/imports",
    "quality": "/quality",
    "inventory": "/inventory",
    "alerts": "/alerts",
}


def new_context(browser: Browser, devhost, size: str) -> BrowserContext:
    width, height = SIZES[size]
    phone = size == "phone"
    ctx = browser.new_context(
        base_url=devhost.base_url,
        viewport={"width": width, "height": height},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=1,
        locale="en-IN",
        timezone_id="Asia/Kolkata",
    )
    ctx.set_default_timeout(WAIT_MS)
    return ctx


@pytest.fixture(params=list(SIZES))
def sized(request, browser, devhost, prepared) -> Iterator[tuple[str, BrowserContext]]:
    ctx = new_context(browser, devhost, request.param)
    yield request.param, ctx
    ctx.close()


@pytest.fixture
def phone(browser, devhost, prepared) -> Iterator[Page]:
    ctx = new_context(browser, devhost, "phone")
    pg = ctx.new_page()
    sign_in(pg, "admin")
    yield pg
    ctx.close()


def open_page(pg: Page, prepared: Prepared, name: str) -> None:
    path, ready = next((p, r) for n, p, r in pages(prepared) if n == name)
    pg.goto(path)
    expect(pg.get_by_test_id(ready).first).to_be_visible()
    expect(pg.get_by_test_id("conn-indicator")).to_have_attribute("data-state", CONNECTED)
    pg.wait_for_load_state("networkidle")


def sideways(pg: Page) -> dict:
    """The document's width against the viewport's, and any element that sticks out on the right."""
    return pg.evaluate(
        """() => {
            const doc = document.documentElement;
            const limit = doc.clientWidth;
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.right > limit + 1 && !el.closest('.visually-hidden, thead')) {
                    out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.right)}`);
                }
            }
            return {scrollWidth: doc.scrollWidth, clientWidth: limit,
                    inner: window.innerWidth, offenders: out.slice(0, 8)};
        }"""
    )


def kpi_cut(pg: Page) -> list[str]:
    """KPI figures that do not fit their box (or carry an ellipsis)."""
    return pg.evaluate(
        """() => [...document.querySelectorAll('[data-testid^="kpi-"][data-testid$="-value"]')]
            .filter(el => el.scrollWidth > el.clientWidth || el.clientWidth === 0
                          || el.textContent.includes('…')
                          || el.getBoundingClientRect().right
                             > document.documentElement.clientWidth)
            .map(el => `${el.dataset.testid}: "${el.textContent}" `
                       + `${el.scrollWidth}>${el.clientWidth}`)"""
    )


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_every_page_fits_and_passes_axe(sized, role, prepared):
    size, ctx = sized
    width, _ = SIZES[size]
    pg = ctx.new_page()
    sign_in(pg, role)
    SHOTS.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for name in PAGE_NAMES:
        open_page(pg, prepared, name)
        geometry = sideways(pg)
        if geometry["scrollWidth"] != geometry["clientWidth"] or geometry["clientWidth"] > width:
            failures.append(f"{name}: scrolls sideways {geometry}")
        if name == "overview":
            cut = kpi_cut(pg)
            if cut:
                failures.append(f"{name}: KPI figures cut: {cut}")
        pg.screenshot(path=str(SHOTS / f"{role}-{name}-{size}.png"), full_page=True)
        pg.screenshot(path=str(SHOTS / f"{role}-{name}-{size}-first-screen.png"))

        results = AXE.run(pg, options=AXE_OPTIONS)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        for v in bad:
            targets = [n["target"] for n in v["nodes"][:4]]
            failures.append(f"{name}: axe {v['id']} ({v['impact']}): {v['help']} {targets}")
    assert not failures, "\n".join(failures)


def test_phone_menu_reaches_every_page(phone: Page, prepared):
    toggle = phone.get_by_test_id("nav-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(phone.get_by_test_id("nav-rankings")).to_be_hidden()
    for nav_id, path in [*NAV_IDS.items(), ("overview", "/")]:
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        link = phone.get_by_test_id(f"nav-{nav_id}")
        expect(link).to_be_visible()
        if nav_id == "rules":
            phone.screenshot(path=str(SHOTS / "menu-open-phone.png"))
            results = AXE.run(phone, options=AXE_OPTIONS)
            bad = [
                v["id"]
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert not bad, bad
        link.click()
        expect(phone).to_have_url(re.compile(rf"{re.escape(path)}$" if path != "/" else r"/$"))
        expect(phone.get_by_test_id(f"page-{nav_id}")).to_be_visible()
        # Choosing a page closes the menu.
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(link).to_be_hidden()
    # Escape closes it too and gives focus back to the button.
    toggle.click()
    phone.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()


def test_desktop_shows_the_navigation_without_a_menu(browser, devhost, prepared):
    ctx = new_context(browser, devhost, "desktop")
    try:
        pg = ctx.new_page()
        sign_in(pg, "admin")
        expect(pg.get_by_test_id("nav-toggle")).to_be_hidden()
        for nav_id in NAV_IDS:
            expect(pg.get_by_test_id(f"nav-{nav_id}")).to_be_visible()
        expect(pg.get_by_test_id("role-switch-analyst")).to_be_visible()
    finally:
        ctx.close()


def test_phone_touch_targets_are_at_least_44px(phone: Page, prepared):
    small: list[str] = []
    for name in PAGE_NAMES:
        open_page(phone, prepared, name)
        small += phone.evaluate(
            """name => [...document.querySelectorAll(
                    'button, input, select, summary, a.btn, [data-testid="rank-item-link"], '
                    + '.nav a, .role-switch a')]
                .filter(el => {
                    const r = el.getBoundingClientRect();
                    return r.width > 0 && r.height > 0
                           && getComputedStyle(el).visibility !== 'hidden';
                })
                .filter(el => {
                    const r = el.getBoundingClientRect();
                    return r.height < 44 - 0.5 || (el.tagName === 'BUTTON' && r.width < 44 - 0.5);
                })
                .map(el => {
                    const r = el.getBoundingClientRect();
                    const what = el.dataset.testid || el.className || el.textContent.slice(0, 20);
                    return `${name}: ${el.tagName.toLowerCase()} ${what} `
                           + `${Math.round(r.width)}x${Math.round(r.height)}`;
                })""",
            name,
        )
    assert not small, "\n".join(small)


def test_phone_tables_become_cards(phone: Page, prepared):
    for name, table in [
        ("rankings", "rankings-table"),
        ("audit", "audit-table"),
        ("rules", "rules-table"),
    ]:
        open_page(phone, prepared, name)
        shape = phone.get_by_test_id(table).evaluate(
            """t => ({
                head: t.tHead.getBoundingClientRect().height,
                row: getComputedStyle(t.tBodies[0].rows[0]).display,
                label: getComputedStyle(
                    t.tBodies[0].rows[0].querySelector('td[data-label]'), '::before').content,
            })"""
        )
        assert shape["head"] <= 1 and shape["row"] in ("block", "grid"), (name, shape)
        assert shape["label"] not in ("none", "normal", '""'), (name, shape)


def test_kpi_figures_go_short_when_space_is_short_with_the_exact_figure_on_tap(
    phone: Page, prepared
):
    expect(phone.get_by_test_id("kpi-cards")).to_be_visible()
    revenue = phone.get_by_test_id("kpi-revenue-value")
    exact_text = revenue.text_content()
    value = float(revenue.get_attribute("data-value"))
    assert value >= 100_000, "the seeded catalogue sells more than a lakh a day"
    expect(revenue).to_have_attribute("data-compact", "false")

    # Squeeze the cards (as a larger text setting does): the figures switch to lakh / crore.
    phone.add_style_tag(content=".kpi-revenue .kpi-value { font-size: 80px !important; }")
    expect(revenue).to_have_attribute("data-compact", "true")
    expect(revenue).to_have_text(re.compile(r"^₹\d+(\.\d)?\u00a0(L|Cr)$"))
    assert not kpi_cut(phone)
    revenue.click()
    expect(phone.get_by_test_id("kpi-revenue-exact")).to_have_text(exact_text)
    expect(revenue).to_have_attribute("aria-expanded", "true")
    assert exact_text in revenue.get_attribute("aria-label")
    phone.screenshot(path=str(SHOTS / "kpi-compact-phone.png"))


def test_rule_type_tabs_follow_the_aria_pattern(phone: Page, prepared):
    open_page(phone, prepared, "rules")
    tabs = phone.get_by_role("tablist", name="Rule type")
    expect(tabs).to_be_visible()
    pin, boost = phone.get_by_test_id("rule-type-pin"), phone.get_by_test_id("rule-type-boost")
    clearance = phone.get_by_test_id("rule-type-clearance")
    panel = phone.get_by_role("tabpanel")
    expect(pin).to_have_attribute("aria-selected", "true")
    expect(panel).to_have_attribute("aria-labelledby", "rule-tab-pin")
    assert phone.locator('[role="tab"][tabindex="0"]').count() == 1

    pin.focus()
    phone.keyboard.press("ArrowRight")
    expect(boost).to_be_focused()
    expect(boost).to_have_attribute("aria-selected", "true")
    expect(pin).to_have_attribute("aria-selected", "false")
    expect(panel).to_have_attribute("aria-labelledby", "rule-tab-boost")
    expect(phone.get_by_test_id("rule-strength")).to_be_visible()
    phone.keyboard.press("End")
    expect(clearance).to_be_focused()
    phone.keyboard.press("ArrowRight")  # wraps around
    expect(pin).to_be_focused()
    phone.keyboard.press("ArrowLeft")
    expect(clearance).to_have_attribute("aria-selected", "true")
    phone.keyboard.press("Home")
    expect(pin).to_have_attribute("aria-selected", "true")
    assert phone.locator('[role="tab"][tabindex="0"]').count() == 1
    # Tab leaves the tab list for the panel's first field.
    phone.keyboard.press("Tab")
    expect(phone.get_by_test_id("rule-item-id")).to_be_focused()


def test_skip_link_and_visible_focus(phone: Page, prepared):
    open_page(phone, prepared, "overview")
    phone.keyboard.press("Tab")
    skip = phone.get_by_test_id("skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["y"] >= 0, "the skip link shows when focused"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"
    # The next Tab lands inside the page, and the focused control has a visible outline.
    phone.keyboard.press("Tab")
    outline = phone.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {inMain: !!document.activeElement.closest('main'), style: s.outlineStyle,
                           width: parseFloat(s.outlineWidth)}; }"""
    )
    assert outline["inMain"] and outline["style"] != "none" and outline["width"] >= 2, outline


def test_low_stock_is_an_icon_and_words_not_colour_alone(phone: Page, prepared):
    open_page(phone, prepared, "rankings")
    row = phone.locator(f'[data-testid="rank-row"][data-item-id="{prepared.low}"]')
    flag = row.get_by_test_id("low-stock-flag")
    expect(flag).to_have_text("Low stock")
    assert row.locator(".stock-low svg.warn-icon").count() == 1
    open_page(phone, prepared, "overview")
    card = phone.get_by_test_id("kpi-low_stock")
    expect(card).to_contain_text("need restocking")
    assert card.locator("svg.warn-icon").count() == 1
    phone.goto(f"/item/{prepared.low}")
    expect(phone.get_by_test_id("item-stat-stock").get_by_test_id("low-stock-flag")).to_have_text(
        "Low stock"
    )


def test_charts_have_a_text_summary_and_a_data_table(phone: Page, prepared):
    open_page(phone, prepared, "overview")
    chart = phone.get_by_test_id("series-day-chart")
    expect(chart).to_have_attribute("role", "img")
    expect(chart).to_have_attribute("aria-label", re.compile(r"Amazon: latest"))
    expect(phone.get_by_test_id("series-day-chart-summary")).to_contain_text(
        re.compile(r"^\d+ points, .+ IST\. Amazon: ")
    )
    phone.get_by_test_id("series-day-chart-table-toggle").click()
    table = phone.get_by_test_id("series-day-chart-table")
    expect(table).to_be_visible()
    expect(table.locator("thead th")).to_have_text(["Time (IST)", "Amazon", "Myntra", "Meesho"])
    assert table.locator("tbody tr").count() >= 6  # six hours of seeded history
    # The chart still fits the phone: canvas and legend inside the panel.
    fits = chart.evaluate(
        """el => el.scrollWidth <= el.clientWidth + 1
                 && el.getBoundingClientRect().right <= document.documentElement.clientWidth"""
    )
    assert fits

    open_page(phone, prepared, "whatif")
    expect(phone.get_by_test_id("whatif-curve-chart-summary")).to_contain_text("Your price:")
    phone.get_by_test_id("whatif-curve-chart-table-toggle").click()
    expect(phone.get_by_test_id("whatif-curve-chart-table").locator("tbody tr")).to_have_count(50)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_installable_manifest_and_icons(phone: Page, devhost):
    href = phone.locator('link[rel="manifest"]').get_attribute("href")
    assert href == "/manifest.webmanifest"
    assert phone.locator('meta[name="theme-color"]').get_attribute("content")
    resp = phone.request.get(href)
    assert resp.ok
    manifest = json.loads(resp.body())
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] == "ReSight"
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/"), "icons are same-origin"
        got = phone.request.get(icon["src"])
        assert got.ok, icon
        if icon["type"] == "image/png":
            w, h = _png_size(got.body())
            assert f"{w}x{h}" == icon["sizes"], icon
            sizes.add((w, icon.get("purpose", "any")))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes
    touch = phone.locator('link[rel="apple-touch-icon"]').get_attribute("href")
    assert _png_size(phone.request.get(touch).body()) == (180, 180)


def _set_visibility(pg: Page, state: str) -> None:
    pg.evaluate(
        """state => {
            const define = (name, get) =>
                Object.defineProperty(document, name, {configurable: true, get});
            define('visibilityState', () => state);
            define('hidden', () => state === 'hidden');
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        state,
    )


def test_phone_sleep_closes_the_hub_and_waking_refetches_once(phone: Page, devhost, prepared):
    open_page(phone, prepared, "overview")
    indicator = phone.get_by_test_id("conn-indicator")
    revenue = phone.get_by_test_id("kpi-revenue-value")
    before = float(revenue.get_attribute("data-value"))
    sockets = []
    phone.on("websocket", lambda ws: sockets.append(ws))
    # A second screen that stays awake: once its ticker shows the order, the order's KPI and
    # event messages have gone out (the events follow the KPIs in one flush). Without it the
    # phone could wake before that flush had sent, and rightly show an order sent after it woke.
    awake = phone.context.new_page()
    open_page(awake, prepared, "overview")

    # Screen off: after the grace period (10 s) the connection is closed; nothing arrives.
    _set_visibility(phone, "hidden")
    expect(indicator).to_have_attribute("data-state", "reconnecting", timeout=15_000)

    # An order while the phone sleeps: its live messages are not sent to a closed connection.
    with devhost.client() as c:
        items = c.post("/api/rank", json={"limit": 50}, headers=ANALYST).json()["items"]
    item = next(i for i in items if i["marketplace"] == "amazon" and i["stock"] > 3)
    order = {
        "eventType": "ORDER_PLACED",
        "asin": item["item_id"],
        "price": item["price"],
        "quantity": 1,
        "region": "IN",
        "orderId": f"402-{uuid.uuid4().hex[:10]}",
    }
    assert post_webhook(devhost, "amazon", order).status_code == 200
    with devhost.client() as c:
        from tests.integration.conftest import eventually

        eventually(
            lambda: c.get("/api/metrics", headers=ANALYST).json()["kpis"]["revenue"] > before + 1,
            timeout=15,
        )
    row = f'[data-testid="ticker-row"][data-item-id="{item["item_id"]}"][data-kind="order"]'
    expect(awake.locator(row)).to_have_count(1, timeout=15_000)
    awake.close()

    calls: list[str] = []
    phone.on(
        "request",
        lambda r: calls.append(f"{r.method} {r.url.split('?')[0].replace(devhost.base_url, '')}"),
    )
    _set_visibility(phone, "visible")
    expect(indicator).to_have_attribute("data-state", CONNECTED)
    phone.wait_for_function(
        """before => Number(document.querySelector('[data-testid="kpi-revenue-value"]')
                                .dataset.value) > before + 1""",
        arg=before,
    )
    phone.wait_for_timeout(3_000)  # anything else the wake-up would fetch
    api_calls = [c for c in calls if "/api/" in c]
    assert api_calls.count("GET /api/metrics") == 1, api_calls
    assert api_calls.count("POST /api/negotiate") == 1, api_calls
    assert api_calls.count("GET /api/metrics/series") <= 2, api_calls  # the hour and the day chart
    assert len(sockets) == 1, "one new connection"
    # The order happened while asleep: the refetch shows it, the ticker does not replay it.
    expect(
        phone.locator(f'[data-testid="ticker-row"][data-item-id="{item["item_id"]}"]')
    ).to_have_count(0)
