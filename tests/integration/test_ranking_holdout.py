"""GET /api/ranking/holdout on the real local services: a seller's constructed history, read back
from Cosmos, ranked by the model the app serves."""

from __future__ import annotations

import pytest

from shared.adapters.blob import model_store
from shared.core.records import utcnow
from shared.ml import holdout_report
from shared.ml.cosmos_source import load_history
from shared.ml.registry import ModelRegistry
from tests.integration import holdout_history
from tests.integration.helpers import principal

pytestmark = pytest.mark.integration
ANALYST = principal("analyst")


@pytest.fixture(scope="module")
def history(devhost, store):
    cutoff, _ = holdout_report.window(utcnow())
    return holdout_history.seed(store, cutoff)


def test_the_report_ranks_the_sellers_own_window_with_the_served_model(devhost, store, history):
    with devhost.client() as c:
        resp = c.get("/api/ranking/holdout", headers=ANALYST)
        assert resp.status_code == 200, resp.text
        assert resp.headers["X-ReSight-Dataset"] == "seller"
        report = resp.json()
        served = c.post("/api/rank", json={"limit": 1}, headers=ANALYST).json()["model_version"]
    cutoff, end = holdout_report.window(utcnow())
    assert report["window"] == {"from": cutoff.isoformat(), "to": end.isoformat(), "days": 14}
    assert report["model_version"] == served and report["mode"] == "live"
    assert report["status"] == "ok" and report["products"] == holdout_history.PRODUCTS
    [kind] = report["kinds"]
    assert kind["kind"] == "live:myntra+meesho" and kind["status"] == "ok"
    assert kind["units_sold"] == holdout_history.WINDOW_UNITS == report["units_sold"]
    assert kind["selling_products"] == holdout_history.SELLING
    # Independent of the model: the day before the window orders the window's sellers exactly.
    assert kind["ndcg"]["recent_velocity"] == 1.0
    best = max(kind["ndcg"], key=lambda name: (kind["ndcg"][name], name == "model"))
    assert kind["winner"] == best
    assert kind["ranked_by"] in ("model", *holdout_report.LABELS)
    # The same figures as the computation over the same documents and the same model.
    model = ModelRegistry(model_store()).current()
    catalogue, events = load_history(store)
    mine = holdout_report.report(catalogue, events, model, "live", utcnow())
    assert mine["kinds"] == report["kinds"] and mine["verdict"] == report["verdict"]


def test_the_report_needs_a_readers_role(devhost, history):
    with devhost.client() as c:
        refused = c.get("/api/ranking/holdout", headers=principal("guest"))
        assert refused.status_code == 403, refused.text
        assert c.post("/api/ranking/holdout", headers=ANALYST).status_code in (404, 405)
