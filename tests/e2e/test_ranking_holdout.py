"""The Rankings page's holdout check, read in the browser and held against the API's answer.

A seller's constructed history (``tests.integration.holdout_history``: the window's sales follow
the day before it) in the local Cosmos server; the panel must show the window, every ranking's
NDCG@20, the winner, the model's lift and the sample size exactly as GET /api/ranking/holdout
gives them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from shared.core.records import utcnow
from shared.ml import holdout_report
from tests.e2e.conftest import sign_in
from tests.integration import holdout_history
from tests.integration.helpers import principal

pytestmark = pytest.mark.e2e
ANALYST = principal("analyst")


@pytest.fixture(scope="module")
def history(devhost, store):
    cutoff, _ = holdout_report.window(utcnow())
    return holdout_history.seed(store, cutoff)


def test_the_rankings_page_shows_the_sellers_holdout_report_as_the_api_gives_it(
    page: Page, devhost, history
):
    sign_in(page, "analyst")
    page.goto("/rankings")
    panel = page.get_by_test_id("holdout-panel")
    kind_box = panel.get_by_test_id("holdout-kind")
    expect(kind_box).to_have_count(1)
    with devhost.client() as c:
        resp = c.get("/api/ranking/holdout", headers=ANALYST)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    [kind] = report["kinds"]
    assert kind["status"] == "ok" and kind["units_sold"] == holdout_history.WINDOW_UNITS

    # The window: its first and last days (the API's "to" is the midnight after the last).
    window = panel.get_by_test_id("holdout-window")
    expect(window).to_have_attribute("data-from", report["window"]["from"])
    expect(window).to_have_attribute("data-to", report["window"]["to"])
    cutoff, end = holdout_report.window(utcnow())
    last = end - timedelta(days=1)
    expect(window).to_have_text(
        f"{cutoff.day} {cutoff:%b %Y} \N{EN DASH} {last.day} {last:%b %Y} (14 days)"
    )

    # The sample size and the kind.
    expect(kind_box).to_have_attribute("data-kind", kind["kind"])
    expect(kind_box.locator("h3")).to_have_text("Myntra and Meesho")
    sample = kind_box.get_by_test_id("holdout-sample")
    expect(sample).to_have_attribute("data-units", str(kind["units_sold"]))
    expect(sample).to_have_attribute("data-selling", str(kind["selling_products"]))
    expect(sample).to_have_attribute("data-products", str(kind["products"]))
    expect(sample).to_have_text(
        f"{kind['selling_products']} of {kind['products']} products sold {kind['units_sold']} units"
    )

    # Every ranking's figure, the model first, and the winner marked.
    rows = kind_box.get_by_test_id("holdout-row")
    expect(rows).to_have_count(len(kind["ndcg"]))
    shown = {
        rows.nth(i).get_attribute("data-ranker"): rows.nth(i).get_by_test_id("holdout-ndcg")
        for i in range(len(kind["ndcg"]))
    }
    assert rows.first.get_attribute("data-ranker") == "model"
    assert set(shown) == set(kind["ndcg"])
    for name, cell in shown.items():
        expect(cell).to_have_text(f"{kind['ndcg'][name]:.3f}")
    expect(shown["recent_velocity"]).to_have_text("1.000")
    winner = kind_box.locator("tr.holdout-winner")
    expect(winner).to_have_count(1)
    expect(winner).to_have_attribute("data-ranker", kind["winner"])
    expect(winner).to_contain_text("best")

    # By how much, and the report's own sentence.
    lift = kind_box.get_by_test_id("holdout-lift")
    expect(lift).to_have_attribute("data-lift", str(kind["lift"]))
    sign = "+" if kind["lift"] >= 0 else "\N{MINUS SIGN}"
    expect(lift).to_contain_text(f"The model {sign}{abs(kind['lift']) * 100:.1f}%")
    expect(kind_box.get_by_test_id("holdout-verdict")).to_have_text(kind["verdict"])
    expect(kind_box.get_by_test_id("holdout-verdict")).to_have_attribute(
        "data-winner", kind["winner"]
    )
    expect(panel.get_by_test_id("holdout-model")).to_contain_text(report["model_version"])
