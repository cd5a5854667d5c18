"""Throttling and outages through the fault seam (``shared.adapters.faults``), measured.

Each scenario sends signed order webhooks at a steady rate before, during and after a fault
and records what a marketplace sees (status codes, answer latency). Unacknowledged deliveries
are sent again after the fault, as a marketplace retries; then the products' counters are
compared with the deliveries (lost must be 0, double-counted too). Recovery is the time from
the end of the fault until the app answers and projects normally again: the first moment after
which every delivery is acknowledged at the first try and everything acknowledged is counted
(for the model reload: the new model serves; for SignalR: a dashboard client receives the
newest KPIs).
"""

from __future__ import annotations

import functools
import json
import random
import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from reliability.stack import Stack, wait_until
from shared.ingest.signature import signed_headers
from tests.integration.helpers import Listener


@dataclass
class Outcome:
    kind: str
    fault_seconds: float
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    injected: int = 0
    lost: int = 0
    double_counted: int = 0
    dead_lettered: int = 0
    mismatches: list[str] = field(default_factory=list)
    recovery_seconds: float | None = None
    note: str = ""

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        return {
            "kind": self.kind,
            "fault_seconds": self.fault_seconds,
            "sent": self.sent,
            "statuses": dict(sorted(self.statuses.items(), key=lambda kv: str(kv[0]))),
            "latency_ms_p50": round(statistics.median(lat)) if lat else None,
            "latency_ms_p95": round(lat[int(0.95 * (len(lat) - 1))]) if lat else None,
            "latency_ms_max": round(lat[-1]) if lat else None,
            "injected": self.injected,
            "lost": self.lost,
            "double_counted": self.double_counted,
            "dead_lettered": self.dead_lettered,
            "mismatches": self.mismatches,
            "recovery_seconds": None
            if self.recovery_seconds is None
            else round(self.recovery_seconds, 1),
            "note": self.note,
        }


class Sender:
    """Myntra order webhooks for ``prefix`` SKUs, each remembered with its units."""

    def __init__(self, stack: Stack, prefix: str, seed: int) -> None:
        self.stack, self.prefix = stack, prefix
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.sent: list[dict[str, Any]] = []  # {"body", "sku", "qty", "acked"}

    def one(self, outcome: Outcome) -> bool:
        sku, qty = f"{self.prefix}-{self.rng.randint(0, 9)}", self.rng.randint(1, 3)
        uid = uuid.uuid4().hex[:12]  # never a redelivery of an earlier run's order
        body = json.dumps(
            {
                "event": "ORDER_CREATED",
                "eventTime": datetime.now(UTC).isoformat(),
                "order": {
                    "orderId": f"MYN-{uid}",
                    "status": "CREATED",
                    "city": "Pune",
                    "lines": [
                        {"lineId": "1", "sellerSku": sku, "quantity": qty, "sellingPrice": 499.0}
                    ],
                },
            }
        ).encode()
        entry = {"body": body, "sku": sku, "qty": qty, "acked": False}
        self.sent.append(entry)
        return self.post(entry, outcome)

    def post(self, entry: dict[str, Any], outcome: Outcome | None) -> bool:
        host = self.stack.host
        assert host is not None
        secret = self.stack.env["Webhooks__myntraSecret"]
        started = time.monotonic()
        try:
            answer = self.session.post(
                host.webhook_url("myntra"),
                data=entry["body"],
                headers={
                    "content-type": "application/json",
                    **signed_headers(secret, entry["body"]),
                },
                timeout=30,
            )
            status: int | str = answer.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        if outcome is not None:
            outcome.sent += 1
            outcome.statuses[status] += 1
            outcome.latencies_ms.append((time.monotonic() - started) * 1000)
        entry["acked"] = isinstance(status, int) and 200 <= status < 300
        return entry["acked"]

    def expected(self) -> dict[str, tuple[int, int]]:
        want: dict[str, list[int]] = {}
        for e in self.sent:
            w = want.setdefault(e["sku"], [0, 0])
            w[0] += 1
            w[1] += e["qty"]
        return {k: (v[0], v[1]) for k, v in want.items()}

    def counted(self) -> dict[str, tuple[int, int]]:
        rows = self.stack.store.query(
            "products",
            "SELECT c.item_id, c.totals.orders, c.totals.units FROM c "
            "WHERE STARTSWITH(c.item_id, @p)",
            [("@p", self.prefix)],
        )
        return {r["item_id"]: (int(r.get("orders", 0)), int(r.get("units", 0))) for r in rows}

    def acked_counted(self, upto: int | None = None) -> bool:
        """Everything acknowledged among the first ``upto`` deliveries is counted (and nothing
        more than was sent)."""
        got = self.counted()
        acked: Counter = Counter()
        for e in self.sent[:upto]:
            if e["acked"]:
                acked[e["sku"]] += 1
        sent = self.expected()
        return all(acked[s] <= got.get(s, (0, 0))[0] <= sent.get(s, (0, 0))[0] for s in sent)

    def settle(self, outcome: Outcome, timeout: float = 120) -> None:
        """Send every unacknowledged delivery again, then count lost and double-counted."""
        for e in self.sent:
            tries = 0
            while not e["acked"] and tries < 20:
                tries += 1
                if not self.post(e, None):
                    time.sleep(0.5)
        want = self.expected()
        wait_until(lambda: self.counted() == want, timeout=timeout)
        got = self.counted()
        for sku, (orders, _units) in want.items():
            have = got.get(sku, (0, 0))[0]
            outcome.lost += max(0, orders - have)
            outcome.double_counted += max(0, have - orders)
            if have != orders:  # what a reader needs to tell where it went
                stored = self.stack.store.query(
                    "events",
                    "SELECT VALUE COUNT(1) FROM c WHERE c.item_id = @i",
                    [("@i", sku)],
                )
                outcome.mismatches.append(
                    f"{sku}: {orders} sent, {have} counted, {next(iter(stored), 0)} events stored"
                )
        # An outage is not the items' fault: none of them may be dead-lettered for it.
        dead = self.stack.store.query(
            "deadletters",
            "SELECT VALUE c.item_id FROM c WHERE STARTSWITH(c.item_id, @p)",
            [("@p", self.prefix)],
        )
        outcome.dead_lettered += len(list(dead))


def _storm(
    stack: Stack,
    kind: str,
    plan: dict[str, Any],
    *,
    fault_seconds: float,
    rate: float,
    seed: int,
    note: str = "",
) -> Outcome:
    """Steady webhooks for 3 s, during ``fault_seconds`` of ``plan``, and until recovered."""
    outcome = Outcome(kind, fault_seconds, note=note)
    sender = Sender(stack, f"OUT-{kind[:8].upper()}-{seed}", seed)
    gap = 1.0 / rate
    end_of = time.monotonic() + 3
    while time.monotonic() < end_of:
        sender.one(outcome)
        time.sleep(gap)
    before = stack.log_position()
    until = time.time() + fault_seconds
    stack.plan(**{k: {**v, "until": until} for k, v in plan.items()})
    fault_end = time.monotonic() + fault_seconds
    while time.monotonic() < fault_end:
        sender.one(outcome)
        time.sleep(gap)
    stack.clear_faults()
    outcome.injected = stack.faults_since(before)
    # Recovery: from the end of the fault until deliveries are acknowledged again at the first
    # try, in under a second, for 2 s in a row, and everything acknowledged during the fault is
    # counted.
    during = len(sender.sent)
    streak_from: float | None = None
    caught_up: float | None = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        started = time.monotonic()
        ok = sender.one(outcome) and time.monotonic() - started < 1.0
        now = time.monotonic()
        if caught_up is None and sender.acked_counted(during):
            caught_up = now
        streak_from = (streak_from or now) if ok else None
        if streak_from is not None and now - streak_from >= 2.0 and caught_up is not None:
            outcome.recovery_seconds = max(streak_from, caught_up) - fault_end
            break
        time.sleep(gap)
    sender.settle(outcome)
    return outcome


# The Cosmos storms: (kind, plan, what it does), webhooks at 10/s throughout.
STORMS = {
    "throttle": (
        "cosmos 429 storm",
        {"cosmos": {"kind": "throttle", "rate": 0.7, "retry_after_ms": 100}},
        "70% of Cosmos requests answered 429, x-ms-retry-after-ms 100",
    ),
    "unavailable": (
        "cosmos 503",
        {"cosmos": {"kind": "unavailable", "rate": 0.5}},
        "50% of Cosmos requests answered 503",
    ),
    "timeouts": (
        "cosmos timeouts",
        {"cosmos": {"kind": "timeout", "rate": 0.3, "delay_s": 1.0}},
        "30% of Cosmos requests time out after 1 s",
    ),
}


def storm(name: str, stack: Stack, seconds: float = 10) -> Outcome:
    kind, plan, note = STORMS[name]
    seed = list(STORMS).index(name) + 1
    return _storm(stack, kind, plan, fault_seconds=seconds, rate=10, seed=seed, note=note)


def blob_outage_during_reload(stack: Stack, seconds: float = 10, seed: int = 4) -> Outcome:
    """A new model is promoted, then Blob goes down while the host reloads it."""
    from shared.adapters.blob import BlobStore
    from shared.core.settings import StorageConnection

    host = stack.host
    assert host is not None
    conn = StorageConnection.model_validate(
        {"connectionString": stack.env["ModelStorage__connectionString"]}
    )
    models = BlobStore.from_connection(conn, "models")
    pointer = json.loads(models.get_text("ranker/current.json").text)
    old = str(pointer["version"])
    new = f"{old}-reload{seed}"
    for name in ("model.txt", "metadata.json"):
        models.put(f"ranker/{new}/{name}", models.get_bytes(f"ranker/{old}/{name}"))
    outcome = Outcome("blob outage during model reload", seconds)
    sender = Sender(stack, f"OUT-BLOB-{seed}", seed)
    before = stack.log_position()
    fault_end_wall = time.time() + seconds
    stack.plan(blob={"kind": "down", "until": fault_end_wall})
    models.put("ranker/current.json", json.dumps({**pointer, "version": new}))
    session = requests.Session()
    master = {"x-functions-key": host.keys["master"]}
    fault_end = time.monotonic() + seconds
    reconcile = threading.Thread(
        target=lambda: session.post(f"{host.base_url}/admin/functions/reconcile", headers=master)
    )
    reconcile.start()
    while time.monotonic() < fault_end:
        sender.one(outcome)
        time.sleep(0.1)
    stack.clear_faults()
    outcome.injected = stack.faults_since(before)
    reconcile.join()

    def loaded_at() -> float | None:
        """When the host logged loading the new model (its log's clock is this machine's)."""
        for line in host.log().splitlines():
            if f"loaded ranker model {new}" in line:
                stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
                return stamp.timestamp()
        return None

    def reloaded() -> float | None:
        found = loaded_at()
        if found is None:  # the reconcile timer's next tick, as in Azure
            session.post(f"{host.base_url}/admin/functions/reconcile", headers=master, timeout=300)
        return found

    at = wait_until(reloaded, timeout=180, interval=1.0)
    if at:
        outcome.recovery_seconds = max(0.0, at - fault_end_wall)
    outcome.note = f"model {new} promoted during a {seconds:.0f} s Blob outage"
    sender.settle(outcome)
    return outcome


def signalr_down(stack: Stack, seconds: float = 10, seed: int = 5) -> Outcome:
    """SignalR refuses the app's REST calls; the dashboard must get the newest KPIs after."""
    host = stack.host
    assert host is not None
    outcome = Outcome("SignalR down", seconds)
    sender = Sender(stack, f"OUT-SIGR-{seed}", seed)
    listener = Listener(host.base_url, "kpis", timeout_ms=(int(seconds) + 150) * 1000)
    try:
        # The baseline: the KPIs once an order before the fault has gone out.
        sender.one(outcome)
        wait_until(sender.acked_counted, timeout=60)
        baseline = listener.wait_for("kpis", lambda k: True, timeout=30)["arguments"][0]
        listener.drain()
        time.sleep(1)
        latest = baseline
        while not listener.messages.empty():
            latest = listener.messages.get_nowait()["arguments"][0]
        start_units = int(latest["totals"]["units"])
        start_count = len(sender.sent)
        before = stack.log_position()
        stack.plan(signalr={"kind": "down", "until": time.time() + seconds})
        fault_end = time.monotonic() + seconds
        while time.monotonic() < fault_end:
            sender.one(outcome)
            time.sleep(0.1)
        stack.clear_faults()
        outcome.injected = stack.faults_since(before)
        listener.drain()
        sender.one(outcome)
        want_units = start_units + sum(e["qty"] for e in sender.sent[start_count:])
        try:
            listener.wait_for("kpis", lambda k: k["totals"]["units"] >= want_units, timeout=60)
            outcome.recovery_seconds = time.monotonic() - fault_end
        except AssertionError:
            outcome.note = "no KPI broadcast reached the client within 60 s"
    finally:
        listener.close()
    sender.settle(outcome)
    outcome.note = outcome.note or "the app's SignalR REST calls refused"
    return outcome


SCENARIOS = {
    **{name: functools.partial(storm, name) for name in STORMS},
    "blob_reload": blob_outage_during_reload,
    "signalr": signalr_down,
}
