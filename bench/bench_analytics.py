"""The lake at scale: a one-year backfill through the lake job, then each KPI query on one core.

    python bench/bench_analytics.py [--lines 1000000] [--days 365]

Generates ``--lines`` order lines (three marketplaces, 2,000 products, repeat buyers across
Indian cities, 5 % cancelled, a third with shipment milestones and state RTO) over ``--days``
days, as documents of the event log, none yet in the lake: a backfill. Then runs the real lake
job once (``shared.analytics.job.run``) against Azurite (started here): the dirty days found
from the events' own time (every day of the year), export of each day to bronze, silver per
day, gold with its contracts, the basket and CLV fits and the reconciliation. The event log is
served to the job from memory by a stand-in with the two queries the job makes (the ``_ts``
scan and the day ranges): the local Cosmos server keeps everything in one Node process and is
measured by bench_ingest. Then the warehouse load and every KPI five times. Prints JSON with
medians. The process is pinned to one core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.sim.buyers import CITIES
from demo.sim.deliveries import RTO_RATE
from devhost.services import LocalServices, free_port
from shared.analytics import bronze, job
from shared.analytics.kpi_queries import Kpis
from shared.analytics.lake import lake_store, parquet_bytes
from shared.analytics.warehouse import Warehouse
from shared.core.settings import get_settings

STATES = list(CITIES)
ITEMS = 2000


def order_lines(n: int, days: int, end: date, rng: np.random.Generator) -> pa.Table:
    start = datetime.combine(end - timedelta(days=days - 1), datetime.min.time())
    seconds = np.sort(rng.uniform(0, days * 86400, n))
    when = np.array(start, dtype="datetime64[us]") + (seconds * 1e6).astype("timedelta64[us]")
    marketplace = rng.choice(np.array(["amazon", "myntra", "meesho"]), n, p=[0.4, 0.35, 0.25])
    item = np.array([f"SKU-{i:05d}" for i in range(ITEMS)])[rng.zipf(1.3, n) % ITEMS]
    # Buyers: a heavy tail, as in the mock feed (a few buy often, most once).
    buyer_ids = (rng.pareto(1.2, n) * 3000).astype(np.int64) % 150_000
    state_of_buyer = np.array(STATES)[buyer_ids % len(STATES)]
    city = np.array(
        [CITIES[s][b % len(CITIES[s])] for s, b in zip(state_of_buyer, buyer_ids, strict=True)]
    )
    customer = np.where(marketplace == "amazon", None, np.char.add("b_", buyer_ids.astype(str)))
    qty = 1 + rng.poisson(0.15, n)
    price = np.round(rng.lognormal(6.5, 0.6, n), 2)
    ids = np.char.add(
        np.char.add(np.char.add(marketplace.astype(str), ":order:"), np.arange(n).astype(str)), ":1"
    )
    return pa.table(
        {
            "id": ids,
            "item_id": item,
            "marketplace": marketplace,
            "kind": np.full(n, "order"),
            "occurred_at": pa.array(when, type=bronze.TS),
            "units": qty,
            "revenue": np.round(qty * price, 2),
            "price": price,
            "customer_id": customer,
            "city": city,
            "state": state_of_buyer,
            "order_id": np.char.add("O", np.arange(n).astype(str)),
        }
    )


def followers(orders: pa.Table, rng: np.random.Generator) -> pa.Table:
    """Cancellations (5 %) and shipment milestones (a third of Myntra and Meesho lines)."""
    n = orders.num_rows
    ids = orders.column("id").to_numpy(zero_copy_only=False)
    at = orders.column("occurred_at").to_numpy()
    mp = orders.column("marketplace").to_numpy(zero_copy_only=False)
    state = orders.column("state").to_numpy(zero_copy_only=False)
    rows: dict[str, list] = {
        k: [] for k in ("id", "kind", "status", "occurred_at", "revenue", "src")
    }
    cancel = rng.random(n) < 0.05
    shipped = (~cancel) & (mp != "amazon") & (rng.random(n) < 0.33)
    rto = shipped & (rng.random(n) < np.array([RTO_RATE[s] for s in state]))
    hours = lambda h: (np.asarray(h) * 3600e6).astype("timedelta64[us]")  # noqa: E731
    for mask, kind, status, delay in (
        (cancel, "cancel", None, hours(rng.uniform(1, 24, n))),
        (shipped, "status", "shipped", hours(rng.uniform(6, 40, n))),
        (shipped & ~rto, "status", "delivered", hours(rng.uniform(50, 160, n))),
        (rto, "cancel", "rto", hours(rng.uniform(150, 300, n))),
    ):
        idx = np.flatnonzero(mask)
        base = ids[idx]
        if kind == "cancel":
            rows["id"].append(np.char.replace(base.astype(str), ":order:", ":cancel:"))
        else:
            rows["id"].append(
                np.char.add(np.char.replace(base.astype(str), ":order:", ":status:"), f":{status}")
            )
        rows["kind"].append(np.full(len(idx), kind))
        rows["status"].append(np.full(len(idx), status, dtype=object))
        rows["occurred_at"].append(at[idx] + delay[idx])
        rows["src"].append(idx)
    src = np.concatenate(rows["src"])
    kinds = np.concatenate(rows["kind"])
    revenue = orders.column("revenue").to_numpy()[src]
    return pa.table(
        {
            "id": np.concatenate(rows["id"]),
            "item_id": orders.column("item_id").to_numpy(zero_copy_only=False)[src],
            "marketplace": mp[src],
            "kind": kinds,
            "occurred_at": pa.array(np.concatenate(rows["occurred_at"]), type=bronze.TS),
            "revenue": np.where(kinds == "cancel", -revenue, 0.0),
            "status": np.concatenate(rows["status"]),
            "order_id": orders.column("order_id").to_numpy(zero_copy_only=False)[src],
        }
    )


def conform(table: pa.Table) -> pa.Table:
    """Fill the bronze schema's other columns the way the exporter writes them."""
    n = table.num_rows
    columns = []
    for field in bronze.EVENT_SCHEMA:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        elif field.name == "received_at":
            columns.append(table.column("occurred_at"))
        elif field.name in ("raw_type", "source"):
            columns.append(pa.array(["bench"] * n, type=pa.string()))
        elif pa.types.is_integer(field.type) and field.name in (
            "views",
            "clicks",
            "orders",
            "units",
            "stock_delta",
            "written_ts",
        ):
            columns.append(pa.array(np.zeros(n, dtype=np.int64)))
        else:
            columns.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(columns, schema=bronze.EVENT_SCHEMA)


def median_ms(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    # Internal: the data generator runs in a child process, so its memory (a million Python
    # strings) is not counted as the lake's.
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if args.generate:
        get_settings.cache_clear()
        print(json.dumps(generate(args)))
        return 0
    services = LocalServices(
        cosmos_port=free_port(),
        blob_port=free_port(),
        queue_port=free_port(),
        table_port=free_port(),
        workdir=Path(tempfile.mkdtemp(prefix="bench-lake-")),
    ).start()
    try:
        os.environ.update(services.env())
        os.environ["LAKE_CONTAINER"] = "lake"
        get_settings.cache_clear()
        return run(args)
    finally:
        services.stop()


def run(args) -> int:
    settings = get_settings()
    lake = lake_store(settings)
    end = datetime.now(UTC).date()
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--generate",
            "--lines",
            str(args.lines),
            "--days",
            str(args.days),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    out: dict = {"lines": args.lines, "days": args.days, **json.loads(child.stdout)}
    out.pop("day_list")
    events = pq.read_table(out.pop("events_file"))
    log = EventLog(events)
    t0 = time.perf_counter()
    ledger = job.run(log, settings, datetime.now(UTC), lake=lake)
    job_s = time.perf_counter() - t0
    out["backfill_job"] = {
        "seconds": round(job_s, 1),
        "target_s": 300,
        "events": ledger["changed_events"],
        "ist_days_rebuilt": len(ledger["dirty_ist_days"]),
        "partitions_rebuilt": len(ledger["days"]),
        "export_s": ledger["export_seconds"],
        "gold_s": ledger["gold_seconds"],
        "models_and_check_s": dig(ledger, "models", "seconds"),
        "fact_sales_rows": ledger["gold"]["fact_sales"],
    }
    out["gold"] = {"seconds": ledger["gold_seconds"], "rows": ledger["gold"]}
    out["export_total_events_per_s"] = round(out["events"] / job_s)
    return queries(args, settings, lake, end, out)


def dig(doc: dict, *path: str):
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None  # type: ignore[assignment]
    return doc


class EventLog:
    """The event log, as the lake job reads it, from the generated table in memory."""

    def __init__(self, events: pa.Table) -> None:
        at = events.column("occurred_at").to_numpy()
        order = np.argsort(at, kind="stable")
        self.events = events.take(order)
        self.at = at[order]

    def query(self, container: str, sql: str, parameters=()):
        params = dict(parameters)
        if container != "events":
            return iter(PRODUCTS if container == "products" else [])
        if "@ts" in params:  # the dirty-day scan: every document is newer than a first run
            return self._rows(0, self.events.num_rows, ("id", "occurred_at"))
        lo, hi = (np.datetime64(params[k]) for k in ("@start", "@end"))
        start, stop = np.searchsorted(self.at, lo), np.searchsorted(self.at, hi)
        return self._rows(int(start), int(stop), None)

    def _rows(self, start: int, stop: int, columns):
        for offset in range(start, stop, 50_000):
            part = self.events.slice(offset, min(50_000, stop - offset))
            if columns:
                part = part.select(list(columns))
            for i, doc in enumerate(part.to_pylist()):
                doc["occurred_at"] = doc["occurred_at"].replace(tzinfo=UTC).isoformat()
                if columns is None:
                    doc["received_at"] = doc["received_at"].replace(tzinfo=UTC).isoformat()
                doc["_ts"] = 1_000 + offset + i
                yield {k: v for k, v in doc.items() if v is not None}

    def read_or_none(self, container: str, doc_id: str, partition_key):
        return None

    def upsert(self, container: str, doc: dict, **kwargs) -> dict:
        return doc

    def create(self, container: str, doc: dict) -> bool:
        return True


PRODUCTS = [
    {
        "id": f"SKU-{i:05d}",
        "item_id": f"SKU-{i:05d}",
        "title": f"Product {i}",
        "category": "ethnic_wear",
        "marketplace": "myntra",
        "price": 999.0,
        "mrp": 1299.0,
        "stock": 40,
    }
    for i in range(ITEMS)
]


def generate(args) -> dict:
    settings = get_settings()
    lake = lake_store(settings)
    rng = np.random.default_rng(7)
    end = datetime.now(UTC).date()
    out: dict = {}
    t0 = time.perf_counter()
    orders = order_lines(args.lines, args.days, end, rng)
    events = pa.concat_tables([conform(orders), conform(followers(orders, rng))])
    out["events"] = events.num_rows
    out["generate_s"] = round(time.perf_counter() - t0, 1)

    # Export cost per Cosmos document: dicts -> Arrow -> Parquet -> Blob, on a sample.
    sample = events.slice(0, 100_000).to_pylist()
    for doc in sample:
        for key in ("occurred_at", "received_at"):
            doc[key] = doc[key].replace(tzinfo=UTC).isoformat()
    t0 = time.perf_counter()
    lake.put("bench/sample.parquet", parquet_bytes(bronze.events_table(sample)))
    out["export"] = {"events_per_s": round(len(sample) / (time.perf_counter() - t0))}

    # The event log of the backfill, for the parent's stand-in (nothing in bronze yet).
    path = Path(tempfile.mkdtemp(prefix="bench-events-")) / "events.parquet"
    pq.write_table(events, path)
    out["events_file"] = str(path)
    day_list = sorted({d.isoformat() for d in days_of(events)})
    snapshot = pa.Table.from_pylist(
        [
            {
                "item_id": f"SKU-{i:05d}",
                "title": f"Product {i}",
                "category": "ethnic_wear",
                "brand": "",
                "marketplace": "myntra",
                "price": 999.0,
                "mrp": 1299.0,
                "stock": 40,
                "catalogued": True,
                "locations": [],
                "snapshot_at": datetime.combine(end - timedelta(days=d), datetime.min.time())
                + timedelta(hours=20),
            }
            for i in range(ITEMS)
            for d in range(30)
        ],
        schema=bronze.PRODUCT_SCHEMA,
    )
    lake.put("bronze/products/date=all/part-0.parquet", parquet_bytes(snapshot))
    lake.put(
        "bronze/stores/date=all/part-0.parquet",
        parquet_bytes(bronze.stores_table(["amazon", "myntra", "meesho"], [], datetime.now(UTC))),
    )

    out["day_list"] = day_list
    out["generator_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    return out


def days_of(events: pa.Table) -> set[date]:
    at = events.column("occurred_at").cast(pa.date32()).to_numpy(zero_copy_only=False)
    return {date.fromisoformat(str(d)) for d in np.unique(at)}


def queries(args, settings, lake, end, out) -> int:
    t0 = time.perf_counter()
    warehouse = Warehouse.load(settings, lake, "bench")
    out["warehouse_load_s"] = round(time.perf_counter() - t0, 2)
    k = Kpis(warehouse, timeout=60, max_rows=1000)
    first, last = end - timedelta(days=args.days - 1), end
    queries = {
        "revenue_daily": lambda: k.revenue(first, last, "daily"),
        "revenue_monthly": lambda: k.revenue(first, last, "monthly"),
        "sales_by_city": lambda: k.by_place("city", first, last),
        "sales_by_state": lambda: k.by_place("state", first, last),
        "top_products": lambda: k.top_products(first, last, 20),
        "inventory_turnover": lambda: k.inventory_turnover(first, last),
        "delivery": lambda: k.delivery(first, last),
        "seasonal": lambda: k.seasonal(first, last),
        "customer_segments": lambda: k.segments(),
        "basket": lambda: k.basket(0.01),
        "clv": lambda: k.clv(90, 20),
    }
    # Basket rules and CLV come fitted with the tables: the first request is timed on its own.
    out["first_request_ms"] = {name: median_ms(queries[name], 1) for name in ("basket", "clv")}
    out["kpi_ms_median"] = {name: median_ms(fn, 5) for name, fn in queries.items()}
    out["targets"] = {"kpi_ms": 1000, "peak_rss_mb": 1536}
    out["peak_rss_mb_self"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    warehouse.close()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
