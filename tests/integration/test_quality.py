"""The data-quality run flags a planted problem of each kind, stores the run, and the API
serves the latest run and the trend."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from demo import samples
from shared.adapters.blob import imports_store
from shared.core.records import Event
from shared.core.settings import get_settings
from shared.ingest.bulk import runner, writer
from shared.ingest.bulk.events import Planned
from shared.projection import apply
from shared.quality import runs
from tests.integration.helpers import principal

pytestmark = pytest.mark.integration
IST = ZoneInfo("Asia/Kolkata")  # IMPORT_TIMEZONE: the seller's days the checks judge
NOW = datetime.now(UTC)
DAY = NOW.astimezone(IST).date()


def at(days_ago: int, hour: int) -> datetime:
    return datetime.combine(DAY - timedelta(days=days_ago), time(hour), IST)


def event(id_: str, item: str, when: datetime, **fields) -> Planned:
    base = {"marketplace": "amazon", "raw_type": "TEST", "source": "import", "received_at": when}
    return Planned(Event(id=id_, item_id=item, occurred_at=when, **{**base, **fields}), 1)


def count_at(item: str, location: str, when: datetime, level: int, reserved: int = 0) -> Planned:
    return event(
        f"q:stock:{item}:{location}:{when:%Y%m%d%H}",
        item,
        when,
        kind="stock",
        stock_set=level,
        stock_reserved=reserved,
        location_id=location,
    )


@pytest.fixture(scope="module")
def planted(store):
    planned: list[Planned] = []
    # Completeness: ten product-locations counted yesterday, five of them today.
    for n in range(10):
        planned.append(count_at(f"Q-C{n}", "wh", at(1, 20), 50))
        if n < 5:
            planned.append(count_at(f"Q-C{n}", "wh", at(0, 1), 50))
    # Sales without stock movement: sold today, counted stock the same as yesterday.
    planned += [count_at("Q-SOLD", "wh", at(1, 20), 10), count_at("Q-SOLD", "wh", at(0, 1), 10)]
    planned.append(event("q:sales:sold", "Q-SOLD", at(0, 2), kind="sales", units=3, revenue=900))
    # Reserved above stock.
    planned.append(count_at("Q-RES", "wh", at(0, 1), 5, reserved=20))
    # Negative derived stock: 2 counted, 5 ordered after the count.
    planned.append(count_at("Q-NEG", "wh", at(0, 1), 2))
    planned.append(event("q:order:neg", "Q-NEG", at(0, 2), kind="order", stock_delta=-5, units=5))
    # Conflicting prices: two shops, one moment, two prices.
    for shop, price in (("ST01", 499.0), ("ST02", 549.0)):
        planned.append(
            event(
                f"q:price:{shop}",
                "Q-PRICE",
                at(0, 3),
                kind="import_price",
                price=price,
                location_id=shop,
            )
        )
    # Anomaly: about 5 a day for 30 days, then 60.
    for d in range(1, 31):
        planned.append(
            event(f"q:hist:{d}", "Q-SPIKE", at(d, 12), kind="sales", units=4 + d % 3, revenue=10)
        )
    planned.append(event("q:spike", "Q-SPIKE", at(0, 12), kind="sales", units=60, revenue=10))
    # Timeliness: Myntra's last webhook three days ago.
    old = NOW - timedelta(days=3)
    planned.append(
        event(
            "q:myntra", "Q-MYN", old, kind="view", views=1, marketplace="myntra", source="webhook"
        )
    )
    writer.append_all(store, planned)
    # Accuracy: a real import with 8 bad rows in 40.
    blobs = imports_store()
    blobs.ensure_container()
    text, _ = samples.corrupted_sales_csv(samples.products(5, prefix="Q-ACC"), DAY, rows=40)
    blobs.upload_stream("incoming/accuracy.csv", [text.encode()])
    runner.process(store, blobs, "incoming/accuracy.csv", get_settings())
    events = sorted(store.query("events", "SELECT * FROM c"), key=lambda d: d["_ts"])
    apply.project_batch(store, events)
    return runs.run(store, trigger="test", day=DAY)


def by_name(run: dict) -> dict[str, dict]:
    return {r["name"]: r for r in run["results"]}


def test_each_planted_problem_is_flagged_with_its_severity(planted):
    checks = by_name(planted)
    completeness = checks["completeness"]
    assert completeness["status"] == "fail" and completeness["severity"] == "critical"
    assert completeness["value"] == pytest.approx(0.5, abs=0.15)  # other items count too
    assert "Q-C7@wh" in completeness["details"]["missing"]
    myntra = checks["timeliness:myntra"]
    assert myntra["status"] == "fail" and myntra["value"] > 24 and myntra["severity"] == "warning"
    assert checks["timeliness:file:sales"]["status"] == "pass"
    assert checks["timeliness:meesho"]["status"] == "skipped"
    accuracy = checks["accuracy"]
    assert accuracy["status"] == "fail" and accuracy["value"] == pytest.approx(32 / 40)
    assert checks["sales_without_stock_movement"]["details"]["items"] == ["Q-SOLD"]
    assert checks["reserved_above_stock"]["details"]["items"] == ["Q-RES@wh"]
    assert checks["negative_derived_stock"]["details"]["items"] == ["Q-NEG"]
    assert checks["conflicting_prices"]["details"]["items"] == ["Q-PRICE"]
    spike = checks["sales_anomalies"]
    assert spike["severity"] == "info" and spike["status"] == "fail"
    assert [i["item_id"] for i in spike["details"]["items"]] == ["Q-SPIKE"]
    assert planted["status"] == "critical" and planted["failed"]["critical"] == 1


def test_runs_are_stored_and_the_daily_run_happens_once(store, planted):
    assert runs.latest(store)["id"] == planted["id"]
    first = runs.run_daily(store, now=NOW)
    assert first is not None and first["id"] == f"daily:{(DAY - timedelta(days=1)).isoformat()}"
    assert runs.run_daily(store, now=NOW) is None  # claimed: never twice
    trend = runs.history(store, 30)
    assert {planted["id"], first["id"]} <= {r["id"] for r in trend}
    assert all("completeness" in r["values"] and r["status"] for r in trend)


def test_the_api_serves_the_latest_run_and_the_trend(devhost, planted):
    analyst = principal("analyst")
    with devhost.client() as c:
        latest = c.get("/api/quality", headers=analyst).json()["run"]
        assert latest["status"] in ("critical", "warning", "ok") and latest["results"]
        history = c.get("/api/quality/history?days=7", headers=analyst).json()["runs"]
        assert {r["id"] for r in history} >= {planted["id"]}
        mine = next(r for r in history if r["id"] == planted["id"])
        assert mine["values"]["completeness"] == by_name(planted)["completeness"]["value"]
        assert c.get("/api/quality/history?days=0", headers=analyst).status_code == 422
