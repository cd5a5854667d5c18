"""Crashes: SIGKILL the host at random points of a burst of webhooks and imports.

A burst of signed order webhooks (Amazon, Myntra, Meesho) and sales files is sent by a few
workers, as marketplaces and a seller's script would. At kill points drawn in advance (at least
``kills``, uniformly over the burst) the host process is killed with SIGKILL, wherever it is,
and started again; what was in flight gets no answer. A delivery is *acknowledged* when its
sender saw a 2xx. After the burst every unacknowledged delivery is sent again (a marketplace
retries) until acknowledged, the change feed is let to settle, and each product's counters are
compared with the run that was not killed: the same deliveries applied once each (what the
normalisers and the fold make of them, in this process). Lost is a delivery not counted;
double-counted is one counted more than once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from reliability.stack import Stack, wait_until
from shared.ingest.signature import signed_headers
from tests.integration.helpers import principal

SKUS = [f"CR-SKU-{i:02d}" for i in range(40)]


@dataclass
class Delivery:
    kind: str  # "webhook" or "import"
    marketplace: str
    body: bytes
    item_units: dict[str, tuple[int, int]]  # item -> (orders, units) it must add
    acked: bool = False
    attempts: int = 0


@dataclass
class CrashResult:
    deliveries: int = 0
    webhooks: int = 0
    imports: int = 0
    kills: int = 0
    acked_in_burst: int = 0
    redelivered: int = 0
    lost: int = 0
    double_counted: int = 0
    server_errors: int = 0
    restart_seconds: list[float] = field(default_factory=list)
    settle_seconds: float = 0.0
    mismatches: list[str] = field(default_factory=list)


def _webhook(rng: random.Random, now: datetime) -> Delivery:
    sku, qty = rng.choice(SKUS), rng.randint(1, 4)
    price = round(rng.uniform(99, 2999), 2)
    at = (now - timedelta(minutes=rng.randint(0, 90))).isoformat()
    uid = uuid.UUID(int=rng.getrandbits(128)).hex[:12]
    marketplace = rng.choice(["amazon", "myntra", "meesho"])
    if marketplace == "amazon":
        body: dict[str, Any] = {
            "eventType": "ORDER_PLACED",
            "asin": sku,
            "price": price,
            "quantity": qty,
            "region": "IN",
            "orderId": f"402-{uid}",
            "timestamp": at,
        }
    elif marketplace == "myntra":
        body = {
            "event": "ORDER_CREATED",
            "eventTime": at,
            "order": {
                "orderId": f"MYN-{uid}",
                "status": "CREATED",
                "city": "Pune",
                "lines": [
                    {"lineId": "1", "sellerSku": sku, "quantity": qty, "sellingPrice": price}
                ],
            },
        }
    else:
        body = {
            "type": "order.created",
            "id": f"evt_{uid}",
            "created_at": at,
            "data": {
                "order_id": f"MSH-{uid}",
                "sub_order_id": f"MSH-{uid}-1",
                "sku": sku,
                "quantity": qty,
                "price": price,
                "state": "Karnataka",
            },
        }
    return Delivery("webhook", marketplace, json.dumps(body).encode(), {sku: (1, qty)})


def _sales_file(rng: random.Random, now: datetime) -> Delivery:
    """A sales CSV of a few products and hours of yesterday (IST), each row once."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "product_id", "channel", "quantity_sold", "revenue"])
    day = (now - timedelta(days=1)).date()
    adds: Counter = Counter()
    rows: Counter = Counter()
    for _ in range(rng.randint(5, 15)):
        sku, hour = rng.choice(SKUS), rng.randint(0, 23)
        minute = rng.randint(0, 59)
        units = rng.randint(1, 6)
        writer.writerow(
            [
                f"{day}T{hour:02d}:{minute:02d}:{rng.randint(0, 59):02d}",
                sku,
                rng.choice(["online", "pos"]),
                units,
                f"{units * rng.uniform(100, 900):.2f}",
            ]
        )
        adds[sku] += units
        rows[sku] += 1
    return Delivery("import", "", out.getvalue().encode(), {s: (rows[s], adds[s]) for s in adds})


def plan_burst(total: int, import_share: float, seed: int) -> list[Delivery]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    return [
        _sales_file(rng, now) if rng.random() < import_share else _webhook(rng, now)
        for _ in range(total)
    ]


class Burst:
    """The senders, the killer and the bookkeeping of one crash run."""

    def __init__(self, stack: Stack, deliveries: list[Delivery], kills: int, seed: int) -> None:
        self.stack = stack
        self.deliveries = deliveries
        rng = random.Random(seed + 1)
        self.kill_at = sorted(rng.sample(range(10, len(deliveries) - 10), kills))
        self.sent = 0
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.up.set()
        self.result = CrashResult(
            deliveries=len(deliveries),
            webhooks=sum(d.kind == "webhook" for d in deliveries),
            imports=sum(d.kind == "import" for d in deliveries),
        )

    # -- sending -------------------------------------------------------------------------------
    def send(self, session: requests.Session, d: Delivery) -> bool:
        host = self.stack.host
        if host is None:
            return False
        d.attempts += 1
        try:
            if d.kind == "webhook":
                secret = self.stack.env[f"Webhooks__{d.marketplace}Secret"]
                answer = session.post(
                    host.webhook_url(d.marketplace),
                    data=d.body,
                    headers={"content-type": "application/json", **signed_headers(secret, d.body)},
                    timeout=30,
                )
            else:
                answer = session.post(
                    f"{host.base_url}/api/imports",
                    files={"file": (f"sales-{uuid.uuid4().hex[:6]}.csv", d.body, "text/csv")},
                    data={"kind": "sales"},
                    headers={**principal("admin"), **host.origin},
                    timeout=30,
                )
        except requests.RequestException:
            return False  # no answer: the sender does not know whether it landed
        if answer.status_code >= 500:
            with self.lock:
                self.result.server_errors += 1
        if 200 <= answer.status_code < 300:
            d.acked = True
        return d.acked

    def sender(self, queue: list[Delivery]) -> None:
        session = requests.Session()
        while True:
            with self.lock:
                if not queue:
                    return
                d = queue.pop(0)
                self.sent += 1
            self.up.wait()
            self.send(session, d)

    def killer(self, done: threading.Event) -> None:
        for point in self.kill_at:
            while self.sent < point and not done.is_set():
                time.sleep(0.005)
            if done.is_set():
                return
            self.up.clear()
            host = self.stack.host
            assert host is not None
            os.kill(host.process.pid, signal.SIGKILL)
            host.process.wait()
            self.result.kills += 1
            self.stack.host = None
            started = time.monotonic()
            self.stack.start_host()
            self.result.restart_seconds.append(time.monotonic() - started)
            self.up.set()

    def run(self, workers: int = 4) -> CrashResult:
        queue = list(self.deliveries)
        done = threading.Event()
        killer = threading.Thread(target=self.killer, args=(done,), name="killer")
        killer.start()
        threads = [threading.Thread(target=self.sender, args=(queue,)) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done.set()
        killer.join()
        self.result.acked_in_burst = sum(d.acked for d in self.deliveries)
        self.redeliver()
        self.compare()
        return self.result

    def redeliver(self) -> None:
        session = requests.Session()
        for d in self.deliveries:
            if not d.acked:
                self.result.redelivered += 1
            while not d.acked and d.attempts < 20:
                if not self.send(session, d):
                    time.sleep(0.5)

    # -- the comparison ------------------------------------------------------------------------
    def expected(self) -> dict[str, tuple[int, int]]:
        want: dict[str, list[int]] = {}
        for d in self.deliveries:
            for item, (orders, units) in d.item_units.items():
                w = want.setdefault(item, [0, 0])
                w[0] += orders
                w[1] += units
        return {k: (v[0], v[1]) for k, v in want.items()}

    def counted(self) -> dict[str, tuple[int, int]]:
        rows = self.stack.store.query(
            "products", "SELECT c.item_id, c.totals.orders, c.totals.units FROM c"
        )
        return {r["item_id"]: (int(r.get("orders", 0)), int(r.get("units", 0))) for r in rows}

    def imports_pending(self) -> int:
        rows = self.stack.store.query("imports", "SELECT c.status FROM c")
        return sum(r.get("status") not in ("imported", "failed", "rejected") for r in rows)

    def sweep(self) -> None:
        """Run the import sweep now, as its timer does every few minutes in Azure: it takes
        up imports a killed host left behind once they are stale (``runner.STALE``)."""
        host = self.stack.host
        assert host is not None
        requests.post(
            f"{host.base_url}/admin/functions/import_sweep",
            headers={"x-functions-key": host.keys["master"]},
            timeout=300,
        )

    def compare(self) -> None:
        want = self.expected()
        started = time.monotonic()
        last_sweep = 0.0

        def settled() -> bool:
            nonlocal last_sweep
            if self.imports_pending() and time.monotonic() - last_sweep > 20:
                self.sweep()
                last_sweep = time.monotonic()
            return not self.imports_pending() and self.counted() == want

        wait_until(settled, timeout=300, interval=1.0)
        self.result.settle_seconds = time.monotonic() - started
        got = self.counted()
        for item, (orders, units) in want.items():
            have_orders, have_units = got.get(item, (0, 0))
            if have_orders < orders:
                self.result.lost += orders - have_orders
            elif have_orders > orders:
                self.result.double_counted += have_orders - orders
            if (have_orders, have_units) != (orders, units):
                self.result.mismatches.append(
                    f"{item}: counted {have_orders} orders / {have_units} units, "
                    f"expected {orders} / {units}"
                )


def run_crashes(
    stack: Stack, *, total: int = 2000, kills: int = 20, seed: int = 7, log=print
) -> CrashResult:
    deliveries = plan_burst(total, import_share=0.01, seed=seed)
    if stack.host is None:
        stack.start_host()
    burst = Burst(stack, deliveries, kills, seed)
    result = burst.run()
    log(
        f"crashes: {result.deliveries} deliveries ({result.webhooks} webhooks, "
        f"{result.imports} files), {result.kills} kills, {result.acked_in_burst} acknowledged "
        f"in the burst, {result.redelivered} redelivered, lost {result.lost}, "
        f"double-counted {result.double_counted}"
    )
    return result
