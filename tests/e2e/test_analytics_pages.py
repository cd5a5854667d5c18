"""The Analytics and Analyst pages in headless Chromium, over a real lake in Azurite.

The lake is the one the analytics integration tests build (their events through the real
normalisers, the lake job, their fake OpenAI-compatible server); the pages are checked against
what the API answers for the same question. An empty lake gets its own devhost.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from shared.analytics.contracts import TABLES
from tests.e2e.conftest import WAIT_MS, sign_in
from tests.integration import test_analytics as lake_tests
from tests.integration.conftest import start_devhost, stop_devhost
from tests.integration.helpers import principal

pytestmark = pytest.mark.e2e
ANALYST = principal("analyst")

# The analytics integration tests' lake: events, one lake run, the fake model, a devhost on it.
fake_openai = lake_tests.fake_openai
lake_env = lake_tests.lake_env
history = lake_tests.history
lake = lake_tests.lake
host = lake_tests.host


@pytest.fixture(scope="module")
def devhost(host):
    return host


@pytest.fixture(scope="module")
def catalogue(history) -> list[dict]:
    """The lake's own products; the pages need no simulated catalogue."""
    return []


def api_get(devhost, path: str, **params) -> dict:
    with devhost.client() as c:
        r = c.get(f"/api/analytics/{path}", params=params, headers=ANALYST)
    assert r.status_code == 200, r.text
    return r.json()


def rows(table: dict) -> list[dict]:
    return [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]


def shown_range(page: Page) -> dict[str, str]:
    return {
        "start": page.get_by_test_id("range-start").input_value(),
        "end": page.get_by_test_id("range-end").input_value(),
    }


def open_tab(page: Page, tab: str) -> None:
    page.get_by_test_id(f"analytics-tab-{tab}").click()
    expect(page.get_by_test_id("analytics-panel")).to_have_attribute("data-tab", tab)


def test_revenue_tab_shows_the_api_totals_by_day_and_by_month(page: Page, devhost):
    page.goto("/analytics")
    total = page.get_by_test_id("revenue-total")
    expect(total).to_be_visible()
    expect(page.get_by_test_id("revenue-chart")).to_be_visible()
    rng = shown_range(page)
    daily = api_get(devhost, "revenue", granularity="daily", **rng)
    expected = round(sum(r["revenue"] for r in rows(daily)), 2)
    assert expected > 0
    assert float(total.get_attribute("data-value")) == pytest.approx(expected)
    orders = sum(r["orders"] for r in rows(daily))
    expect(page.get_by_test_id("revenue-orders")).to_have_attribute("data-value", str(orders))
    # The written summary names the days; the data table lists each one.
    page.get_by_test_id("revenue-chart-table-toggle").click()
    expect(page.get_by_test_id("revenue-chart-table").locator("tbody tr")).to_have_count(
        len(daily["rows"])
    )

    page.get_by_test_id("revenue-monthly").click()
    expect(page.get_by_test_id("revenue-monthly")).to_have_attribute("aria-pressed", "true")
    monthly = api_get(devhost, "revenue", granularity="monthly", **rng)
    view = page.get_by_test_id("revenue-view")
    expect(view).to_have_attribute("data-granularity", "monthly")
    expect(view).to_have_attribute("data-periods", str(len(monthly["rows"])))
    assert float(total.get_attribute("data-value")) == pytest.approx(
        sum(r["revenue"] for r in rows(monthly))
    )


def test_cities_are_bars_with_every_value_written(page: Page, devhost):
    page.goto("/analytics?tab=cities")
    bars = page.get_by_test_id("city-bars")
    expect(bars).to_be_visible()
    rng = shown_range(page)
    cities = rows(api_get(devhost, "sales-by-city", **rng))
    assert "Mumbai" in {c["city"] for c in cities}
    drawn = page.get_by_test_id("city-bars-bar")
    expect(drawn).to_have_count(len(cities))
    on_screen = {
        drawn.nth(i).get_attribute("data-label"): float(drawn.nth(i).get_attribute("data-value"))
        for i in range(drawn.count())
    }
    assert on_screen == pytest.approx({c["city"]: c["revenue"] for c in cities})
    # Biggest first, and each value is text in the chart, not only on hover.
    assert (
        drawn.first.get_attribute("data-label") == max(cities, key=lambda c: c["revenue"])["city"]
    )
    expect(drawn.first.locator("text.bar-value")).to_contain_text("₹")
    expect(page.get_by_test_id("city-bars-summary")).to_contain_text("Mumbai")
    expect(page.get_by_test_id("city-row")).to_have_count(len(cities))


def test_delivery_tab_shows_rto_by_state(page: Page, devhost):
    page.goto("/analytics?tab=delivery")
    expect(page.get_by_test_id("delivery-shipped")).to_have_attribute("data-value", "4")
    expect(page.get_by_test_id("delivery-rto-rate")).to_have_attribute("data-value", "0.25")
    by_state = rows(api_get(devhost, "delivery", **shown_range(page))["by_state"])
    expect(page.get_by_test_id("rto-bars-bar")).to_have_count(len(by_state))


def test_segments_grid_and_the_orders_left_out(page: Page, devhost):
    page.goto("/analytics")
    open_tab(page, "segments")
    segments = api_get(devhost, "customers/segments")
    customers = sum(r["customers"] for r in rows(segments["segments"]))
    grid = page.get_by_test_id("rfm-grid")
    expect(grid).to_have_attribute("data-total", str(customers))
    expect(page.get_by_test_id("rfm-cell")).to_have_count(25)
    for cell in rows(segments["grid"]):
        expect(
            page.locator(f'[data-testid="rfm-cell"][data-r="{cell["r"]}"][data-f="{cell["f"]}"]')
        ).to_have_attribute("data-count", str(cell["customers"]))
    expect(page.get_by_test_id("segment-row")).to_have_count(len(segments["segments"]["rows"]))
    # Amazon gives no buyer: its lines count in sales, and the page says they are left out here.
    left_out = sum(r["order_lines"] for r in rows(segments["without_customer"]))
    note = page.get_by_test_id("no-buyer-note")
    expect(note).to_have_attribute("data-lines", str(left_out))
    expect(note).to_contain_text("Amazon")

    open_tab(page, "clv")
    expect(page.get_by_test_id("no-buyer-note")).to_have_attribute("data-lines", str(left_out))
    clv = api_get(devhost, "clv")
    if clv["fitted"]:
        expect(page.get_by_test_id("clv-total")).to_be_visible()
    else:
        expect(page.get_by_test_id("clv-not-fitted")).to_contain_text(clv["reason"])


def test_basket_min_support_is_checked_then_applied(page: Page, devhost):
    page.goto("/analytics?tab=basket")
    field = page.get_by_test_id("basket-min-support")
    field.fill("5")
    page.get_by_test_id("basket-apply").click()
    expect(page.get_by_test_id("basket-error")).to_contain_text("between 0.001 and 1")
    field.fill("0.2")
    page.get_by_test_id("basket-apply").click()
    expect(page.get_by_test_id("basket-error")).to_have_count(0)
    basket = api_get(devhost, "basket", min_support="0.2")
    expect(page.get_by_test_id("basket-count")).to_have_attribute(
        "data-count", str(basket["baskets"])
    )
    expect(page.get_by_test_id("basket-rule")).to_have_count(len(basket["rules"]))


def test_tabs_by_keyboard(page: Page):
    page.goto("/analytics")
    first = page.get_by_test_id("analytics-tab-revenue")
    first.focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("analytics-tab-cities")).to_be_focused()
    expect(page.get_by_test_id("analytics-panel")).to_have_attribute("data-tab", "cities")
    page.keyboard.press("End")
    expect(page.get_by_test_id("analytics-tab-clv")).to_have_attribute("aria-selected", "true")
    assert "tab=clv" in page.url


def test_console_runs_an_example_and_shows_its_rows(page: Page, devhost):
    page.goto("/analyst")
    expect(page.get_by_test_id("gold-schema")).to_be_visible()
    expect(page.get_by_test_id("schema-table")).to_have_count(len(TABLES))
    with devhost.client() as c:
        schema = c.get("/api/analyst/schema", headers=ANALYST).json()
        example = schema["examples"][0]
        expected = c.post("/api/analyst/sql", json={"sql": example["sql"]}, headers=ANALYST).json()
    page.get_by_test_id("example-0").click()
    editor = page.get_by_test_id("console-sql")
    expect(editor).to_have_value(example["sql"])
    expect(editor).to_be_focused()
    page.get_by_test_id("console-run").click()
    expect(page.get_by_test_id("console-result-row")).to_have_count(len(expected["rows"]))
    assert expected["rows"]
    expect(page.get_by_test_id("console-result-sql")).to_have_text(expected["sql"])
    first_cell = page.get_by_test_id("console-result-row").first.locator("td").first
    expect(first_cell).to_have_text(str(expected["rows"][0][0]))


@pytest.mark.allow_api_errors((400, r"^/api/analyst/sql$"))
def test_console_shows_the_guards_refusal(page: Page, devhost):
    page.goto("/analyst")
    page.get_by_test_id("console-sql").fill("DELETE FROM fact_sales")
    page.get_by_test_id("console-run").click()
    refusal = page.get_by_test_id("console-error")
    expect(refusal).to_have_attribute("data-code", "query_refused")
    expect(refusal).to_contain_text("Refused")
    expect(page.get_by_test_id("console-error-message")).to_contain_text("DELETE")
    expect(page.get_by_test_id("console-result")).to_have_count(0)
    # Nothing was deleted.
    with devhost.client() as c:
        r = c.post(
            "/api/analyst/sql", json={"sql": "SELECT count(*) FROM fact_sales"}, headers=ANALYST
        )
    assert r.json()["rows"][0][0] > 0


def test_a_question_is_answered_with_sql_rows_and_a_chart(page: Page, history):
    page.goto("/analyst")
    expect(page.get_by_test_id("ask-disabled")).to_have_count(0)
    page.get_by_test_id("ask-question").fill("How many order lines per state?")
    page.get_by_test_id("ask-submit").click()
    expect(page.get_by_test_id("ask-result-sql")).to_contain_text("FROM fact_sales")
    assert lake_tests.FakeOpenAI.requests[-1]["body"]["messages"][-1]["content"] == (
        "How many order lines per state?"
    )
    # fact_sales holds a row per sale movement (shared/core/sales.py): order lines and
    # cancellations, each with the state its event carries (a cancellation's may be none).
    movements = [e for e in history if e["kind"] in ("order", "cancel")]
    states = {e.get("state") for e in movements}
    expect(page.get_by_test_id("ask-result-row")).to_have_count(len(states))
    bars = page.get_by_test_id("ask-result-bars-bar")
    expect(bars).to_have_count(len(states))
    total = sum(float(bars.nth(i).get_attribute("data-value")) for i in range(bars.count()))
    assert total == len(movements)
    # The model's SQL can be taken to the console and edited there.
    page.get_by_test_id("ask-edit").click()
    expect(page.get_by_test_id("console-sql")).to_have_value(re.compile("FROM fact_sales"))


@pytest.fixture
def empty_lake(lake_env, browser: Browser, tmp_path_factory) -> Iterator[Page]:
    """A devhost whose lake container has never had a run, and a signed-in page on it."""
    env = {**lake_env, "LAKE_CONTAINER": f"empty-{uuid.uuid4().hex[:8]}"}
    empty = start_devhost(env, tmp_path_factory.mktemp("empty-lake"), "--no-seed", "--no-timers")
    ctx = browser.new_context(base_url=empty.base_url, locale="en-IN", timezone_id="Asia/Kolkata")
    ctx.set_default_timeout(WAIT_MS)
    try:
        pg = ctx.new_page()
        sign_in(pg, "analyst")
        yield pg
    finally:
        ctx.close()
        stop_devhost(empty)


@pytest.mark.allow_api_errors((503, r"^/api/(analytics|analyst)/"))
def test_an_empty_lake_is_an_empty_state_not_a_crash(empty_lake: Page):
    pg = empty_lake
    pg.goto("/analytics")
    expect(pg.get_by_test_id("analytics-lake-empty")).to_contain_text("lake job")
    for tab in ("cities", "segments", "basket", "clv"):
        open_tab(pg, tab)
        expect(pg.get_by_test_id("analytics-lake-empty")).to_be_visible()
    expect(pg.get_by_test_id("api-error")).to_have_count(0)
    pg.goto("/analyst")
    expect(pg.get_by_test_id("analyst-lake-empty")).to_be_visible()
    expect(pg.get_by_test_id("api-error")).to_have_count(0)
