"""The lake and the analytics API against Azurite and the local Cosmos server.

Events go in through the normalisers and the real append; the lake job exports, builds silver
and gold; the API answers are compared with totals computed here, independently, from the
event log in Cosmos.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyarrow.parquet as pq
import pytest

from shared.analytics import contracts, export, job
from shared.analytics.clv import MIN_CUSTOMERS
from shared.analytics.kpi_queries import CLV_HORIZON_DAYS, DEFAULT_MIN_SUPPORT, Kpis
from shared.analytics.lake import lake_store
from shared.analytics.warehouse import FITTED, Warehouse
from shared.core.records import Event, utcnow
from shared.core.settings import get_settings
from shared.ingest.marketplaces import NORMALISERS
from shared.ingest.webhook import append
from tests.integration.conftest import start_devhost, stop_devhost
from tests.integration.helpers import principal

pytestmark = pytest.mark.integration

IST = timedelta(hours=5, minutes=30)
NOW = utcnow().replace(microsecond=0)
PLACES = [("Pune", "Maharashtra"), ("Bengaluru", "Karnataka"), ("Lucknow", "Uttar Pradesh")]
MODEL_SQL = "SELECT state, count(*) AS lines FROM fact_sales GROUP BY 1 ORDER BY 1"


class FakeOpenAI(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat completions endpoint that always writes MODEL_SQL."""

    requests: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        FakeOpenAI.requests.append({"path": self.path, "body": body})
        answer = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": "fake",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": json.dumps({"sql": MODEL_SQL, "chart": "bar"}),
                    },
                }
            ],
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def fake_openai():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def lake_env(env, monkeypatch_module, fake_openai):
    values = {
        "LAKE_CONTAINER": f"lake-{uuid.uuid4().hex[:8]}",
        "Analytics__buyerKeySalt": "test-salt",
        "AzureOpenAI__endpoint": fake_openai,
        "AzureOpenAI__apiKey": "fake-key",
        "AzureOpenAI__deployment": "analyst",
    }
    for key, value in values.items():
        monkeypatch_module.setenv(key, value)
    get_settings.cache_clear()
    return {**env, **values}


def _myntra(order_id, sku, qty, price, buyer, place, at):
    return {
        "event": "ORDER_CREATED",
        "eventTime": at.isoformat(),
        "order": {
            "orderId": order_id,
            "status": "CREATED",
            "city": place[0],
            "state": place[1],
            "buyerId": buyer,
            "lines": [{"lineId": "1", "sellerSku": sku, "quantity": qty, "sellingPrice": price}],
        },
    }


LINES: dict[str, tuple[int, float]] = {}  # Myntra order -> (quantity, price), for its status pushes


def _status(order_id, sku, status, at):
    qty, price = LINES[order_id]
    return {
        "event": "ORDER_STATUS_CHANGED",
        "eventTime": at.isoformat(),
        "order": {
            "orderId": order_id,
            "status": status,
            "lines": [{"lineId": "1", "sellerSku": sku, "quantity": qty, "sellingPrice": price}],
        },
    }


def _meesho(sub, sku, qty, price, buyer, place, at):
    return {
        "type": "order.created",
        "id": f"evt-{sub}",
        "created_at": at.isoformat(),
        "data": {
            "order_id": sub.split("-")[0],
            "sub_order_id": sub,
            "sku": sku,
            "quantity": qty,
            "price": price,
            "state": place[1],
            "city": place[0],
            "buyer_id": buyer,
        },
    }


def _ingest(store, marketplace, body, received=NOW):
    return append(store, NORMALISERS[marketplace](body, received))


@pytest.fixture(scope="module")
def history(lake_env, store):
    """Three days of orders from repeat buyers, cancellations, shipments and an RTO."""
    for i in range(1, 5):
        store.upsert(
            "products",
            {
                "id": f"SKU-{i}",
                "item_id": f"SKU-{i}",
                "title": f"Kurta {i}",
                "category": "ethnic_wear",
                "marketplace": "myntra",
                "price": 500.0 * i,
                "mrp": 600.0 * i,
                "stock": 50,
            },
        )
    start = NOW - timedelta(days=2, hours=3)
    for n in range(30):
        at = start + timedelta(hours=n * 1.7)
        sku = f"SKU-{n % 4 + 1}"
        buyer, place = f"buyer-{n % 7}", PLACES[n % 3]
        if n % 2:
            LINES[f"M{n}"] = (1 + n % 3, 499.0 + n)
            _ingest(store, "myntra", _myntra(f"M{n}", sku, *LINES[f"M{n}"], buyer, place, at))
        else:
            _ingest(store, "meesho", _meesho(f"S{n}-1", sku, 1, 299.0 + n, buyer, place, at))
    # Amazon: counted in sales, never in customers.
    _ingest(
        store,
        "amazon",
        {
            "eventType": "ORDER_PLACED",
            "asin": "SKU-1",
            "price": 999,
            "quantity": 2,
            "region": "IN",
            "state": "Delhi",
            "orderId": "402-1",
            "timestamp": (NOW - timedelta(hours=5)).isoformat(),
        },
    )
    # Shipments: M1 and M3 delivered, M5 goes back as RTO, M7 only shipped; M9 cancelled.
    for order, sku in (("M1", "SKU-2"), ("M3", "SKU-4"), ("M5", "SKU-2"), ("M7", "SKU-4")):
        _ingest(store, "myntra", _status(order, sku, "SHIPPED", start + timedelta(hours=30)))
    for order, sku in (("M1", "SKU-2"), ("M3", "SKU-4")):
        _ingest(store, "myntra", _status(order, sku, "DELIVERED", start + timedelta(hours=50)))
    _ingest(store, "myntra", _status("M5", "SKU-2", "RTO", start + timedelta(hours=52)))
    _ingest(store, "myntra", _status("M9", "SKU-2", "CANCELLED", start + timedelta(hours=20)))
    # A price change of SKU-3 (an offer, a price source) and a buyer who moved to Mumbai.
    for price, hours in ((1500.0, 1), (1399.0, 40)):
        append(
            store,
            [
                Event(
                    id=f"test:offer:SKU-3:{hours}",
                    item_id="SKU-3",
                    marketplace="myntra",
                    kind="offer",
                    raw_type="test",
                    occurred_at=start + timedelta(hours=hours),
                    received_at=NOW,
                    price=price,
                )
            ],
        )
    moved_at = NOW - timedelta(hours=1)
    _ingest(
        store,
        "myntra",
        _myntra("M99", "SKU-1", 1, 450.0, "buyer-0", ("Mumbai", "Maharashtra"), moved_at),
    )
    return list(store.query("events", "SELECT * FROM c"))


@pytest.fixture(scope="module")
def lake(history, store):
    settings = get_settings()
    days = sorted({(NOW - timedelta(days=d)).date() for d in range(4)})
    first = job.run(store, settings, NOW, days)
    return {"first": first, "days": days}


@pytest.fixture(scope="module")
def host(lake_env, lake, store, tmp_path_factory):
    h = start_devhost(lake_env, tmp_path_factory.mktemp("devhost"), "--no-seed", "--no-timers")
    yield h
    stop_devhost(h)


def _get(host, path, **params):
    with host.client() as c:
        r = c.get(f"/api/analytics/{path}", params=params, headers=principal("analyst"))
    assert r.status_code == 200, r.text
    return r.json()


def _rows(payload):
    return [dict(zip(payload["columns"], row, strict=True)) for row in payload["rows"]]


def _ist_day(value: str) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return (moment + IST).date().isoformat()


def _range(lake):
    return {
        "start": (lake["days"][0] - timedelta(days=1)).isoformat(),
        "end": (NOW + IST + timedelta(days=1)).date().isoformat(),
    }


def test_the_export_is_idempotent(lake, store):
    settings = get_settings()
    blob = lake_store(settings)
    before = sorted(blob.list_names("gold/")), sorted(blob.list_names("silver/"))
    # A change-feed batch lands raw files; the job rewrites the day without them.
    events = list(store.query("events", "SELECT * FROM c"))
    export.export_feed_batch(blob, events)
    export.export_feed_batch(blob, events)  # redelivered: overwrites its own file
    again = job.run(store, settings, NOW, lake["days"])
    assert again["gold"] == lake["first"]["gold"]
    assert (sorted(blob.list_names("gold/")), sorted(blob.list_names("silver/"))) == before
    for day in lake["days"]:
        files = blob.list_names(f"bronze/events/date={day.isoformat()}/")
        assert files == [f"bronze/events/date={day.isoformat()}/part-0.parquet"] or files == []
    # One row per sale movement: order lines and their cancellations (shared.core.sales).
    movements = sum(1 for e in events if e["kind"] in ("order", "cancel"))
    assert lake["first"]["gold"]["fact_sales"] == movements


def _warehouse():
    settings = get_settings()
    blob = lake_store(settings)
    return Warehouse.load(settings, blob, "test")


def test_the_job_fits_the_default_models_and_a_loaded_warehouse_serves_them_unqueried(lake):
    assert lake["first"]["models"]["written"] == FITTED
    served = _warehouse()
    asked: list[str] = []
    real_query = served.query
    served.query = lambda sql, *a, **k: asked.append(sql) or real_query(sql, *a, **k)
    k = Kpis(served, timeout=30, max_rows=1000)
    basket, value = k.basket(DEFAULT_MIN_SUPPORT), k.clv(CLV_HORIZON_DAYS, 3)
    assert asked == []  # loaded with the tables, not fitted on this request
    served.close()
    # The same answers as fitting them now, on the same gold.
    fresh = Warehouse(_warehouse()._con, "refit")
    refit = Kpis(fresh, timeout=30, max_rows=1000)
    assert json.loads(json.dumps(basket, default=str)) == json.loads(
        json.dumps(refit.basket(DEFAULT_MIN_SUPPORT), default=str)
    )
    assert json.loads(json.dumps(value, default=str)) == json.loads(
        json.dumps(refit.clv(CLV_HORIZON_DAYS, 3), default=str)
    )
    assert len(value.get("top", [])) <= 3
    fresh.close()


def test_gold_tables_pass_their_contracts(lake):
    w = _warehouse()
    con = w._con
    for contract in contracts.GOLD:
        assert contracts.failures(con, contract) == [], contract.table
    w.close()


def test_scd2_price_and_city_history(lake):
    w = _warehouse()
    prices = w.query(
        "SELECT price, valid_from, valid_to, is_current FROM dim_products "
        "WHERE item_id = 'SKU-3' ORDER BY version",
        timeout=5,
        max_rows=10,
    ).rows
    assert [p[0] for p in prices] == [1500.0, 1399.0]
    assert prices[0][1] == datetime(1970, 1, 1) and prices[0][2] == prices[1][1]
    assert [p[3] for p in prices] == [False, True]
    cities = w.query(
        "SELECT c.city, c.valid_from, c.valid_to, c.is_current FROM dim_customers c "
        "ORDER BY c.customer_key, c.version",
        timeout=5,
        max_rows=100,
    ).rows
    moved = [c for c in cities if c[0] == "Mumbai"]
    assert len(moved) == 1 and moved[0][3] is True
    # The Mumbai order points at the new version; earlier orders of that buyer at the old.
    versions = w.query(
        "SELECT f.city, d.city FROM fact_sales f JOIN dim_customers d USING (customer_sk) "
        "WHERE f.customer_key = (SELECT customer_key FROM dim_customers WHERE city = 'Mumbai')",
        timeout=5,
        max_rows=100,
    ).rows
    assert versions and all(a == b for a, b in versions)
    amazon = w.query(
        "SELECT count(*) FROM fact_sales WHERE marketplace = 'amazon' AND customer_sk IS NULL",
        timeout=5,
        max_rows=1,
    ).rows
    assert amazon == [[1]]
    w.close()


def test_a_second_library_reads_the_same_totals(lake):
    """pyarrow, not DuckDB, reads gold fact_sales straight from the Parquet files."""
    blob = lake_store(get_settings())
    total = 0.0
    rows = 0
    for name in blob.list_names("gold/fact_sales/"):
        table = pq.read_table(io.BytesIO(blob.get_bytes(name)))
        total += sum(v for v in table.column("net_revenue").to_pylist() if v is not None)
        rows += table.num_rows
    w = _warehouse()
    duck_total, duck_rows = w.query(
        "SELECT sum(net_revenue), count(*) FROM fact_sales", timeout=5, max_rows=1
    ).rows[0]
    w.close()
    assert rows == duck_rows and total == pytest.approx(duck_total)


def test_kpis_agree_with_the_event_log(host, history, lake):
    rng = _range(lake)
    cancelled = {e["id"].replace(":cancel:", ":order:") for e in history if e["kind"] == "cancel"}
    by_day: dict[str, float] = defaultdict(float)
    by_state: dict[str, float] = defaultdict(float)
    by_item: dict[str, float] = defaultdict(float)
    # A sale (shared.core.sales): an order line on its IST day, its cancellation a negative
    # on the cancellation's own day.
    log_total = sum(e["revenue"] for e in history if e["kind"] in ("order", "cancel"))
    for e in history:
        if e["kind"] in ("order", "cancel"):
            by_day[_ist_day(e["occurred_at"])] += e["revenue"]
            by_state[e.get("state") or "unknown"] += e["revenue"]
            by_item[e["item_id"]] += e["revenue"]
    revenue = _rows(_get(host, "revenue", granularity="daily", **rng))
    assert {r["period"]: r["revenue"] for r in revenue} == pytest.approx(
        {k: round(v, 2) for k, v in by_day.items() if round(v, 2)}
    )
    monthly = _rows(_get(host, "revenue", granularity="monthly", **rng))
    assert sum(r["revenue"] for r in monthly) == pytest.approx(sum(by_day.values()))
    assert sum(by_day.values()) == pytest.approx(log_total)  # and the log's own sum
    states = _rows(_get(host, "sales-by-state", **rng))
    assert {r["state"]: r["revenue"] for r in states if r["revenue"]} == pytest.approx(
        {k: round(v, 2) for k, v in by_state.items() if round(v, 2)}
    )
    top = _rows(_get(host, "top-products", limit=2, **rng))
    assert [r["item_id"] for r in top] == sorted(by_item, key=lambda k: -by_item[k])[:2]
    cities = _rows(_get(host, "sales-by-city", **rng))
    assert "Mumbai" in {r["city"] for r in cities}
    delivery = _get(host, "delivery", **rng)
    assert delivery["overall"]["shipped"] == 4
    assert delivery["overall"]["delivered"] == 2
    assert delivery["overall"]["rto_rate"] == pytest.approx(0.25)
    segments = _get(host, "customers/segments")
    customers = sum(r["customers"] for r in _rows(segments["segments"]))
    buyers = {e["customer_id"] for e in history if e["kind"] == "order" and e.get("customer_id")}
    assert customers == len(buyers)
    assert _rows(segments["without_customer"])[0]["marketplace"] == "amazon"
    seasonal = _get(host, "seasonal", **rng)
    assert sum(r["revenue"] for r in _rows(seasonal["by_month"])) == pytest.approx(
        sum(by_day.values())
    )
    basket = _get(host, "basket", min_support="0.2")
    bought: dict[str, set] = defaultdict(set)
    for e in history:
        if e["kind"] == "order" and e.get("customer_id") and e["id"] not in cancelled:
            bought[e["customer_id"]].add(e["item_id"])
    # Baskets of two or more products (the single-item Amazon order cannot pair with anything).
    assert basket["baskets"] == sum(len(items) >= 2 for items in bought.values())
    assert all({"support", "confidence", "lift"} <= set(r) for r in basket["rules"])
    clv = _get(host, "clv", limit="3")
    # Too few customers here to fit BG/NBD (tests/unit/analytics/test_clv.py fits it): the
    # answer says so and counts them, rather than a fit on a handful.
    assert len(buyers) < MIN_CUSTOMERS
    assert {k: clv[k] for k in ("fitted", "reason", "customers")} == {
        "fitted": False,
        "reason": f"needs at least {MIN_CUSTOMERS} customers",
        "customers": len(buyers),
    }
    turnover = _rows(_get(host, "inventory-turnover", **rng))
    assert {r["item_id"] for r in turnover} >= {"SKU-1", "SKU-2"}


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("DELETE FROM fact_sales", "DELETE"),
        ("COPY fact_sales TO 'out.csv'", "COPY"),
        ("ATTACH 'other.db'", "ATTACH"),
        ("PRAGMA database_list", "PRAGMA"),
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        ("SELECT * FROM '/etc/passwd'", "paths"),
        ("SELECT * FROM 'az://lake/gold/fact_sales/x.parquet'", "paths"),
        ("SELECT * FROM customers_raw", "unknown table"),
        ("SELECT 1; DROP TABLE fact_sales", "one statement"),
        ("SELECT getenv('HOME')", "getenv"),
        ("SET enable_external_access = true", "SET"),
    ],
)
def test_the_guard_refuses_unsafe_sql(host, sql, why):
    with host.client() as c:
        r = c.post("/api/analyst/sql", json={"sql": sql}, headers=principal("analyst"))
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "query_refused" and why in r.json()["message"]


def test_nesting_depths_1_to_1000_are_answered_never_500(host):
    # sqlglot ran out of stack at ~43 nested parentheses or ~89 subqueries: a 500.
    with host.client() as c:
        for n in range(1, 1001):
            sub = "SELECT units FROM fact_sales"
            for _ in range(n):
                sub = f"SELECT * FROM ({sub})"
            for sql in ("SELECT " + "(" * n + "units" + ")" * n + " FROM fact_sales", sub):
                r = c.post("/api/analyst/sql", json={"sql": sql}, headers=principal("analyst"))
                assert r.status_code in (200, 400), (n, r.text)
                if r.status_code == 400:
                    assert r.json()["error"] == "query_refused", r.text
                    assert "the limit is" in r.json()["message"]
        long = "SELECT units FROM fact_sales WHERE " + " OR ".join(["units = 1"] * 3000)
        r = c.post("/api/analyst/sql", json={"sql": long}, headers=principal("analyst"))
        assert r.status_code == 400 and "characters" in r.json()["message"], r.text


def test_the_console_runs_a_guarded_select_with_a_limit(host):
    with host.client() as c:
        r = c.post(
            "/api/analyst/sql",
            json={"sql": "SELECT sale_id FROM fact_sales"},
            headers=principal("analyst"),
        )
    assert r.status_code == 200, r.text
    assert r.json()["sql"].endswith("LIMIT 1000") and r.json()["rows"]


def test_the_analyst_answers_through_the_fake_openai(host, history):
    with host.client() as c:
        r = c.post(
            "/api/analyst/ask",
            json={"question": "How many order lines per state?"},
            headers=principal("analyst"),
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["chart"] == "bar" and body["columns"] == ["state", "lines"]
    # One row per sale movement: order lines and cancellations.
    assert sum(row[1] for row in body["rows"]) == sum(
        e["kind"] in ("order", "cancel") for e in history
    )
    sent = FakeOpenAI.requests[-1]
    assert sent["path"].startswith("/openai/deployments/analyst/chat/completions")
    assert "fact_sales(" in sent["body"]["messages"][0]["content"]  # given the gold schema
    with host.client() as c:
        schema = c.get("/api/analyst/schema", headers=principal("analyst")).json()
    assert schema["ask_enabled"] is True
    assert {t["table"] for t in schema["tables"]} == set(contracts.TABLES)


def test_duckdb_is_locked_after_loading(lake):
    w = _warehouse()
    for sql in ("SET enable_external_access = true", "SELECT * FROM read_csv('/etc/hostname')"):
        with pytest.raises(Exception):  # noqa: B017 - DuckDB's own refusal
            w.query(sql, timeout=5, max_rows=1)
    w.close()
