"""A fresh stack runs the demo on its own catalogue and says so on every page; the first real
event (a signed webhook order) ends it for good, and the open page drops the banner without a
reload. The Stores page then says when and why it ended.

Its own devhost with the demo catalogue seeded (and no seller data, so the demo starts by
itself); no timers, so nothing but the test moves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.integration.conftest import DevHost, eventually, start_devhost, stop_devhost
from tests.integration.helpers import amazon_order, post_webhook, principal

pytestmark = pytest.mark.e2e
ANALYST = principal("analyst")
PAGES = [
    ("/", "page-overview"),
    ("/rankings", "page-rankings"),
    ("/stores", "page-stores"),
    ("/imports", "page-imports"),
    ("/quality", "page-quality"),
    ("/audit", "page-audit"),
]


@pytest.fixture(scope="module")
def devhost(env, store, tmp_path_factory) -> Iterator[DevHost]:
    """A fresh local stack as ``make run`` starts it (the demo catalogue seeded), minus timers."""
    host = start_devhost(
        {**env, "MOCK_ENABLED": "true"}, tmp_path_factory.mktemp("devhost"), "--no-timers"
    )
    yield host
    stop_devhost(host)


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    """No seller data: the demo is all there is."""
    return []


def demo_state(devhost) -> dict:
    with devhost.client() as c:
        resp = c.get("/api/demo", headers=ANALYST)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_the_first_real_order_ends_the_demo_and_the_banner_goes_without_a_reload(
    page: Page, devhost
):
    state = demo_state(devhost)
    assert state["dataset"] == "demo" and state["demo"]["state"] == "running", state

    for path, root in PAGES:
        page.goto(path)
        expect(page.get_by_test_id(root)).to_be_visible()
        expect(page.get_by_test_id("demo-banner"), f"banner on {path}").to_be_visible()
        expect(page.get_by_test_id("demo-banner")).to_contain_text("Demo data")

    page.goto("/stores")
    panel = page.get_by_test_id("demo-panel")
    expect(panel).to_have_attribute("data-state", "running")
    expect(page.get_by_test_id("demo-end")).to_be_visible()

    # A listing the seller's catalogue does not know yet: a real order all the same.
    order = amazon_order("B0REALSKU01", price=799.0)
    assert post_webhook(devhost, "amazon", order).status_code == 200
    eventually(lambda: demo_state(devhost)["demo"]["state"] == "ended", timeout=30)

    # The "demo" message (or the next answer's header) takes the banner away on the open page.
    expect(page.get_by_test_id("demo-banner")).to_have_count(0)
    expect(panel).to_have_attribute("data-state", "ended")
    expect(page.get_by_test_id("demo-state")).to_contain_text("Demo ended")
    expect(page.get_by_test_id("demo-ended-reason")).to_contain_text(
        re.compile(r"^Why: .*webhook", re.IGNORECASE)
    )
    expect(page.get_by_test_id("demo-start")).to_be_visible()

    ended = demo_state(devhost)
    assert ended["dataset"] == "seller" and ended["demo"]["ended_at"], ended
    for path, root in PAGES:
        page.goto(path)
        expect(page.get_by_test_id(root)).to_be_visible()
        expect(page.get_by_test_id("loading")).to_have_count(0)
        expect(page.get_by_test_id("demo-banner"), f"no banner on {path}").to_have_count(0)
