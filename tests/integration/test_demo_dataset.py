"""The demo is a dataset of its own: simulated shoppers never touch a seller's data.

One devhost as ``make run`` starts it (timers on, the mock feed at its normal rate, the demo
catalogue seeded), over a database of its own. Each real path creates a product while the
automatic demo runs or after it ended; then a presenter's demo runs for over a minute beside the
seller's data, is ended and deleted, and the seller's events, products and KPIs are the same
throughout.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from demo import samples
from demo.seed import DEMO_ITEMS, DEMO_SEED
from demo.sim.catalogue import simulate_catalogue
from shared.adapters.cosmos import Store
from shared.core import schema
from shared.core.settings import schedule_defaults
from tests.integration.conftest import eventually, start_devhost, stop_devhost
from tests.integration.helpers import amazon_order, post_webhook, principal

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")
PRESENTER_DEMO_SECONDS = 65


@pytest.fixture(scope="module")
def stack(env, store, tmp_path_factory):
    database = f"demo{uuid.uuid4().hex[:8]}"
    host_env = {
        **env,
        "COSMOS_DATABASE_NAME": database,
        "LAKE_CONTAINER": f"lake{uuid.uuid4().hex[:8]}",
        "IMPORTS_CONTAINER": f"imports{uuid.uuid4().hex[:8]}",
        "MOCK_ENABLED": "true",
        "MOCK_SCHEDULE": schedule_defaults()["MOCK_SCHEDULE"],
    }
    host = start_devhost(host_env, tmp_path_factory.mktemp("devhost"))
    seller = Store(store._client, database)
    demo = Store(store._client, f"{database}-demo")
    yield host, seller, demo
    stop_devhost(host)


def _count(store: Store, container: str, where: str = "") -> int:
    return next(store.query(container, f"SELECT VALUE COUNT(1) FROM c {where}"))


def _demo(c) -> dict:
    resp = c.get("/api/demo", headers=ANALYST)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _seller_view(seller: Store) -> dict:
    """Everything the seller's numbers are made of: events and the products' projected state."""
    events = sorted(
        (e["id"], e["item_id"], e["source"])
        for e in seller.query("events", "SELECT c.id, c.item_id, c.source FROM c")
    )
    products = {
        p["item_id"]: (p.get("stock"), p.get("totals"), p.get("price"))
        for p in seller.query("products", "SELECT c.item_id, c.stock, c.totals, c.price FROM c")
    }
    return {"events": events, "products": products}


def _stable(seller: Store) -> dict | None:
    first = _seller_view(seller)
    time.sleep(2)  # compared over an interval: no projection still under way
    return first if _seller_view(seller) == first else None


def _demo_documents_in(seller: Store) -> list[tuple[str, str]]:
    """Any document of the seller's naming a demo product, in any container: events, products,
    snapshots, alerts, quality runs, jobs, audit."""
    demo_items = {p["item_id"] for p in simulate_catalogue(DEMO_ITEMS, seed=DEMO_SEED)}
    found = []
    for spec in schema.CONTAINERS:
        for doc in seller.query(spec.name, "SELECT * FROM c"):
            text = str(doc)
            found += [(spec.name, item) for item in demo_items if item in text]
    return found


def test_the_demo_runs_apart_and_real_data_ends_it(stack):
    host, seller, demo = stack
    with host.client() as c:
        state = _demo(c)
        assert state["dataset"] == "demo"
        assert state["demo"]["state"] == "running" and state["demo"]["kind"] == "automatic"
        # The feed writes into the demo's database only, and the dashboard shows it.
        eventually(lambda: _count(demo, "events", "WHERE c.source = 'mock'") > 0, timeout=60)
        metrics = c.get("/api/metrics", headers=ANALYST)
        assert metrics.headers["x-resight-dataset"] == "demo"
        assert metrics.json()["dataset"] == "demo"
        assert _count(seller, "events") == 0 and _count(seller, "products") == 0

        # 1. A price set by hand creates a product: real data, the automatic demo ends.
        made = c.post(
            "/api/products/price",
            json={"item_id": "REAL-PRICE-1", "price": 799, "mrp": 999, "category": "Footwear"},
            headers=ADMIN,
        )
        assert made.status_code == 201, made.text
        assert made.headers["x-resight-dataset"] == "seller"
        ended = _demo(c)
        assert ended["dataset"] == "seller" and ended["demo"]["state"] == "ended"
        assert "price" in ended["demo"]["reason"] and ended["demo"]["ended_at"]
        assert c.get("/api/metrics", headers=ANALYST).headers["x-resight-dataset"] == "seller"

        # 2. An order for a listing nobody catalogued; 3. its details from the catalogue editor.
        order = post_webhook(host, "amazon", amazon_order("REAL-HOOK-1", qty=2, price=650.0))
        assert order.status_code == 200, order.text
        eventually(lambda: seller.read_or_none("products", "REAL-HOOK-1", "REAL-HOOK-1"))
        details = {"title": "Cotton kurta", "category": "Ethnic Wear", "price": 799, "stock": 25}
        edited = c.put("/api/catalogue/REAL-HOOK-1", json=details, headers=ADMIN)
        assert edited.status_code == 200, edited.text

        # 4. A sales file.
        items = samples.products(2, seed=11)
        text = samples.sales_csv(items, datetime.now(UTC).date(), 40, seed=2)
        sent = c.post("/api/imports", files={"file": ("pos.csv", text.encode())}, headers=ADMIN)
        assert sent.status_code == 202, sent.text
        import_id = sent.json()["id"]
        eventually(
            lambda: (
                c.get(f"/api/imports/{import_id}", headers=ANALYST).json()["status"] == "imported"
            ),
            timeout=90,
        )
        real = {"REAL-PRICE-1", "REAL-HOOK-1", *(p.product_id for p in items)}
        eventually(lambda: set(_seller_view(seller)["products"]) == real, timeout=60)
        eventually(
            lambda: c.get("/api/metrics", headers=ANALYST).json()["totals"]["purchases"] > 0,
            timeout=30,
        )
        # Settled: the real events projected (two reads a reconcile apart agree).
        before = eventually(lambda: _stable(seller), timeout=60, interval=1)
        kpis_before = c.get("/api/metrics", headers=ANALYST).json()["totals"]
        demo_events_before = _count(demo, "events")

        # A presenter's demo beside the seller's data, for over a minute at the normal rate.
        started = c.post("/api/demo/start", headers=ADMIN)
        assert started.status_code == 200, started.text
        assert started.json()["dataset"] == "demo" and started.json()["demo"]["kind"] == "presenter"
        deadline = time.monotonic() + PRESENTER_DEMO_SECONDS
        while time.monotonic() < deadline:
            assert c.get("/api/metrics", headers=ANALYST).headers["x-resight-dataset"] == "demo"
            time.sleep(5)  # the demo runs for its set time; a check every 5 s meanwhile
        assert _count(demo, "events") > demo_events_before  # the feed ran
        after = _seller_view(seller)
        assert after == before  # no event, no product state of the seller's moved
        assert not any(e[2] == "mock" for e in after["events"])
        assert set(after["products"]) == real

        # Ending it and deleting it leaves the seller's numbers as they were.
        stopped = c.post("/api/demo/end", headers=ADMIN)
        assert stopped.json()["dataset"] == "seller", stopped.text
        kpis_after = c.get("/api/metrics", headers=ANALYST).json()["totals"]
        for key in ("purchases", "units", "revenue", "views"):
            assert kpis_after[key] == kpis_before[key], key
        deleted = c.delete("/api/demo", headers=ADMIN)
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["demo"]["deleted_at"]
        assert c.delete("/api/demo", headers=ANALYST).status_code == 403
        assert _seller_view(seller) == before
        # The seller's daily job (snapshots, decisions, alerts) sees none of the demo either.
        job = c.post("/api/jobs/daily/run", headers=ADMIN, params={"rerun": "true"})
        assert job.status_code == 202, job.text
        eventually(
            lambda: (
                c.get("/api/jobs", headers=ANALYST, params={"job": "daily"}).json()["runs"][0][
                    "status"
                ]
                == "succeeded"
            ),
            timeout=120,
        )
        assert _demo_documents_in(seller) == []
        audit = c.get("/api/audit", headers=ANALYST, params={"action": "demo.deleted"}).json()
        assert audit["entries"], audit
        # The mock timer fires every 5 s; a tick after the deletion must not bring the demo's
        # database back (nothing signals "a tick ran and did nothing", hence the wait).
        time.sleep(11)
    names = [d["id"] for d in demo._client.list_databases()]
    assert demo._db_name not in names
