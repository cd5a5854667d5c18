"""An import is seen everywhere webhooks are: it moves stock, the KPIs and the ranking, and a
quality run follows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.conftest import eventually
from tests.integration.helpers import principal, seeded_catalogue
from tests.integration.test_imports import finished, upload

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")


@pytest.fixture(scope="module")
def catalogue(devhost, store):
    return seeded_catalogue(devhost, store, 20, seed=17, history_hours=12)


def test_an_import_moves_stock_kpis_and_ranking(devhost, store, catalogue):
    with devhost.client() as c:
        page = c.post("/api/rank", json={"limit": 500}, headers=ANALYST).json()
        last = page["items"][-1]
        item_id, rank_before = last["item_id"], last["rank"]
        kpis_before = c.get("/api/metrics", headers=ANALYST).json()["kpis"]

        now = datetime.now(UTC)
        stamp = (now + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        stock = (
            "date,product_id,location,stock_level,reserved_stock\n"
            f"{stamp},{item_id},wh-bhiwandi,480,12\n{stamp},{item_id},store-pune-01,27,0\n"
        )
        assert finished(devhost, upload(devhost, "stock.csv", stock)["id"])["status"] == "imported"
        eventually(
            lambda: c.get(f"/api/item/{item_id}", headers=ANALYST).json()["stock"] == 507,
            timeout=30,
        )

        rows = ["date,product_id,channel,quantity_sold,revenue"]
        for n in range(120):
            # Each row its own moment: rows with one (date, product_id, channel) are one sale.
            sold = (now - timedelta(minutes=n % 50, seconds=n // 50)).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append(f"{sold},{item_id},pos,4,1999.00")
        sales = upload(devhost, "pos.csv", "\n".join(rows) + "\n")
        assert finished(devhost, sales["id"])["counts"]["valid"] == 120

        def moved():
            kpis = c.get("/api/metrics", headers=ANALYST).json()["kpis"]
            return kpis["units"] >= kpis_before["units"] + 480 and kpis

        kpis = eventually(moved, timeout=30)
        assert kpis["revenue"] >= kpis_before["revenue"] + 120 * 1999 - 1

        def climbed():
            page = c.post("/api/rank", json={"limit": 500}, headers=ANALYST).json()
            return next(i["rank"] for i in page["items"] if i["item_id"] == item_id) < rank_before

        eventually(climbed, timeout=45)

        # The trigger ran the quality checks after the import.
        run = c.get("/api/quality", headers=ANALYST).json()["run"]
        assert run is not None and run["trigger"].startswith("import:")
