"""Ingest benchmark; prints one JSON object (medians over rounds, latencies as p50/p95).

    python bench/bench_ingest.py               # handler CPU, direct Cosmos, HTTP through devhost
    python bench/bench_ingest.py --skip-http   # without the devhost part

1. ``handler``: the CPU cost of one webhook without storage (size check, HMAC verify, JSON
   parse, normalise: ``shared.ingest.webhook.verify_and_parse``) on a fixed mix of pre-signed
   payloads from all three marketplaces, in this process, pinned to one core. ``process_time``
   is the primary clock (it ignores time the shared core spent on other processes).
2. ``cosmos``: ``verify_and_parse`` + ``append`` (idempotent create, audit entry for orders)
   into the real local Cosmos server, from 1 and 4 threads, each for a fixed time.
3. ``http``: signed webhooks POSTed to devhost (function key, HTTP server, the same handler and
   store, with the change-feed poller projecting behind it) from 4 threads for a fixed time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import urllib3  # noqa: E402

from devhost.services import COSMOS_KEY, LocalServices, free_port  # noqa: E402
from shared.adapters.cosmos import Store  # noqa: E402
from shared.core.settings import CosmosConnection, Settings, WebhookSecrets  # noqa: E402
from shared.ingest.signature import signed_headers  # noqa: E402
from shared.ingest.webhook import append, verify_and_parse  # noqa: E402

Signed = tuple[str, bytes, dict[str, str]]  # marketplace, raw body, signature headers


def _iso(offset_s: int = 0) -> str:
    return datetime.fromtimestamp(time.time() - offset_s, UTC).isoformat()


def _amazon_simple(kind: str) -> Callable[[int, random.Random], dict]:
    def make(n: int, rng: random.Random) -> dict:
        body: dict[str, Any] = {
            "eventType": kind,
            "asin": f"SKU-BEN-{rng.randrange(5000):05d}",
            "region": "IN",
            "eventId": f"e-{n}-{uuid.uuid4().hex[:8]}",
        }
        if kind == "ORDER_PLACED":
            body.update(
                price=round(rng.uniform(149, 4999), 2),
                quantity=rng.randint(1, 3),
                orderId=f"402-{n}-{uuid.uuid4().hex[:8]}",
            )
        return body

    return make


def _order_change(n: int, rng: random.Random) -> dict:
    lines = [
        {
            "OrderItemId": str(100 + i),
            "SellerSKU": f"SKU-BEN-{rng.randrange(5000):05d}",
            "Quantity": rng.randint(1, 2),
        }
        for i in range(rng.randint(1, 2))
    ]
    return {
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": _iso(),
        "Payload": {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": "A3TH9S8BH6GOGM",
                "AmazonOrderId": f"171-{n:07d}-{uuid.uuid4().hex[:7]}",
                "OrderChangeType": "OrderStatusChange",
                "Summary": {
                    "MarketplaceId": "A21TJRUUN4KGV",
                    "OrderStatus": "Unshipped",
                    "DestinationPostalCode": "560001",
                    "OrderItems": lines,
                },
            }
        },
        "NotificationMetadata": {
            "ApplicationId": "app",
            "SubscriptionId": "sub",
            "PublishTime": _iso(),
            "NotificationId": uuid.uuid4().hex,
        },
    }


def _item_sales(n: int, rng: random.Random) -> dict:
    units = rng.randint(1, 6)
    return {
        "notificationVersion": "1.0",
        "notificationType": "ITEM_SALES_EVENT_CHANGE",
        "payloadVersion": "1.0",
        "eventTime": _iso(),
        "payload": {
            "itemSalesEventChanges": [
                {
                    "asin": f"B0{rng.randrange(10**8):08d}",
                    "sku": f"SKU-BEN-{rng.randrange(5000):05d}",
                    "orderedUnits": units,
                    "orderedRevenue": {
                        "amount": round(units * rng.uniform(149, 4999), 2),
                        "currencyCode": "INR",
                    },
                    "startTime": _iso(3600),
                    "endTime": _iso(),
                }
            ]
        },
        "notificationMetadata": {
            "applicationId": "app",
            "subscriptionId": "s",
            "publishTime": _iso(),
            "notificationId": uuid.uuid4().hex,
        },
    }


def _myntra_order(n: int, rng: random.Random) -> dict:
    return {
        "event": "ORDER_CREATED",
        "eventTime": _iso(),
        "order": {
            "orderId": f"MYN-{n}-{uuid.uuid4().hex[:8]}",
            "status": "CREATED",
            "city": "Pune",
            "lines": [
                {
                    "lineId": "1",
                    "sellerSku": f"SKU-BEN-{rng.randrange(5000):05d}",
                    "quantity": rng.randint(1, 2),
                    "sellingPrice": round(rng.uniform(299, 2999), 2),
                }
            ],
        },
    }


def _meesho_order(n: int, rng: random.Random) -> dict:
    uid = f"{n}-{uuid.uuid4().hex[:8]}"
    return {
        "type": "order.created",
        "id": f"evt_{uid}",
        "created_at": _iso(),
        "data": {
            "order_id": f"MSH-{uid}",
            "sub_order_id": f"MSH-{uid}-1",
            "sku": f"SKU-BEN-{rng.randrange(5000):05d}",
            "quantity": rng.randint(1, 3),
            "price": round(rng.uniform(99, 999), 2),
            "state": "Karnataka",
        },
    }


# Shopper traffic outnumbers orders; every payload format the handler accepts for orders is in.
MIX: list[tuple[str, str, Callable[[int, random.Random], dict], int]] = [
    ("amazon", "amazon_view", _amazon_simple("VIEW"), 30),
    ("amazon", "amazon_click", _amazon_simple("CLICK"), 15),
    ("amazon", "amazon_order", _amazon_simple("ORDER_PLACED"), 15),
    ("amazon", "sp_api_order_change", _order_change, 10),
    ("amazon", "sp_api_item_sales", _item_sales, 10),
    ("myntra", "myntra_order", _myntra_order, 10),
    ("meesho", "meesho_order", _meesho_order, 10),
]


class Payloads:
    """Signed, unique payloads in the fixed mix (deterministic order for a given seed)."""

    def __init__(self, webhook_secrets: dict[str, str], seed: int = 1) -> None:
        self.secrets = webhook_secrets
        self.rng = random.Random(seed)
        self.counter = itertools.count()
        self.order = [i for i, (*_, weight) in enumerate(MIX) for _ in range(weight)]
        self.rng.shuffle(self.order)

    def make(self, kind_index: int | None = None) -> Signed:
        n = next(self.counter)
        index = self.order[n % len(self.order)] if kind_index is None else kind_index
        marketplace, _, build, _ = MIX[index]
        raw = json.dumps(build(n, self.rng)).encode()
        return marketplace, raw, signed_headers(self.secrets[marketplace], raw)

    def batch(self, n: int, kind_index: int | None = None) -> list[Signed]:
        return [self.make(kind_index) for _ in range(n)]


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (an infinite value, a never-seen event, stays infinite)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def high_water_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident set (``VmHWM``) in MB, None once it has gone. Not ru_maxrss:
    Linux keeps that across fork and exec, so a child started by a large parent reports the
    parent's peak (the 1,000,000-product child of bench_ranking.py read 2,071 MB under
    make bench and 891 MB run on its own)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def pin_to_one_core() -> int | None:
    try:
        core = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return core
    except (AttributeError, OSError):
        return None


def bench_handler(
    settings: Settings, payloads: Payloads, *, size: int, rounds: int, passes: int
) -> dict[str, Any]:
    core = pin_to_one_core()
    for mp, raw, headers in payloads.batch(200):  # warm-up: imports, caches, branch predictors
        verify_and_parse(mp, raw, headers, settings)
    cpu_us, wall_us, events_per_webhook = [], [], 0.0
    for _ in range(rounds):
        batch = payloads.batch(size)  # signed outside the timed region
        events = 0
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(passes):
            for mp, raw, headers in batch:
                events += len(verify_and_parse(mp, raw, headers, settings))
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        cpu_us.append(cpu / (size * passes) * 1e6)
        wall_us.append(wall / (size * passes) * 1e6)
        events_per_webhook = events / (size * passes)
    per_type = {}
    for index, (_, name, _, _) in enumerate(MIX):
        batch = payloads.batch(300, index)
        times = []
        for _ in range(5):
            c0 = time.process_time()
            for mp, raw, headers in batch:
                verify_and_parse(mp, raw, headers, settings)
            times.append((time.process_time() - c0) / len(batch) * 1e6)
        per_type[name] = round(statistics.median(times), 1)
    us = statistics.median(cpu_us)
    return {
        "pinned_core": core,
        "webhooks_per_round": size * passes,
        "rounds": rounds,
        "events_per_webhook": round(events_per_webhook, 3),
        "us_per_webhook_cpu_median": round(us, 1),
        "us_per_webhook_wall_median": round(statistics.median(wall_us), 1),
        "webhooks_per_s_per_core": round(1e6 / us),
        "events_per_s_per_core": round(1e6 / us * events_per_webhook),
        "us_per_webhook_cpu_by_type": per_type,
    }


def run_for(seconds: float, threads: int, work: Callable[[int], int]) -> dict[str, Any]:
    """Call ``work(thread_index)`` from ``threads`` threads until time is up; counts + latency."""
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(threads)]
    counts = [0] * threads
    errors: list[BaseException] = []

    def loop(i: int) -> None:
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                n = work(i)
                latencies[i].append(time.perf_counter() - t0)
                counts[i] += n
        except BaseException as exc:  # reported, not swallowed: the run is invalid
            errors.append(exc)

    start = time.perf_counter()
    pool = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} worker(s) failed: {errors[0]!r}") from errors[0]
    flat = [x * 1000 for lat in latencies for x in lat]
    return {
        "threads": threads,
        "seconds": round(elapsed, 2),
        "webhooks": len(flat),
        "events": sum(counts),
        "webhooks_per_s": round(len(flat) / elapsed, 1),
        "events_per_s": round(sum(counts) / elapsed, 1),
        "latency_p50_ms": round(pct(flat, 50), 2),
        "latency_p95_ms": round(pct(flat, 95), 2),
    }


def bench_cosmos(
    store: Store,
    settings: Settings,
    payloads: Payloads,
    *,
    seconds: float,
    threads: tuple[int, ...],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    warmup = 0
    for n in threads:
        pending = iter(payloads.batch(int(seconds * 1500)))  # more than the server can take
        lock = threading.Lock()

        def work(_: int, pending: Iterator[Signed] = pending, lock: threading.Lock = lock) -> int:
            with lock:
                mp, raw, headers = next(pending)
            result = append(store, verify_and_parse(mp, raw, headers, settings))
            if result.duplicates:
                raise RuntimeError("a unique payload was stored as a duplicate")
            return len(result.recorded)

        warm = append(store, verify_and_parse(*payloads.make(), settings))  # connection pool
        warmup += len(warm.recorded)
        out[f"threads_{n}"] = run_for(seconds, n, work)
    stored = next(iter(store.query("events", "SELECT VALUE COUNT(1) FROM c")))
    expected = sum(r["events"] for r in out.values()) + warmup
    out["stored_events"] = stored
    out["stored_events_match"] = stored == expected
    return out


def bench_http(
    services: LocalServices,
    webhook_secrets: dict[str, str],
    tmp: Path,
    *,
    seconds: float,
    threads: int,
) -> dict[str, Any]:
    from tests.integration.conftest import start_devhost, stop_devhost

    env = stack_env(services, webhook_secrets, database="benchhttp")
    started = time.perf_counter()
    host = start_devhost(env, tmp, "--no-seed", "--no-timers")
    startup_s = time.perf_counter() - started
    try:
        payloads = Payloads(webhook_secrets, seed=3)
        clients = [host.client() for _ in range(threads)]
        lock = threading.Lock()

        def work(i: int) -> int:
            with lock:
                mp, raw, headers = payloads.make()
            resp = clients[i].post(
                host.webhook_url(mp),
                content=raw,
                headers={"content-type": "application/json", **headers},
            )
            if resp.status_code != 200:
                raise RuntimeError(f"webhook answered {resp.status_code}: {resp.text[:200]}")
            return len(resp.json()["recorded"])

        for i in range(threads):
            work(i)  # connect every client once before timing
        result = run_for(seconds, threads, work)
        for c in clients:
            c.close()
        result["devhost_startup_s"] = round(startup_s, 1)
        return result
    finally:
        stop_devhost(host)


def stack_env(
    services: LocalServices, webhook_secrets: dict[str, str], *, database: str
) -> dict[str, str]:
    """The settings devhost needs to run against ``services`` (mock feed off).

    Timer schedules and container names that triggers bind to (``%NAME%``) come from
    ``local.settings.example.json``, so a new trigger does not stop the benchmarks.
    """
    example = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    return {
        **{k: v for k, v in example.items() if k.endswith(("_SCHEDULE", "_CONTAINER"))},
        **services.env(),
        "COSMOS_DATABASE_NAME": database,
        "Webhooks__amazonSecret": webhook_secrets["amazon"],
        "Webhooks__myntraSecret": webhook_secrets["myntra"],
        "Webhooks__meeshoSecret": webhook_secrets["meesho"],
        "SignalR__connectionString": (
            f"Endpoint=http://127.0.0.1:{free_port()};AccessKey={secrets.token_urlsafe(32)};"
            "Version=1.0;"
        ),
        "SignalR__hub": "resight",
        "MOCK_ENABLED": "false",
    }


def new_secrets() -> dict[str, str]:
    return {mp: secrets.token_hex(16) for mp in ("amazon", "myntra", "meesho")}


def settings_for(webhook_secrets: dict[str, str]) -> Settings:
    return Settings(
        webhooks=WebhookSecrets(
            amazonSecret=webhook_secrets["amazon"],
            myntraSecret=webhook_secrets["myntra"],
            meeshoSecret=webhook_secrets["meesho"],
        )
    )


@contextmanager
def local_services(workdir: Path) -> Iterator[LocalServices]:
    svc = LocalServices(
        cosmos_port=free_port(),
        blob_port=free_port(),
        queue_port=free_port(),
        table_port=free_port(),
        workdir=workdir,
    )
    try:
        yield svc.start()
    finally:
        svc.stop()


def exit_on_sigterm() -> None:
    """SIGTERM (a runner's timeout) unwinds through ``finally`` so started services stop."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0, help="per Cosmos/HTTP run")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    exit_on_sigterm()
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    webhook_secrets = new_secrets()
    settings = settings_for(webhook_secrets)
    payloads = Payloads(webhook_secrets)

    result: dict[str, Any] = {}
    print("ingest: handler CPU", file=sys.stderr, flush=True)
    affinity = os.sched_getaffinity(0)
    result["handler"] = bench_handler(settings, payloads, size=2000, rounds=7, passes=3)
    os.sched_setaffinity(0, affinity)  # the I/O parts use the machine as a deployment would

    with (
        tempfile.TemporaryDirectory(prefix="resight-bench-") as tmp,
        local_services(Path(tmp) / "services") as svc,
    ):
        store = Store.from_connection(
            CosmosConnection(
                accountEndpoint=svc.cosmos_endpoint,
                accountKey=COSMOS_KEY,
                verifyTls=False,
                databaseName="benchdirect",
            )
        )
        store.ensure_schema()
        print("ingest: direct to Cosmos", file=sys.stderr, flush=True)
        result["cosmos"] = bench_cosmos(
            store, settings, payloads, seconds=args.seconds, threads=(1, 4)
        )
        if not args.skip_http:
            print("ingest: HTTP through devhost", file=sys.stderr, flush=True)
            devhost_tmp = Path(tmp) / "devhost"
            devhost_tmp.mkdir()
            result["http"] = bench_http(
                svc, webhook_secrets, devhost_tmp, seconds=args.seconds, threads=4
            )
    result["targets"] = {"webhooks_per_s_per_core": 2000}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
