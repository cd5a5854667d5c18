"""Helpers shared by the integration tests: signed posts, principals, a real SignalR listener."""

from __future__ import annotations

import base64
import json
import queue
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from shared.ingest.signature import signed_headers

ROOT = Path(__file__).resolve().parents[2]


def principal(role: str) -> dict[str, str]:
    body = {
        "identityProvider": "test",
        "userId": f"u-{role}",
        "userDetails": f"{role}@test",
        "userRoles": ["authenticated", role],
    }
    return {"x-ms-client-principal": base64.b64encode(json.dumps(body).encode()).decode()}


def amazon_order(item_id: str, qty: int = 1, price: float = 499.0) -> dict:
    """Amazon's simple order payload with a fresh order id."""
    return {
        "eventType": "ORDER_PLACED",
        "asin": item_id,
        "price": price,
        "quantity": qty,
        "region": "IN",
        "orderId": f"402-{uuid.uuid4().hex[:10]}",
    }


def post_webhook(host, marketplace: str, body: dict | bytes, **kw):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = signed_headers(host.env[f"Webhooks__{marketplace}Secret"], raw)
    with host.client() as c:
        return c.post(
            host.webhook_url(marketplace),
            content=raw,
            headers={"content-type": "application/json", **headers},
            **kw,
        )


def unprojected(store) -> list[str]:
    """Items with events their product document has not applied yet (see fold.py)."""
    marks = {
        d["item_id"]: d["applied"]
        for d in store.query("products", "SELECT c.item_id, c.applied FROM c")
    }
    behind = set()
    for e in store.query("events", "SELECT c.id, c.item_id, c._ts FROM c"):
        mark = marks.get(e["item_id"], {"ts": 0, "ids": []})
        if e["_ts"] > mark["ts"] or (e["_ts"] == mark["ts"] and e["id"] not in mark["ids"]):
            behind.add(e["item_id"])
    return sorted(behind)


def seeded_catalogue(host, store, count: int, *, seed: int, history_hours: int) -> list[dict]:
    """Seed ``count`` simulated products with history; return once all are ranked and projected."""
    from demo import seed as seeding
    from demo.sim.simulator import simulate_catalogue
    from tests.integration.conftest import eventually

    products = simulate_catalogue(count, seed=seed)
    seeding.seed_catalogue(store, products, history_hours=history_hours, seed=seed)
    analyst = principal("analyst")
    with host.client() as c:

        def ranked() -> bool:
            page = c.post("/api/rank", json={"limit": 1}, headers=analyst).json()
            return page.get("total") == count

        eventually(ranked, timeout=60)
    eventually(lambda: not unprojected(store), timeout=60)
    return products


class Listener:
    """The real @microsoft/signalr client (Node), negotiating through the app's /api/negotiate."""

    def __init__(
        self,
        base_url: str,
        *targets: str,
        role: str = "analyst",
        timeout_ms: int = 60_000,
        count: int = 100_000,
    ) -> None:
        header = next(iter(principal(role).items()))
        # negotiate is a POST: devhost wants the dashboard's own Origin on it.
        origin = f"origin={base_url.rstrip('/')}"
        self.proc = subprocess.Popen(
            [
                "node",
                str(ROOT / "tests/integration/signalr_client.mjs"),
                "--url",
                f"{base_url}/api",
                "--header",
                f"{header[0]}={header[1]}",
                "--header",
                origin,
                "--count",
                str(count),
                "--timeout-ms",
                str(timeout_ms),
                *targets,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.connected.wait(20):
            self.close()
            raise AssertionError(f"SignalR client did not connect: {self.proc.stderr.read()}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            msg = json.loads(line)
            if msg.get("event") == "connected":
                self.connected.set()
            elif "target" in msg:
                msg["received_at"] = time.monotonic()
                self.messages.put(msg)

    def wait_for(self, target: str, predicate=lambda args: True, timeout: float = 15.0):
        """The first message on ``target`` whose first argument satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = self.messages.get(timeout=left)
            except queue.Empty:
                break
            if msg["target"] == target and predicate(msg["arguments"][0]):
                return msg
        raise AssertionError(f"no matching {target!r} message within {timeout} s")

    def drain(self) -> None:
        while not self.messages.empty():
            self.messages.get_nowait()

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def webhook_ranked_by() -> set[str]:
    """What ranks webhook items (the demo feed and each live kind) by the stored evidence
    (``shared/ml/evidence.json``), which a fresh stack's first model applies: a test of an
    item's explanation knows which answer it must get."""
    from shared.ml.baselines import FILES_KIND
    from shared.ml.ranker_training import load_evidence

    kinds = load_evidence()["kinds"]
    return {str(d["ranked_by"]) for kind, d in kinds.items() if kind != FILES_KIND}
