"""Quality runs: run the checks, store the result in ``quality`` (partitioned by day), read the
latest and the trend. The daily run is claimed by creating ``daily:<day>`` first, so two timer
instances (or a retried tick) never run it twice; a claim left behind by a crash is taken over
after ``STALE``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.adapters.cosmos import Store, get_store
from shared.core.errors import Conflict
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.quality import checks
from shared.quality.gather import gather

log = logging.getLogger("resight.quality")
CONTAINER = "quality"
STALE = timedelta(minutes=15)


def run(
    store: Store, *, trigger: str, day: date | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Run every check for ``day`` (default: the seller's today) and store the run."""
    now = now or utcnow()
    day = day or local_day(now)
    doc = _evaluate(store, day, now, trigger)
    doc["id"] = f"{trigger}:{now:%Y%m%dT%H%M%S}:{uuid.uuid4().hex[:6]}"
    store.create(CONTAINER, doc)
    return doc


def run_daily(store: Store, now: datetime | None = None) -> dict[str, Any] | None:
    """Yesterday's run (the seller's day), once: None when it is done or running elsewhere."""
    now = now or utcnow()
    day = local_day(now) - timedelta(days=1)
    doc_id = f"daily:{day.isoformat()}"
    claim = {
        "id": doc_id,
        "day": day.isoformat(),
        "trigger": "daily",
        "status": "running",
        "started_at": now.isoformat(),
    }
    if not store.create(CONTAINER, claim):
        current = store.read_or_none(CONTAINER, doc_id, day.isoformat())
        if current is None or current.get("status") != "running":
            return None
        if now - datetime.fromisoformat(current["started_at"]) < STALE:
            return None
        try:  # a crashed run: take it over
            store.upsert(
                CONTAINER, {**_clean(current), "started_at": now.isoformat()}, etag=current["_etag"]
            )
        except Conflict:
            return None
    doc = {**_evaluate(store, day, now, "daily"), "id": doc_id}
    store.upsert(CONTAINER, doc)
    return doc


def after_import(import_id: str, day: date | None) -> None:
    """The run that follows an import: the day the file covers (its last), or the seller's
    today. A failure is logged, never raised: the import stands and the daily run covers it."""
    try:
        run(get_store(), trigger=f"import:{import_id}", day=day)
    except Exception:
        log.exception("quality run after import %s failed; the daily run will cover it", import_id)


def local_day(now: datetime) -> date:
    """The seller's day at ``now`` (``IMPORT_TIMEZONE``: the clock their files are dated in)."""
    return now.astimezone(ZoneInfo(get_settings().import_timezone)).date()


def _evaluate(store: Store, day: date, now: datetime, trigger: str) -> dict[str, Any]:
    results = checks.run_all(gather(store, day, now, get_settings().import_timezone))
    summary = checks.summary(results)
    log.info("quality run for %s (%s): %s", day, trigger, summary["status"])
    return {
        "day": day.isoformat(),
        "trigger": trigger,
        "started_at": now.isoformat(),
        "finished_at": utcnow().isoformat(),
        **summary,
        "results": [c.to_dict() for c in results],
    }


def latest(store: Store) -> dict[str, Any] | None:
    rows = store.query(
        CONTAINER,
        "SELECT TOP 1 * FROM c WHERE IS_DEFINED(c.results) ORDER BY c.finished_at DESC",
    )
    return next((_clean(r) for r in rows), None)


def history(store: Store, days: int) -> list[dict[str, Any]]:
    """Run summaries of the last ``days`` days, oldest first (the trend)."""
    since = (utcnow() - timedelta(days=days)).isoformat()
    rows = store.query(
        CONTAINER,
        "SELECT c.id, c.day, c.trigger, c.status, c.failed, c.finished_at, c.results "
        "FROM c WHERE c.finished_at >= @since ORDER BY c.finished_at ASC",
        [("@since", since)],
    )
    out = []
    for r in rows:
        values = {c["name"]: c["value"] for c in r.pop("results", [])}
        out.append({**r, "values": values})
    return out


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}
