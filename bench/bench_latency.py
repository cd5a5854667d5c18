"""Real-time loop benchmark: webhook POST -> change feed -> KPIs -> SignalR -> a real client.

    python bench/bench_latency.py                       # 220 spaced events, then the rate ramp
    python bench/bench_latency.py --events 200 --rates 5,10,20

Starts Azurite, the local Cosmos server and devhost (the reconcile timer on, the batch jobs
held off, mock feed off), seeds 10,000 products with 24 h of history as hourly aggregates (each
product document is written with the hourly buckets, stock and prices its simulated history
folds into; no event documents: the local Cosmos server keeps everything in memory and does not
survive a 10,000-product event log), and connects the real ``@microsoft/signalr`` client (Node)
to the ``kpis`` target. Every benchmark event is a signed Amazon ORDER_PLACED whose price carries
unique paise, so the all-time revenue in a ``kpis`` message tells which events it includes.

Latency of an event = the moment the client process hands over the first ``kpis`` message that
includes it, minus the moment just before its POST (one monotonic clock: both are taken in this
process, the receive time by the thread that reads the client's output). Events are matched in
the order their POSTs completed: the change feed delivers events in append order, so a message
includes a prefix of that order (see bench/README.md).

Prints one JSON object: p50/p95/max of the spaced run, and for each offered rate of the ramp the
achieved rate and p50/p95; the ramp stops at the first rate whose p95 exceeds the target
(``--slo-ms``, 1 s by default, as ``make reliability`` asks). Each step also records the
CPU each process used (devhost, the Cosmos server, Azurite, this sender with its SignalR
client) as a share of one core: the process near 100% at the first failing step is the
bottleneck, and the machine's two cores are the limit when their sum nears 200%.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import queue
import random
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import latency_stages  # noqa: E402
import urllib3  # noqa: E402
from bench_ingest import exit_on_sigterm, local_services, new_secrets, pct, stack_env  # noqa: E402

from demo.sim.simulator import Simulator, simulate_catalogue  # noqa: E402
from devhost.services import COSMOS_KEY  # noqa: E402
from devhost.tracing import read_spans  # noqa: E402
from shared.adapters.cosmos import Store  # noqa: E402
from shared.core.records import Product, utcnow  # noqa: E402
from shared.core.settings import CosmosConnection  # noqa: E402
from shared.ingest.signature import signed_headers  # noqa: E402
from shared.projection import fold  # noqa: E402
from tests.integration.conftest import (  # noqa: E402
    DevHost,
    eventually,
    start_devhost,
    stop_devhost,
)
from tests.integration.helpers import Listener, principal  # noqa: E402

ANALYST = principal("analyst")
SLO_S = 1.0  # issue 28: the highest rate with p95 under 1 s is the figure
TOLERANCE = 0.005  # revenues are rounded to paise


# One clock for the spans (epoch ns) and this process's monotonic readings.
WALL_OFFSET_NS = time.time_ns() - time.monotonic_ns()


def wall_ns(monotonic_s: float) -> int:
    return int(monotonic_s * 1e9) + WALL_OFFSET_NS


@dataclass
class Sent:
    t_send: float
    t_done: float
    revenue: float
    ids: tuple[str, ...] = ()


class KpiRecorder:
    """Drains the listener's queue: (receive time, all-time revenue) of every ``kpis`` message."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.messages: list[tuple[float, float]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.listener.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            if msg["target"] == "kpis":
                total = float(msg["arguments"][0]["totals"]["revenue"])
                with self._lock:
                    self.messages.append((msg["received_at"], total))

    def snapshot(self) -> list[tuple[float, float]]:
        with self._lock:
            return list(self.messages)

    def latest_total(self) -> float | None:
        with self._lock:
            return self.messages[-1][1] if self.messages else None

    def wait_for_total(self, target: float, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            latest = self.latest_total()
            if latest is not None and latest >= target - TOLERANCE:
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def arrivals(
    sent: list[Sent], messages: list[tuple[float, float]], base: float
) -> list[tuple[Sent, float | None]]:
    """Each event (in the order its POST completed) and when the first message including it
    arrived (None if none did)."""
    out = []
    prefix = 0.0
    for event in sorted(sent, key=lambda s: s.t_done):
        prefix += event.revenue
        need = base + prefix - TOLERANCE
        arrival = next((t for t, total in messages if t >= event.t_send and total >= need), None)
        out.append((event, arrival))
    return out


def latencies(sent: list[Sent], messages: list[tuple[float, float]], base: float) -> list[float]:
    """Seconds from each POST to the first message including it (inf if none did)."""
    return [
        float("inf") if arrival is None else arrival - event.t_send
        for event, arrival in arrivals(sent, messages, base)
    ]


def stage_table(
    sent: list[Sent], messages: list[tuple[float, float]], base: float, span_file: Path
) -> dict[str, Any]:
    """p50/p95 per stage of these events, from the spans devhost recorded."""
    time.sleep(1.0)  # devhost exports spans every 200 ms
    events = [
        (
            event.ids,
            wall_ns(event.t_send),
            wall_ns(event.t_done),
            None if arrival is None else wall_ns(arrival),
        )
        for event, arrival in arrivals(sent, messages, base)
    ]
    return latency_stages.table(latency_stages.per_event(events, read_spans(span_file)))


def emulator_stats(endpoint: str) -> dict[str, float]:
    """The local Cosmos server's own counters (devhost/cosmos_server.js)."""
    return httpx.get(f"{endpoint}/_emulator/stats", verify=False).json()


def emulator_cost(before: dict[str, float], after: dict[str, float], events: int) -> dict:
    """What the emulator spent per benchmark event, apart from the app."""
    per = max(events, 1)
    return {
        "requests_per_event": round((after["requests"] - before["requests"]) / per, 1),
        "server_ms_per_event": round((after["request_ms"] - before["request_ms"]) / per, 2),
        "query_ms_per_event": round((after["query_ms"] - before["query_ms"]) / per, 2),
        "docs_examined_per_query": round(
            (after["docs_examined"] - before["docs_examined"])
            / max(after["queries"] - before["queries"], 1),
            1,
        ),
        "queries_from_the_ts_index": int(after["indexed_queries"] - before["indexed_queries"]),
        "queries": int(after["queries"] - before["queries"]),
    }


def summary(values: list[float]) -> dict[str, Any]:
    """p50/p95/max in ms; None where an event never showed up in a message."""

    def ms(v: float) -> float | None:
        return None if math.isinf(v) else round(v * 1000, 1)

    return {
        "events": len(values),
        "never_received": sum(math.isinf(v) for v in values),
        "p50_ms": ms(pct(values, 50)),
        "p95_ms": ms(pct(values, 95)),
        "max_ms": ms(max(values)),
    }


class Sender:
    """Signed Amazon orders for seeded items, each with a revenue no other event has."""

    def __init__(self, host: DevHost, items: list[str]) -> None:
        self.host = host
        self.items = items
        self.secret = host.env["Webhooks__amazonSecret"]
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    def send(self, client: httpx.Client) -> Sent:
        n = next(self.counter)
        price = round(301 + n * 0.01, 2)  # unique paise: revenue identifies the event
        body = json.dumps(
            {
                "eventType": "ORDER_PLACED",
                "asin": self.items[n % len(self.items)],
                "price": price,
                "quantity": 1,
                "region": "IN",
                "orderId": f"402-bench-{uuid.uuid4().hex[:12]}",
            }
        ).encode()
        headers = {"content-type": "application/json", **signed_headers(self.secret, body)}
        t_send = time.monotonic()
        resp = client.post(self.host.webhook_url("amazon"), content=body, headers=headers)
        t_done = time.monotonic()
        answer = resp.json() if resp.status_code == 200 else {}
        if answer.get("status") != "recorded":
            raise RuntimeError(f"webhook answered {resp.status_code}: {resp.text[:200]}")
        return Sent(t_send, t_done, price, tuple(e["id"] for e in answer["recorded"]))


@dataclass
class Probe:
    """What a run reads besides the client's messages: devhost's spans, the emulator's own
    counters, and the CPU of the processes."""

    span_file: Path
    cosmos_endpoint: str
    pids: dict[str, int]


def spaced_run(
    sender: Sender, recorder: KpiRecorder, base: float, n: int, probe: Probe | None = None
) -> tuple[dict[str, Any], float]:
    """``n`` events from one sender, 50-100 ms apart; the result and the revenue expected.
    With a ``probe``: the per-stage table, the emulator's cost and each process's CPU per
    event, and the latency of the events that overlapped a reconcile pass."""
    rng = random.Random(5)
    sent = []
    with sender.host.client() as client:
        warm = sender.send(client)  # warms the connection; its message starts the record
        if not recorder.wait_for_total(base + warm.revenue, timeout=30):
            raise RuntimeError("no kpis message with the warm-up order reached the client")
        base += warm.revenue
        if probe is not None:
            cosmos_before = emulator_stats(probe.cosmos_endpoint)
            cpu_before = {name: cpu_seconds(pid) for name, pid in probe.pids.items()}
        for _ in range(n):
            sent.append(sender.send(client))
            time.sleep(rng.uniform(0.05, 0.1))
    target = base + sum(s.revenue for s in sent)
    drained = recorder.wait_for_total(target, timeout=15)
    messages = recorder.snapshot()
    result = summary(latencies(sent, messages, base))
    result["spacing_ms"] = "50-100"
    result["all_seen_within_15s"] = drained
    if probe is not None:
        result["cpu_ms_per_event"] = {
            name: round(1000 * (cpu_seconds(pid) - cpu_before[name]) / n, 2)
            for name, pid in probe.pids.items()
        }
        result["emulator"] = emulator_cost(cosmos_before, emulator_stats(probe.cosmos_endpoint), n)
        result["per_stage"] = stage_table(sent, messages, base, probe.span_file)
        result["during_reconcile"] = during_reconcile(sent, messages, base, probe.span_file)
    return result, target


def during_reconcile(
    sent: list[Sent], messages: list[tuple[float, float]], base: float, span_file: Path
) -> dict[str, Any]:
    """Latency of the events whose way to the client overlapped a reconcile pass."""
    passes = [
        (s["start"], s["end"]) for s in read_spans(span_file) if s["name"] == "resight.reconcile"
    ]
    overlapping = [
        arrival - event.t_send
        for event, arrival in arrivals(sent, messages, base)
        if arrival is not None
        and any(a < wall_ns(arrival) and wall_ns(event.t_send) < b for a, b in passes)
    ]
    out: dict[str, Any] = {
        "reconcile_passes": len(passes),
        "reconcile_pass_ms": sorted(round((b - a) / 1e6, 1) for a, b in passes)[-5:],
        "events": len(overlapping),
    }
    if overlapping:
        out.update(
            p50_ms=round(pct(overlapping, 50) * 1000, 1),
            p95_ms=round(pct(overlapping, 95) * 1000, 1),
        )
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children that were waited for (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def cpu_shares(pids: dict[str, int], before: dict[str, float], seconds: float) -> dict[str, int]:
    """Percent of one core each process used since ``before``."""
    return {
        name: round(100 * (cpu_seconds(pid) - before[name]) / seconds) for name, pid in pids.items()
    }


def rate_step(
    sender: Sender,
    recorder: KpiRecorder,
    base: float,
    rate: float,
    seconds: float,
    threads: int,
    slo_s: float = SLO_S,
    pids: dict[str, int] | None = None,
) -> tuple[dict[str, Any], float]:
    """Offer ``rate`` events/s (open loop, ``threads`` senders) for ``seconds``."""
    pids = pids or {}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    wall_before = time.monotonic()
    sent: list[Sent] = []
    errors: list[BaseException] = []
    slots = itertools.count()
    start = time.monotonic() + 0.2

    def loop() -> None:
        with sender.host.client() as client:
            while not errors:
                at = start + next(slots) / rate
                if at >= start + seconds:
                    return
                time.sleep(max(0.0, at - time.monotonic()))
                try:
                    sent.append(sender.send(client))
                except BaseException as exc:  # stops the step; reported below
                    errors.append(exc)

    pool = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise RuntimeError(f"sender failed at {rate} events/s: {errors[0]!r}") from errors[0]
    elapsed = max(s.t_done for s in sent) - start
    target = base + sum(s.revenue for s in sent)
    drained = recorder.wait_for_total(target, timeout=10)
    result = summary(latencies(sent, recorder.snapshot(), base))
    result = {"offered_per_s": rate, "achieved_per_s": round(len(sent) / elapsed, 1), **result}
    result["all_seen_within_10s"] = drained
    result["kept_up"] = bool(
        result["p95_ms"] is not None
        and result["p95_ms"] < slo_s * 1000
        and result["achieved_per_s"] >= 0.9 * rate
    )
    if pids:
        result["cpu_percent_of_a_core"] = cpu_shares(
            pids, cpu_before, time.monotonic() - wall_before
        )
    return result, target


def seed_aggregated(store: Store, products: list[dict], *, history_hours: int, seed: int) -> int:
    """Write each product's projected document with ``history_hours`` of simulated history.

    The history is folded in memory (``shared.projection.fold``, the projection itself), so the
    documents hold what the change feed would have built from the events: hourly buckets,
    totals, stock and prices. Returns the number of simulated events folded in.
    """
    states = {}
    for product in products:
        Product.model_validate(product)
        states[product["item_id"]] = fold.new_state(product)
    start = utcnow() - timedelta(hours=history_hours)
    events = Simulator(products, seed=seed).history(start, history_hours)
    for event in events:
        fold.apply_event(states[event.item_id], event.to_doc())
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda doc: store.create("products", doc), states.values()))
    return len(events)


def wait_until_settled(host: DevHost, products: int) -> float:
    """Wait for the seeded catalogue to be ranked and projected; the all-time revenue then."""
    with host.client() as c:
        eventually(
            lambda: (
                c.post("/api/rank", json={"limit": 10}, headers=ANALYST).json().get("total")
                == products
            ),
            timeout=300,
            interval=0.5,
        )

        def steady() -> float | None:
            first = c.get("/api/metrics", headers=ANALYST).json()["totals"]["revenue"]
            time.sleep(1.0)
            second = c.get("/api/metrics", headers=ANALYST).json()["totals"]["revenue"]
            return second if first == second and second > 0 else None

        return float(eventually(steady, timeout=300, interval=0.2))


# The batch jobs' timers (the daily inventory job, the lake, quality runs, the import sweep)
# are held off: locally they fire every few minutes, and one landing inside a 10-second step
# measures the job, not the live loop (a ramp that crossed the hour, when the daily job and the
# import sweep fire, measured p95 2,273 ms at 8 events/s against 554 ms at 4). The reconcile
# timer stays on.
BATCH_JOBS = ("DAILY_JOB_SCHEDULE", "LAKE_SCHEDULE", "QUALITY_SCHEDULE", "IMPORT_SWEEP_SCHEDULE")
NOT_DURING_THE_RUN = "0 0 0 1 1 *"  # midnight on 1 January


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=220)
    parser.add_argument("--rates", default="5,10,20,40,80,100,120,160")
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--slo-ms", type=float, default=SLO_S * 1000)
    parser.add_argument(
        "--reconcile-every",
        type=int,
        default=0,
        help="seconds between reconcile passes (default: the app's 30 s schedule)",
    )
    args = parser.parse_args()
    exit_on_sigterm()
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    rates = [float(r) for r in args.rates.split(",") if r]
    result: dict[str, Any] = {}

    with (
        tempfile.TemporaryDirectory(prefix="resight-bench-") as tmp,
        local_services(Path(tmp) / "services") as svc,
    ):
        env = stack_env(svc, new_secrets(), database="benchlatency")
        env.update(dict.fromkeys(BATCH_JOBS, NOT_DURING_THE_RUN))
        span_file = Path(tmp) / "spans.jsonl"
        env["RESIGHT_SPAN_FILE"] = str(span_file)
        if args.reconcile_every:
            env["RECONCILE_SCHEDULE"] = f"*/{args.reconcile_every} * * * * *"
        print("latency: starting devhost", file=sys.stderr, flush=True)
        started = time.perf_counter()
        host = start_devhost(env, Path(tmp), "--no-seed")
        result["devhost_startup_s"] = round(time.perf_counter() - started, 1)
        listener = recorder = None
        try:
            store = Store.from_connection(
                CosmosConnection(
                    accountEndpoint=svc.cosmos_endpoint,
                    accountKey=COSMOS_KEY,
                    verifyTls=False,
                    databaseName=env["COSMOS_DATABASE_NAME"],
                )
            )
            catalogue = simulate_catalogue(args.products, seed=3)
            print("latency: seeding", file=sys.stderr, flush=True)
            started = time.perf_counter()
            seeded = seed_aggregated(store, catalogue, history_hours=24, seed=3)
            seed_s = time.perf_counter() - started
            base = wait_until_settled(host, args.products)
            result["seed"] = {
                "products": args.products,
                "as": "product documents with hourly aggregates of 24 h of simulated history",
                "history_events_folded": seeded,
                "seconds_to_write": round(seed_s, 1),
                "seconds_to_settle": round(time.perf_counter() - started, 1),
            }
            listener = Listener(host.base_url, "kpis", timeout_ms=30 * 60_000)
            recorder = KpiRecorder(listener)
            items = [p["item_id"] for p in catalogue if p["marketplace"] == "amazon"]
            sender = Sender(host, items)

            azurite, cosmos = svc.pids
            pids = {
                "devhost": host.process.pid,
                "cosmos_server": cosmos,
                "azurite": azurite,
                "sender_and_client": os.getpid(),
                "signalr_client_node": listener.proc.pid,
            }
            probe = Probe(span_file, svc.cosmos_endpoint, pids)
            print(f"latency: {args.events} spaced events", file=sys.stderr, flush=True)
            result["latency"], base = spaced_run(sender, recorder, base, args.events, probe)
            result["latency"]["target_p95_ms"] = 1000
            result["latency"]["load_average"] = os.getloadavg()
            steps = []
            for rate in rates if args.rates else []:
                print(f"latency: {rate:g} events/s", file=sys.stderr, flush=True)
                step, base = rate_step(
                    sender,
                    recorder,
                    base,
                    rate,
                    args.step_seconds,
                    args.threads,
                    args.slo_ms / 1000,
                    pids,
                )
                steps.append(step)
                if not step["kept_up"]:
                    break
            kept = [s["offered_per_s"] for s in steps if s["kept_up"]]
            failed = next((s for s in steps if not s["kept_up"]), None)
            shares = (failed or steps[-1]).get("cpu_percent_of_a_core", {}) if steps else {}
            result["sustained"] = {
                "slo_p95_ms": args.slo_ms,
                "max_rate_p95_under_slo_per_s": max(kept) if kept else 0,
                "bottleneck": max(shares, key=shares.get) if shares else None,
                "cpu_percent_at_limit": shares,
                "highest_step_passed": bool(steps) and steps[-1]["kept_up"],
                "step_seconds": args.step_seconds,
                "sender_threads": args.threads,
                "steps": steps,
            }
            log = host.log()
            result["devhost_log"] = {
                "errors": log.count(" ERROR "),
                "reconcile_repairs": log.count("reconcile repaired"),
            }
        finally:
            if recorder is not None:
                recorder.close()
            if listener is not None:
                listener.close()
            stop_devhost(host)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
