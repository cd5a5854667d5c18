"""Amazon SP-API connector benchmark; prints one JSON object.

    python bench/bench_sp_api.py        # catch-up of 1,000 orders, a 100,000-line backfill
    python bench/bench_sp_api.py --orders 200 --lines 5000

Both parts run in this process against the local stack (the local Cosmos server and Azurite,
started here) and the fake SP-API (``devhost.fake_sp_api``, which validates every request and
response against Amazon's models: its own cost is inside the figures).

1. ``catchup``: ``--orders`` orders of one item each, updated in the last day, found by one
   catch-up run (getOrders pages of 100, getOrderItems per order, events appended through the
   webhook path). The fake's ``x-amzn-RateLimit-Limit`` is raised so no usage plan is waited
   for: the figures are ReSight's own cost (wall and CPU seconds, calls, events) scaled to
   1,000 orders. What Amazon's default usage plans impose on top is computed from the rate
   and burst (getOrderItems 0.5/s, burst 30), not measured.
2. ``backfill``: a ``--lines``-line all-orders report (Amazon's documented columns, tab-
   delimited, ``--skus`` SKUs) for one 30-day chunk: createReport, getReport, getReportDocument,
   gunzipped download, the import record and blob, the order-export import
   (``runner.process``, what the blob trigger runs) and the chunk marked imported. The clock
   runs from the request to the chunk's ``imported``; the peak resident set is this process's
   from the backfill's start (VmHWM reset then; the fake SP-API, which holds the report, and the
   import included; the Cosmos server and Azurite are other processes, counted by
   ``run_all.py``'s tree figure).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import urllib3  # noqa: E402

from bench.bench_ingest import (  # noqa: E402
    exit_on_sigterm,
    high_water_mb,
    local_services,
    new_secrets,
    stack_env,
)
from devhost.fake_sp_api import REPORT_COLUMNS, FakeSpApi  # noqa: E402

TARGETS = {"backfill_s": 60, "backfill_peak_rss_mb": 500}


def settings_for(fake: FakeSpApi):
    from shared.core.settings import SpApiConnection, get_settings

    conn = SpApiConnection(
        endpoint=fake.url,
        tokenUrl=fake.url + "/auth/o2/token",
        marketplaceId=fake.marketplace_id,
        lwaClientId=fake.client_id,
        lwaClientSecret=fake.client_secret,
        refreshToken=fake.refresh_token,
    )
    return get_settings().model_copy(update={"amazon_sp_api": conn})


def bench_catchup(store, orders: int) -> dict[str, Any]:
    from shared.adapters.sp_api import OPERATIONS, SpApiClient
    from shared.ingest import sp_api_catchup

    fake = FakeSpApi(page_size=100)
    fake.rate_limits = {"getOrders": "1000", "getOrderItems": "1000"}
    fake.start()
    try:
        now = datetime.now(UTC)
        for i in range(orders):
            fake.put_order(
                f"171-{i:07d}-{uuid.uuid4().int % 10**7:07d}",
                "Unshipped",
                [{"sku": f"SKU-B-{i % 200:03d}", "qty": 1 + i % 3, "price": 499.0}],
                purchased=now - timedelta(hours=12, seconds=i),
            )
        settings = settings_for(fake)
        client = SpApiClient(settings.amazon_sp_api)
        client.get_order_items(next(iter(fake.orders)))  # learns the raised rate first
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = sp_api_catchup.run(store, settings, client=client)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert outcome.status == "ok" and outcome.recorded == orders, outcome
        assert not fake.violations and not fake.response_errors
        items = OPERATIONS["getOrderItems"]
        per = 1000 / orders
        return {
            "orders": orders,
            "events_recorded": outcome.recorded,
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "per_1000_orders": {
                "wall_s": round(wall * per, 1),
                "cpu_s": round(cpu * per, 1),
                "getOrders_calls": round(fake.calls("getOrders") * per),
                "getOrderItems_calls": round((fake.calls("getOrderItems") - 1) * per),
                "event_writes": round(outcome.recorded * per),
                # Computed, not measured: 1,000 getOrderItems at Amazon's default plan.
                "usage_plan_min_s": round((1000 - items.burst) / items.rate),
            },
        }
    finally:
        fake.stop()


def report_text(lines: int, skus: int, start: datetime) -> bytes:
    index = {c: i for i, c in enumerate(REPORT_COLUMNS)}
    out = ["\t".join(REPORT_COLUMNS)]
    blank = [""] * len(REPORT_COLUMNS)
    statuses = ("Shipped",) * 8 + ("Unshipped", "Cancelled")
    for i in range(lines):
        row = list(blank)
        placed = start + timedelta(seconds=i * 25)
        row[index["amazon-order-id"]] = f"402-{i:07d}-{i * 7 % 10**7:07d}"
        row[index["purchase-date"]] = placed.isoformat()
        row[index["last-updated-date"]] = (placed + timedelta(days=1)).isoformat()
        status = statuses[i % len(statuses)]
        row[index["order-status"]] = status
        row[index["item-status"]] = status
        row[index["fulfillment-channel"]] = "Merchant"
        row[index["sales-channel"]] = "Amazon.in"
        row[index["sku"]] = f"SKU-R-{i % skus:04d}"
        row[index["asin"]] = f"B0{i % skus:08d}"
        row[index["quantity"]] = "0" if status == "Cancelled" else str(1 + i % 3)
        row[index["currency"]] = "INR"
        row[index["item-price"]] = "" if status == "Cancelled" else f"{(1 + i % 3) * 499:.2f}"
        row[index["ship-city"]] = "Pune"
        row[index["ship-state"]] = "Maharashtra"
        row[index["ship-postal-code"]] = "411001"
        row[index["ship-country"]] = "IN"
        out.append("\t".join(row))
    return ("\n".join(out) + "\n").encode()


def bench_backfill(store, lines: int, skus: int) -> dict[str, Any]:
    from shared.adapters.blob import imports_store
    from shared.adapters.sp_api import SpApiClient
    from shared.ingest import sp_api_history
    from shared.ingest.bulk import runner

    Path("/proc/self/clear_refs").write_text("5")  # the peak from here on (VmHWM)
    fake = FakeSpApi()
    fake.start()
    try:
        settings = settings_for(fake)
        blobs = imports_store()
        blobs.ensure_container()
        fake.put_report_text(report_text(lines, skus, datetime.now(UTC) - timedelta(days=29)))
        client = SpApiClient(settings.amazon_sp_api)
        started = time.perf_counter()
        sp_api_history.request(store, settings, actor="bench", days=30)
        phases: dict[str, float] = {}
        doc = None
        for _ in range(10):
            doc = sp_api_history.advance(store, blobs, settings, client)
            assert doc is not None
            chunk = doc["chunks"][0]
            if chunk["status"] == "importing" and "downloaded_s" not in phases:
                phases["downloaded_s"] = round(time.perf_counter() - started, 2)
                # Up to here: the report requested, fetched, gunzipped and stored for import.
                phases["peak_rss_before_import_mb"] = high_water_mb()
                record = store.read("imports", chunk["import_id"], chunk["import_id"])
                result = runner.process(store, blobs, record["blob"], settings)
                assert result is not None and result["status"] == "imported", result
                phases["imported_s"] = round(time.perf_counter() - started, 2)
            if doc["status"] != "running":
                break
        total = time.perf_counter() - started
        assert doc is not None and doc["status"] == "done", doc
        assert not fake.violations and not fake.response_errors
        return {
            "lines": lines,
            "rows_imported": doc["chunks"][0].get("rows"),
            "end_to_end_s": round(total, 1),
            **phases,
            "lines_per_s": round(lines / total),
            # The process's peak since the backfill began (VmHWM, reset before it), and over
            # the whole run (ru_maxrss).
            "peak_rss_mb": high_water_mb(),
            "process_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
        }
    finally:
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--skip-backfill", action="store_true")
    parser.add_argument("--skip-catchup", action="store_true")
    args = parser.parse_args()
    exit_on_sigterm()
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    result: dict[str, Any] = {"targets": TARGETS}
    with (
        tempfile.TemporaryDirectory(prefix="resight-bench-") as tmp,
        local_services(Path(tmp) / "services") as svc,
    ):
        env = stack_env(svc, new_secrets(), database=f"b{uuid.uuid4().hex[:10]}")
        os.environ.update(env)
        from shared.adapters.cosmos import get_store
        from shared.core.settings import get_settings

        get_settings.cache_clear()
        store = get_store()
        store.ensure_schema()
        if not args.skip_catchup:
            print("sp-api: catch-up", file=sys.stderr, flush=True)
            result["catchup"] = bench_catchup(store, args.orders)
        if not args.skip_backfill:
            print(f"sp-api: backfill of {args.lines} lines", file=sys.stderr, flush=True)
            result["backfill"] = bench_backfill(store, args.lines, args.skus)
            # The targets are for a 100,000-line report; a smaller run is not judged.
            result["backfill"]["meets_targets"] = (
                result["backfill"]["end_to_end_s"] < TARGETS["backfill_s"]
                and result["backfill"]["peak_rss_mb"] < TARGETS["backfill_peak_rss_mb"]
                if args.lines >= 100_000
                else None
            )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
