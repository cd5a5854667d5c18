"""The SP-API connector's state in Cosmos: one document per path (catch-up, backfill) and
marketplace in the ``jobs`` container, under the job name ``sp_api``.

Why ``jobs``: it is the container of scheduled work's progress (the daily run ledger), its
partition key ``/job`` keeps these documents in a partition of their own, and a checkpoint is
exactly that kind of state. Its 400-day default TTL does not apply: these documents are written
with ``ttl: -1`` (kept), since losing a checkpoint would make the catch-up start over.

Catch-up document::

    {id: "sp_api:catchup:<marketplace>", job: "sp_api", checkpoint: iso, window_end: iso|null,
     window_done: {order_id: LastUpdateDate}, last_run_at, last_success_at, last_error,
     last_error_at, runs, orders_seen, recorded, duplicates, operations: {name: stats}}

``checkpoint`` is the LastUpdatedAfter of the next window: it moves only after every order of
the window has its events stored. Within a window, ``window_done`` names the orders already
stored, so a run cut short (time budget, 429s, a crash) does not fetch their items again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.adapters.cosmos import Store

CONTAINER = "jobs"
JOB = "sp_api"
COUNTERS = ("calls", "ok", "throttled", "errors", "waits", "wait_seconds")
LATEST = ("last_call_at", "last_ok_at", "last_error", "last_error_at", "rate", "burst")


def doc_id(path: str, marketplace_id: str) -> str:
    return f"{JOB}:{path}:{marketplace_id}"


def read(store: Store, path: str, marketplace_id: str) -> dict[str, Any] | None:
    return store.read_or_none(CONTAINER, doc_id(path, marketplace_id), JOB)


def update(
    store: Store,
    path: str,
    marketplace_id: str,
    change: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Read-modify-write the path's document (created when missing)."""

    def apply(current: dict[str, Any] | None) -> dict[str, Any]:
        doc = dict(current or {"id": doc_id(path, marketplace_id), "job": JOB})
        doc["ttl"] = -1
        change(doc)
        return doc

    stored = store.update(CONTAINER, doc_id(path, marketplace_id), JOB, apply)
    assert stored is not None
    return stored


def merge_operations(total: dict[str, Any], run: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Counters added up since the connection; the latest times, error and rate kept."""
    merged = {name: dict(stats) for name, stats in (total or {}).items()}
    for name, stats in run.items():
        if not stats.get("calls"):
            continue
        mine = merged.setdefault(name, {})
        for key in COUNTERS:
            mine[key] = round(mine.get(key, 0) + stats.get(key, 0), 3)
        for key in LATEST:
            if stats.get(key) is not None:
                mine[key] = stats[key]
    return merged
