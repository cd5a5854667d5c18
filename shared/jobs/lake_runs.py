"""The lake job's runs in the job ledger: one document per UTC day (``lake:<day>``) listing
each run of that day with the days it rebuilt, beside the daily job's runs.

The lake job is not claimed like the daily job (each run rebuilds what changed since the last
one and is idempotent), so its document is a log: every run appends what it did.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.adapters.cosmos import Store
from shared.jobs.run_ledger import CONTAINER, run_id

JOB = "lake"
RUNS_KEPT = 48  # per day: the job runs hourly


def record(store: Store, now: datetime, ledger: dict[str, Any]) -> dict[str, Any]:
    """Append one run (the IST days rebuilt, the partitions, counts, times, the check)."""
    day = now.astimezone(UTC).date()
    doc_id = run_id(JOB, day)
    entry = {
        "finished_at": now.isoformat(),
        "changed_events": ledger.get("changed_events", 0),
        "ist_days_rebuilt": ledger.get("dirty_ist_days", []),
        "partitions_rebuilt": ledger.get("days", []),
        "gold": ledger.get("gold", {}),
        "seconds": ledger.get("seconds"),
        "reconciliation": (ledger.get("reconciliation") or {}).get("status"),
    }
    current = store.read_or_none(CONTAINER, doc_id, JOB) or {
        "id": doc_id,
        "job": JOB,
        "day": day.isoformat(),
        "started_at": now.isoformat(),
        "attempt": 1,
        "error": None,
        "steps": {},
        "attempts": [],
        "runs": [],
    }
    runs = [*current.get("runs", []), entry][-RUNS_KEPT:]
    doc = {
        **{k: v for k, v in current.items() if not k.startswith("_")},
        "status": "succeeded",
        "heartbeat_at": now.isoformat(),
        "ended_at": now.isoformat(),
        "runs": runs,
        "days_rebuilt": sorted({d for r in runs for d in r["ist_days_rebuilt"]}),
    }
    return store.upsert(CONTAINER, doc)
