"""Demo data in the dashboard: the "Demo data" banner on every page while answers come from the
demo dataset, none after the demo ends, and the Stores page's demo panel (state, when and why it
ended, the admin's Start demo, End demo and Delete demo data with its confirmation).

The demo here is a presenter's one, started from the Stores page (or ``POST /api/demo/start``)
after the seeded catalogue, so it runs beside data of the seller's own and ends when an admin ends
it. The automatic demo of a fresh stack, ended by the first real event, is in
``test_demo_first_run.py``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in
from tests.integration.conftest import eventually
from tests.integration.helpers import principal

pytestmark = pytest.mark.e2e
ADMIN, ANALYST = principal("admin"), principal("analyst")
DATASET_HEADER = "x-resight-dataset"

# Every page of the navigation, by address and the test id of its page root.
PAGES = [
    ("/", "page-overview"),
    ("/rankings", "page-rankings"),
    ("/whatif", "page-whatif"),
    ("/analytics", "page-analytics"),
    ("/analyst", "page-analyst"),
    ("/inventory", "page-inventory"),
    ("/inventory/search", "page-inventory-search"),
    ("/alerts", "page-alerts"),
    ("/rules", "page-rules"),
    ("/catalogue/unmatched", "page-unmatched"),
    ("/stores", "page-stores"),
    ("/imports", "page-imports"),
    ("/quality", "page-quality"),
    ("/audit", "page-audit"),
    ("/deadletters", "page-deadletters"),
]


def demo_state(devhost) -> dict:
    with devhost.client() as c:
        resp = c.get("/api/demo", headers=ANALYST)
    assert resp.status_code == 200, resp.text
    assert resp.headers.get(DATASET_HEADER) == resp.json()["dataset"], resp.headers
    return resp.json()


def dataset_of(devhost, path: str = "/api/metrics") -> str | None:
    with devhost.client() as c:
        resp = c.get(path, headers=ANALYST)
    assert resp.status_code == 200, resp.text
    return resp.headers.get(DATASET_HEADER)


def first_item(devhost) -> dict:
    """An Amazon item of the dataset shown. A demo just started has its catalogue seeded and
    ranked by the feed's first tick: this host runs no timers, so the tick is run by hand."""
    with devhost.client() as c:
        master = {"x-functions-key": devhost.keys["master"]}
        # devhost answers when the tick is over; the first one seeds the demo's catalogue.
        ran = c.post("/admin/functions/mock_feed", json={}, headers=master, timeout=180)
        assert ran.status_code == 202, ran.text

    def amazon() -> dict | None:
        with devhost.client() as c:
            resp = c.post("/api/rank", json={"limit": 20}, headers=ANALYST)
        assert resp.status_code == 200, resp.text
        return next((i for i in resp.json()["items"] if i["marketplace"] == "amazon"), None)

    return eventually(amazon, timeout=60, interval=1)


def every_page(page: Page, devhost, *, banner: bool) -> None:
    """Open each page; the banner is there on all of them, or on none."""
    item = first_item(devhost)
    for path, root in [*PAGES, (f"/item/{item['item_id']}", "page-item")]:
        page.goto(path)
        expect(page.get_by_test_id(root), f"page {path}").to_be_visible()
        if banner:
            shown = page.get_by_test_id("demo-banner")
            expect(shown, f"banner on {path}").to_be_visible()
            expect(shown, f"banner on {path}").to_have_attribute("role", "status")
            expect(shown).to_contain_text("Demo data")
            expect(shown).to_contain_text("simulated shoppers")
        else:
            # Wait until the page has read its data (the header named the dataset) before
            # asserting the absence, so a late banner cannot slip past.
            expect(page.get_by_test_id("loading")).to_have_count(0)
            expect(page.get_by_test_id("demo-banner"), f"no banner on {path}").to_have_count(0)


# A presenter's demo just started has no lake yet (its first lake run is under way): the
# Analytics and Analyst pages say so (503 lake empty).
@pytest.mark.allow_api_errors((503, "^/api/analytics/"), (503, "^/api/analyst/"))
def test_presenter_starts_the_demo_banner_on_every_page_then_ends_and_deletes_it(
    page: Page, devhost, catalogue
):
    # The seller's data is there, so a demo that runs is one to end before the test starts it.
    if demo_state(devhost)["demo"]["state"] == "running":
        with devhost.client() as c:
            assert c.post("/api/demo/end", headers=ADMIN).status_code == 200
    assert dataset_of(devhost) == "seller"

    page.goto("/stores")
    panel = page.get_by_test_id("demo-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("demo-banner")).to_have_count(0)
    page.get_by_test_id("demo-start").click()
    expect(panel).to_have_attribute("data-state", "running")
    expect(page.get_by_test_id("demo-state")).to_contain_text("Demo running since")
    assert demo_state(devhost)["demo"]["kind"] == "presenter"
    expect(page.get_by_test_id("demo-end")).to_be_visible()
    expect(page.get_by_test_id("demo-banner")).to_be_visible()
    assert demo_state(devhost)["dataset"] == "demo"
    assert dataset_of(devhost) == "demo"

    every_page(page, devhost, banner=True)

    page.goto("/stores")
    page.get_by_test_id("demo-end").click()
    expect(panel).to_have_attribute("data-state", "ended")
    expect(panel).to_have_attribute("data-ended-at", re.compile(r"^\d{4}-\d\d-\d\dT"))
    expect(page.get_by_test_id("demo-state")).to_contain_text("Demo ended")
    expect(page.get_by_test_id("demo-ended-reason")).to_contain_text(re.compile(r"^Why: \S"))
    expect(page.get_by_test_id("demo-banner")).to_have_count(0)
    ended = demo_state(devhost)
    assert ended["dataset"] == "seller", ended
    assert ended["demo"]["ended_at"] and ended["demo"]["reason"], ended

    every_page(page, devhost, banner=False)

    # Delete asks first; Cancel leaves everything as it was.
    page.goto("/stores")
    page.get_by_test_id("demo-delete").click()
    expect(page.get_by_test_id("demo-delete-box")).to_contain_text("audit log")
    page.get_by_test_id("demo-delete-cancel").click()
    expect(page.get_by_test_id("demo-delete-box")).to_have_count(0)
    assert demo_state(devhost)["demo"]["deleted_at"] is None

    page.get_by_test_id("demo-delete").click()
    page.get_by_test_id("demo-delete-confirm").click()
    expect(panel).to_contain_text("Demo data deleted")
    expect(page.get_by_test_id("demo-delete")).to_have_count(0)
    expect(page.get_by_test_id("demo-start")).to_be_visible()
    assert demo_state(devhost)["demo"]["deleted_at"]

    with devhost.client() as c:
        audit = c.get("/api/audit", params={"limit": 50}, headers=ADMIN).json()
    actions = [e["action"] for e in audit["entries"]]
    assert {"demo.started", "demo.ended", "demo.deleted"} <= set(actions), actions


def test_an_analyst_sees_the_banner_and_the_demo_state_without_its_switches(
    page: Page, devhost, catalogue
):
    with devhost.client() as c:
        assert c.post("/api/demo/start", headers=ADMIN).status_code == 200
    try:
        sign_in(page, "analyst")
        page.goto("/stores")
        expect(page.get_by_test_id("demo-banner")).to_be_visible()
        expect(page.get_by_test_id("demo-panel")).to_have_attribute("data-state", "running")
        expect(page.get_by_test_id("demo-readonly")).to_be_visible()
        for button in ("demo-start", "demo-end", "demo-delete"):
            expect(page.get_by_test_id(button)).to_have_count(0)
    finally:
        with devhost.client() as c:
            assert c.post("/api/demo/end", headers=ADMIN).status_code == 200
    expect(page.get_by_test_id("demo-panel")).to_have_attribute("data-state", "ended")
    expect(page.get_by_test_id("demo-banner")).to_have_count(0)
