"""Failure-path timings: how long things take when SignalR is down or an item is poison.

    python bench/bench_resilience.py                      # every section
    python bench/bench_resilience.py --only signalr_client,signalr_down
    python bench/bench_resilience.py --rounds 20

The tests assert what happens on these paths (a send to an unreachable SignalR gives up and
opens the breaker, webhooks are accepted with SignalR down, orders project past a dead-lettered
item); the figures of how long it takes are measured here, on a real clock, and printed as one
JSON object:

- ``signalr_client``: ``SignalRClient`` with its real clock and sleep against a transport that
  refuses every connection without a socket: ms for a broadcast to give up (3 attempts, 50 and
  100 ms pauses, within its 1 s budget) and us for a send the open breaker skips.
- ``signalr_down``: the same against a loopback port nothing listens on (real sockets).
- ``signalr_emulator``: devhost's SignalR emulation to the real ``@microsoft/signalr`` client
  (Node): ms from ``broadcast()`` to the client handing the message over.
- ``webhook_ack_signalr_down_ms``: devhost with an unreachable SignalR endpoint; how long a
  signed Amazon order webhook takes to be answered.
- ``projection_beside_poison_ms``: with a poison event dead-lettered for another item, ms from
  an order webhook's POST to the order counted in ``/api/item/<id>``.

Medians (``_p50``) and nearest-rank p95 over ``--rounds`` samples.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import urllib3  # noqa: E402
from bench_ingest import exit_on_sigterm, local_services, new_secrets, pct, stack_env  # noqa: E402
from requests.adapters import BaseAdapter  # noqa: E402

from demo import seed  # noqa: E402
from devhost.services import free_port  # noqa: E402
from shared.adapters.cosmos import get_store  # noqa: E402
from shared.adapters.signalr import ConnectionString, SignalRClient  # noqa: E402
from shared.core.settings import get_settings  # noqa: E402
from tests.integration.conftest import eventually, start_devhost, stop_devhost  # noqa: E402
from tests.integration.helpers import Listener, amazon_order, post_webhook, principal  # noqa: E402

ANALYST = principal("analyst")
KEY = "bench-key-0123456789abcdefghijklmnopqrstuvwx"
SECTIONS = (
    "signalr_client",
    "signalr_down",
    "signalr_emulator",
    "webhook_ack_signalr_down",
    "projection_beside_poison",
)
PRODUCTS = [
    {
        "item_id": f"BENCH-RES-{n}",
        "title": f"Cotton kurta {n}",
        "category": "ethnic wear",
        "brand": "Bench",
        "marketplace": "amazon",
        "price": 799.0,
        "mrp": 1299.0,
        "rating": 4.2,
        "review_count": 40,
        "stock": 100_000,
    }
    for n in range(2)
]


def summary(samples_s: list[float], unit: float = 1e3, digits: int = 1) -> dict[str, Any]:
    """p50/p95/max of ``samples_s`` (seconds) in ms (``unit`` 1e3) or us (1e6)."""
    scaled = [s * unit for s in samples_s]
    return {
        "p50": round(statistics.median(scaled), digits),
        "p95": round(pct(scaled, 95), digits),
        "max": round(max(scaled), digits),
        "n": len(scaled),
    }


class Refusing(BaseAdapter):
    """A transport that refuses every connection at once, as a closed port does."""

    def send(self, request, **kwargs):
        raise requests.ConnectionError("connection refused")

    def close(self) -> None:
        pass


def _give_up_and_skip(endpoint: str, rounds: int, adapter: BaseAdapter | None) -> dict:
    conn = ConnectionString.parse(f"Endpoint={endpoint};AccessKey={KEY};Version=1.0;")
    give_up, skipped = [], []
    for _ in range(rounds):
        with requests.Session() as session:
            if adapter is not None:
                session.mount("http://", adapter)
            client = SignalRClient(conn, "resight", session, timeout=1.0)
            started = time.perf_counter()
            assert client.broadcast("kpis", [{"revenue": 1}]) is False
            give_up.append(time.perf_counter() - started)
            for _ in range(100):  # the breaker is open for its 5 s cooldown
                started = time.perf_counter()
                assert client.broadcast("kpis", [{"revenue": 2}]) is False
                skipped.append(time.perf_counter() - started)
            assert client.skipped == 100
    return {
        "give_up_ms": summary(give_up),
        "skipped_send_us": summary(skipped, unit=1e6),
        "budget_ms": 1000,
        "attempts": client.attempts,
    }


def bench_signalr_client(rounds: int) -> dict:
    return _give_up_and_skip("http://127.0.0.1:9", rounds, Refusing())


def bench_signalr_down(rounds: int) -> dict:
    return _give_up_and_skip(f"http://127.0.0.1:{free_port()}", rounds, None)


def bench_signalr_emulator(host, rounds: int) -> dict:
    conn = ConnectionString.parse(host.env["SignalR__connectionString"])
    listener = Listener(host.base_url, "bench")
    latencies = []
    try:
        with requests.Session() as session:
            client = SignalRClient(conn, "resight", session)
            for i in range(rounds + 2):
                started = time.monotonic()  # the listener stamps arrivals on this clock
                assert client.broadcast("bench", [{"i": i}]) is True
                msg = listener.wait_for("bench", lambda args, i=i: args["i"] == i)
                if i >= 2:  # the first sends warm the connection up
                    latencies.append(msg["received_at"] - started)
    finally:
        listener.close()
    return {"broadcast_to_client_ms": summary(latencies)}


def bench_webhook_ack(host, rounds: int) -> dict:
    item = PRODUCTS[0]["item_id"]
    post_webhook(host, "amazon", amazon_order(item, 1, 500.0))  # warm-up
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        resp = post_webhook(host, "amazon", amazon_order(item, 1, 500.0))
        timings.append(time.perf_counter() - started)
        assert resp.status_code == 200, resp.text
    return summary(timings)


def bench_projection_beside_poison(host, store, rounds: int) -> dict:
    poison = f"POISON-{uuid.uuid4().hex[:6]}"
    store.create(
        "events",
        {
            "id": f"bench:{poison}",
            "item_id": poison,
            "marketplace": "amazon",
            "kind": "order",
            "raw_type": "BENCH",
            "occurred_at": "not a time",  # the fold cannot parse it: dead-lettered
            "received_at": "2026-11-21T10:00:00+00:00",
            "source": "webhook",
            "orders": 1,
        },
    )
    item = PRODUCTS[1]["item_id"]
    delays = []
    with host.client() as c:

        def orders() -> int:
            return c.get(f"/api/item/{item}", headers=ANALYST).json()["totals"]["orders"]

        for _ in range(rounds):
            before = orders()
            sent = time.perf_counter()
            assert post_webhook(host, "amazon", amazon_order(item)).status_code == 200
            eventually(lambda b=before: orders() == b + 1, timeout=30, interval=0.01)
            delays.append(time.perf_counter() - sent)
        dead = c.get("/api/health").json().get("dead_letters")
    return {**summary(delays), "dead_letters": dead}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = parser.parse_args()
    only = set(args.only.split(","))
    exit_on_sigterm()
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the local Cosmos
    result: dict[str, Any] = {"rounds": args.rounds}
    if "signalr_client" in only:
        print("resilience: SignalR client, refused transport", file=sys.stderr, flush=True)
        result["signalr_client"] = bench_signalr_client(args.rounds)
    if "signalr_down" in only:
        print("resilience: SignalR client, dead port", file=sys.stderr, flush=True)
        result["signalr_down"] = bench_signalr_down(args.rounds)
    stacked = only & {"signalr_emulator", "webhook_ack_signalr_down", "projection_beside_poison"}
    if stacked:
        with (
            tempfile.TemporaryDirectory(prefix="resight-bench-") as tmp,
            local_services(Path(tmp) / "services") as svc,
        ):
            env = stack_env(svc, new_secrets(), database=f"bres{uuid.uuid4().hex[:8]}")
            os.environ.update(env)
            get_settings.cache_clear()
            store = get_store()
            store.ensure_schema()
            seed.seed_catalogue(store, PRODUCTS, history_hours=0, seed=1)
            if only & {"signalr_emulator", "projection_beside_poison"}:
                print("resilience: devhost", file=sys.stderr, flush=True)
                host = start_devhost(env, Path(tmp), "--no-seed", "--no-timers")
                try:
                    if "signalr_emulator" in only:
                        result["signalr_emulator"] = bench_signalr_emulator(host, args.rounds)
                    if "projection_beside_poison" in only:
                        result["projection_beside_poison_ms"] = bench_projection_beside_poison(
                            host, store, args.rounds
                        )
                finally:
                    stop_devhost(host)
            if "webhook_ack_signalr_down" in only:
                print("resilience: devhost with SignalR down", file=sys.stderr, flush=True)
                dead = {
                    **env,
                    "SignalR__connectionString": (
                        f"Endpoint=http://127.0.0.1:{free_port()};AccessKey={KEY};Version=1.0;"
                    ),
                }
                down_dir = Path(tmp) / "down"
                down_dir.mkdir()
                host = start_devhost(dead, down_dir, "--no-seed", "--no-timers", own_signalr=False)
                try:
                    result["webhook_ack_signalr_down_ms"] = bench_webhook_ack(host, args.rounds)
                finally:
                    stop_devhost(host)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
