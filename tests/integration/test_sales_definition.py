"""One set of numbers on the local stack: the same day fed every way a sale arrives.

Webhooks of all three marketplaces (Myntra and Meesho orders, cancellations and an RTO; Amazon
SP-API ORDER_CHANGE without prices and ITEM_SALES_EVENT_CHANGE for one of their hours), and a
sales file with all four channels and a duplicated row, go in through devhost. Then the
Overview's figures for that IST day (``/api/metrics`` ``days``), the Analytics revenue after one
lake run and a sum computed here from the payloads agree; the reconciliation check passes,
and fails after a mismatch is injected. A backfill of orders 200 days old is in Analytics
after one more run, which rebuilds exactly that day.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.analytics import job, reconcile
from shared.analytics.kpi_queries import Kpis
from shared.analytics.lake import lake_store
from shared.analytics.warehouse import Warehouse
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.jobs import lake_runs
from tests.integration.conftest import eventually, start_devhost, stop_devhost
from tests.integration.helpers import post_webhook, principal, unprojected
from tests.integration.test_imports import finished, upload

pytestmark = pytest.mark.integration
ANALYST = principal("analyst")
IST = timedelta(hours=5, minutes=30)
NOW = utcnow().replace(microsecond=0)
DAY = (NOW + IST).date() - timedelta(days=1)  # yesterday in India: every moment is past
OLD = DAY - timedelta(days=200)
AMAZON_PRICE = 800.0


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` IST on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - IST


@pytest.fixture(scope="module")
def lake_env(env, monkeypatch_module):
    values = {"LAKE_CONTAINER": f"lake-{uuid.uuid4().hex[:8]}", "Analytics__buyerKeySalt": "s"}
    for key, value in values.items():
        monkeypatch_module.setenv(key, value)
    get_settings.cache_clear()
    return {**env, **values}


@pytest.fixture(scope="module")
def host(lake_env, store, tmp_path_factory):
    h = start_devhost(lake_env, tmp_path_factory.mktemp("devhost"), "--no-seed", "--no-timers")
    yield h
    stop_devhost(h)


def _myntra(order, lines, when, status="CREATED", buyer="buyer-1"):
    return {
        "event": "ORDER_CREATED" if status == "CREATED" else "ORDER_STATUS_CHANGED",
        "eventTime": when.isoformat(),
        "order": {
            "orderId": order,
            "status": status,
            "city": "Pune",
            "state": "Maharashtra",
            "buyerId": buyer,
            "lines": [
                {"lineId": str(i), "sellerSku": sku, "quantity": q, "sellingPrice": p}
                for i, (sku, q, p) in enumerate(lines, 1)
            ],
        },
    }


def _meesho(sub, sku, qty, price, when, kind="order.created", buyer="buyer-2"):
    return {
        "type": kind,
        "id": f"evt-{kind}-{sub}",
        "created_at": when.isoformat(),
        "data": {
            "order_id": sub.split("-")[0],
            "sub_order_id": sub,
            "sku": sku,
            "quantity": qty,
            "price": price,
            "state": "Karnataka",
            "city": "Bengaluru",
            "buyer_id": buyer,
        },
    }


def _order_change(order, sku, qty, when, status="Unshipped"):
    return {
        "NotificationType": "ORDER_CHANGE",
        "EventTime": when.isoformat(),
        "NotificationMetadata": {"NotificationId": f"n-{order}-{status}"},
        "Payload": {
            "OrderChangeNotification": {
                "AmazonOrderId": order,
                "Summary": {
                    "OrderStatus": status,
                    "OrderItems": [{"OrderItemId": "1", "SellerSKU": sku, "Quantity": qty}],
                },
            }
        },
    }


def _item_sales(nid, sku, units, revenue, hour):
    return {
        "notificationType": "ITEM_SALES_EVENT_CHANGE",
        "eventTime": hour.isoformat(),
        "notificationMetadata": {"notificationId": nid},
        "payload": {
            "itemSalesEventChanges": [
                {
                    "sku": sku,
                    "asin": "B0AMZ00001",
                    "startTime": hour.isoformat(),
                    "orderedUnits": units,
                    "orderedRevenue": {"amount": revenue, "currencyCode": "INR"},
                }
            ]
        },
    }


def _send(host, marketplace, body):
    r = post_webhook(host, marketplace, body)
    assert r.status_code == 200, r.text


def _settled(store):
    eventually(lambda: not unprojected(store), timeout=60)


def _metrics_day(host, day: date) -> dict:
    with host.client() as c:
        snapshot = c.get("/api/metrics", headers=ANALYST).json()
    return snapshot.get("days", {}).get(day.isoformat(), {"units": 0, "revenue": 0.0})


def _analytics_day(host, day: date) -> tuple[int, float]:
    with host.client() as c:
        r = c.get(
            "/api/analytics/revenue",
            params={"start": day.isoformat(), "end": day.isoformat()},
            headers=ANALYST,
        )
    assert r.status_code == 200, r.text
    rows = [dict(zip(r.json()["columns"], row, strict=True)) for row in r.json()["rows"]]
    return sum(int(x["units"]) for x in rows), round(sum(float(x["revenue"]) for x in rows), 2)


@pytest.fixture(scope="module")
def empty_run(host, store):
    """A lake run before any sale: its fitted models (no baskets) must not outlive it."""
    return job.run(store, get_settings(), utcnow())


@pytest.fixture(scope="module")
def fed(host, store, empty_run):
    """The day, every way a sale arrives; returns the sum by the definition, per source."""
    store.upsert(
        "products",
        {
            "id": "AMZ-1",
            "item_id": "AMZ-1",
            "title": "Saree",
            "category": "ethnic_wear",
            "marketplace": "amazon",
            "price": AMAZON_PRICE,
            "mrp": 999.0,
            "stock": 50,
        },
    )
    expected: dict[str, list] = {s: [0, 0.0] for s in ("amazon", "myntra", "meesho", "import")}

    def add(source, units, revenue):
        expected[source][0] += units
        expected[source][1] = round(expected[source][1] + revenue, 2)

    # Myntra: a two-line order, an order cancelled the same day, an order returned (RTO).
    _send(host, "myntra", _myntra("M1", [("KUR-1", 1, 999.0), ("DUP-1", 2, 349.5)], at(DAY, 10)))
    add("myntra", 3, 999.0 + 699.0)
    _send(host, "myntra", _myntra("M2", [("KUR-1", 1, 999.0)], at(DAY, 11), buyer="buyer-3"))
    _send(host, "myntra", _myntra("M2", [("KUR-1", 1, 999.0)], at(DAY, 15), "CANCELLED"))
    _send(host, "myntra", _myntra("M3", [("DUP-1", 3, 350.0)], at(DAY, 12), buyer="buyer-4"))
    _send(host, "myntra", _myntra("M3", [("DUP-1", 3, 350.0)], at(DAY, 18), "RTO"))
    # Meesho: two sub-orders, one cancelled; a redelivery changes nothing.
    _send(host, "meesho", _meesho("S1-1", "KUR-2", 2, 299.0, at(DAY, 9)))
    _send(host, "meesho", _meesho("S1-1", "KUR-2", 2, 299.0, at(DAY, 9)))
    add("meesho", 2, 598.0)
    _send(host, "meesho", _meesho("S2-1", "KUR-2", 1, 310.0, at(DAY, 13), buyer="buyer-5"))
    _send(host, "meesho", _meesho("S2-1", "KUR-2", 1, 310.0, at(DAY, 16), "order.cancelled"))
    # Amazon: an order with no price, priced at the listing price; an order whose hour
    # Amazon's sales notification covers (the notification's figure stands); an order
    # cancelled an hour later.
    _send(host, "amazon", _order_change("A1", "AMZ-1", 2, at(DAY, 10, 40)))
    add("amazon", 2, 2 * AMAZON_PRICE)
    _send(host, "amazon", _order_change("A2", "AMZ-1", 1, at(DAY, 14, 40)))
    hour = at(DAY, 14, 30).replace(minute=0)  # 14:30 IST is 09:00 UTC
    _send(host, "amazon", _item_sales("N1", "AMZ-1", 1, 790.0, hour))
    add("amazon", 1, 790.0)
    _send(host, "amazon", _order_change("A3", "AMZ-1", 1, at(DAY, 16, 40)))
    _send(host, "amazon", _order_change("A3", "AMZ-1", 1, at(DAY, 17, 40), "Canceled"))
    # A sales file with every channel, dated in India's time, one row duplicated.
    rows = [
        (f"{DAY}T10:15:00", "POS-1", "pos", 2, 1000.0),
        (f"{DAY}T11:20:00", "POS-1", "online", 1, 520.0),
        (f"{DAY}T12:30:00", "POS-1", "wholesale", 10, 4000.0),
        (f"{DAY}T19:45:00", "POS-1", "marketplace", 1, 450.0),
        (f"{DAY}T10:15:00", "POS-1", "pos", 2, 1000.0),  # the same row again
    ]
    text = "date,product_id,channel,quantity_sold,revenue\n" + "".join(
        f"{d},{p},{c},{u},{r:.2f}\n" for d, p, c, u, r in rows
    )
    done = finished(host, upload(host, "day_sales.csv", text)["id"])
    assert done["status"] == "imported", done
    for _d, _p, _c, u, r in rows[:4]:
        add("import", u, r)
    _settled(store)
    return expected


@pytest.fixture(scope="module")
def ran(fed, store):
    # As the function app's lake timer runs it: the run recorded in the job ledger.
    return job.run(store, get_settings(), utcnow(), record=lake_runs.record)


def _total(expected):
    return sum(v[0] for v in expected.values()), round(sum(v[1] for v in expected.values()), 2)


def test_overview_analytics_and_an_independent_sum_agree_for_the_day(host, fed, ran):
    units, revenue = _total(fed)
    live = eventually(
        lambda: (
            (d := _metrics_day(host, DAY)) and (d["units"], d["revenue"]) == (units, revenue) and d
        ),
        timeout=30,
    )
    assert {s: [v["units"], v["revenue"]] for s, v in live["by_source"].items()} == {
        s: v for s, v in fed.items() if v != [0, 0.0]
    }
    assert DAY.isoformat() in ran["dirty_ist_days"]
    assert _analytics_day(host, DAY) == (units, revenue)
    with host.client() as c:
        split = c.get(
            "/api/analytics/sales-by-channel",
            params={"start": DAY.isoformat(), "end": DAY.isoformat()},
            headers=ANALYST,
        ).json()
    channels = {
        (row[0], row[1]): (row[2], row[3]) for row in split["rows"]
    }  # (channel, source) -> (units, revenue)
    assert channels[("pos", "import")] == (2, 1000.0)  # the duplicated row counted once
    assert channels[("online", "import")] == (1, 520.0)
    assert channels[("wholesale", "import")] == (10, 4000.0)
    assert channels[("marketplace", "import")] == (1, 450.0)
    assert channels[("marketplace", "amazon")] == (3, 2 * AMAZON_PRICE + 790.0)


def test_the_reconciliation_passes_after_the_run_and_fails_on_an_injected_mismatch(
    host, store, fed, ran
):
    assert ran["reconciliation"]["status"] == "pass", ran["reconciliation"]
    stored = list(
        store.query("quality", "SELECT * FROM c WHERE c.trigger = 'lake' ORDER BY c.finished_at")
    )
    assert stored and stored[-1]["status"] == "ok"
    assert stored[-1]["results"][0]["name"] == "reconciliation"
    ledger = next(store.query("jobs", "SELECT * FROM c WHERE c.job = 'lake'"))
    assert DAY.isoformat() in ledger["days_rebuilt"]

    # Inject a mismatch: one product's live rollup is a rupee off.
    doc = next(store.query("products", "SELECT * FROM c WHERE c.item_id = 'KUR-2'"))
    key = next(k for k in doc["sale_days"] if k.endswith("|meesho"))
    original = list(doc["sale_days"][key])
    doc["sale_days"][key][1] += 1.0
    store.upsert("products", {k: v for k, v in doc.items() if not k.startswith("_")})
    settings = get_settings()
    warehouse = Warehouse.load(settings, lake_store(settings), "check")
    try:
        failed = reconcile.check(store, Kpis(warehouse, timeout=30, max_rows=1000))
    finally:
        warehouse.close()
    assert failed.status == "fail" and failed.severity == "critical"
    (mismatch,) = failed.details["mismatches"]
    assert (mismatch["day"], mismatch["source"]) == (DAY.isoformat(), "meesho")
    doc["sale_days"][key] = original
    store.upsert("products", {k: v for k, v in doc.items() if not k.startswith("_")})


def test_the_first_fit_is_not_served_after_orders_of_several_lines_arrive(host, empty_run, ran):
    assert empty_run["gold"]["fact_sales"] == 0
    with host.client() as c:
        basket = c.get("/api/analytics/basket", params={"min_support": 0.01}, headers=ANALYST)
    assert basket.status_code == 200, basket.text
    # buyer-1 bought KUR-1 and DUP-1 in one order: one basket of two products.
    assert basket.json()["baskets"] >= 1


def test_a_backfill_200_days_old_is_in_analytics_after_one_run(host, store, ran):
    buyers = [f"old-buyer-{n % 21}" for n in range(25)]
    for n, buyer in enumerate(buyers):
        when = at(OLD, 9 + n % 12, n)
        _send(host, "myntra", _myntra(f"OLD{n}", [("KUR-9", 1, 500.0 + n)], when, buyer=buyer))
    _settled(store)
    after = job.run(store, get_settings(), utcnow())
    # Exactly the day of the backfill: nothing else changed since the last run.
    assert after["dirty_ist_days"] == [OLD.isoformat()], after["dirty_ist_days"]
    assert after["reconciliation"]["status"] == "pass", after["reconciliation"]
    revenue = round(sum(500.0 + n for n in range(25)), 2)
    assert _analytics_day(host, OLD) == (25, revenue)
    with host.client() as c:
        clv = c.get("/api/analytics/clv", headers=ANALYST).json()
        segments = c.get("/api/analytics/customers/segments", headers=ANALYST).json()
    # Every buyer with a key reaches the customer dimension: 21 old, and the 2 of the day
    # whose orders stood (the other 3 were cancelled or returned).
    assert clv["customers"] == 21 + 2, clv
    customers = sum(row[1] for row in segments["segments"]["rows"])
    assert customers == 23
