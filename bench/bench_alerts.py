"""Alerts: building the day's alerts from 100,000 snapshot rows, and sending through the
WhatsApp client to devhost's fake Graph API.

    python bench/bench_alerts.py [--rows 100000] [--changed 0.1] [--messages 300]

- ``build``: ``alert_criteria.alertable`` over every row and ``workflow.new_alert``
  (recipients by role, template parameters) for the rows whose level changed, on one core (process
  time, median);
- ``send``: template messages one after another through ``WhatsAppClient`` to the fake Graph
  API on loopback (it validates every message as the Cloud API documents it): messages per
  second and latency. The real API's own latency and throughput limits are not included.

Cosmos writes of the alert log are not included (the local server is the limit there).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devhost.__main__ import serve_in_thread
from devhost.services import free_port
from devhost.whatsapp_service import create_app
from shared.adapters.whatsapp import WhatsAppClient, template_message
from shared.alerts import alert_criteria, workflow
from shared.core.settings import AlertRecipient, Settings

LEVELS = (None, "EARLY", "HIGH", "CRITICAL")


def snapshot(rows: int, changed: float, rng: random.Random) -> list[dict]:
    out = []
    for n in range(rows):
        level = rng.choice(LEVELS)
        previous = rng.choice(LEVELS) if rng.random() < changed else level
        out.append(
            {
                "id": f"2026-12-01:S{n % 40}:K{n}",
                "day": "2026-12-01",
                "store_id": f"S{n % 40}",
                "store_name": f"Store {n % 40}",
                "item_id": f"K{n}",
                "title": f"Item {n}",
                "image": f"images/K{n}.jpg",
                "units": rng.randint(1, 50),
                "capital": rng.uniform(100, 100_000),
                "days_since_sale": rng.randint(0, 400),
                "danger": level,
                "previous_danger": previous,
            }
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.1)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = snapshot(args.rows, args.changed, random.Random(11))
    people = [AlertRecipient(phone="919800000001", role="founder")]
    people += [
        AlertRecipient(phone=f"9198000001{s:02d}", role="store_manager", store_id=f"S{s}")
        for s in range(40)
    ]
    settings = Settings(ALERT_RECIPIENTS=people)

    def build() -> list[dict]:
        return [workflow.new_alert(r, settings) for r in rows if alert_criteria.alertable(r)]

    times = []
    for _ in range(args.repeat):
        t0 = time.process_time()
        alerts = build()
        times.append((time.process_time() - t0) * 1000)

    token, phone_id = "bench-token", "100000000000001"
    port = free_port()
    server = serve_in_thread(create_app(token, phone_id), port)
    client = WhatsAppClient(f"http://127.0.0.1:{port}/v22.0", phone_id, token)
    latencies = []
    started = time.perf_counter()
    for alert in alerts[: args.messages]:
        msg = template_message("919800000001", "inventory_danger_alert_text", "en", alert["body"])
        t0 = time.perf_counter()
        sent = client.send(msg)
        latencies.append((time.perf_counter() - t0) * 1000)
        assert sent.status == "sent", sent
    elapsed = time.perf_counter() - started
    server.should_exit = True
    latencies.sort()
    result = {
        "rows": len(rows),
        "alerts": len(alerts),
        "deliveries": sum(len(a["deliveries"]) for a in alerts),
        "build_ms_median": round(statistics.median(times), 1),
        "build_rows_per_s": round(len(rows) / (statistics.median(times) / 1000)),
        "send_messages": len(latencies),
        "send_per_s": round(len(latencies) / elapsed, 1),
        "send_p50_ms": round(latencies[len(latencies) // 2], 2),
        "send_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "cpu": "build: one core (process time); send: wall time on loopback",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
