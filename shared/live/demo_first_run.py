"""A fresh demo's first minute: the lake job, the daily job and the quality checks run once as
soon as the demo's history is projected, so Analytics, Inventory, Alerts and Data quality have
something to show before their timers come round (the lake hourly, the daily job once a day).

Only in the demo dataset, and only for a demo that never had a daily run (its ledger says so),
so a restart does not repeat it and a seller's dataset never sees it. It runs on a thread of its
own: the mock feed's ticks go on meanwhile.
"""

from __future__ import annotations

import contextvars
import logging
import threading

from shared.adapters.cosmos import Store, get_store
from shared.analytics import job as lake_job
from shared.core.dataset import current
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.jobs import daily_run, lake_runs, run_ledger, schedule
from shared.quality import runs as quality_runs

log = logging.getLogger("resight.demo")


def needed(store: Store) -> bool:
    return current() == "demo" and not run_ledger.recent(store, daily_run.JOB, 1)


def start(store: Store) -> threading.Thread:
    """Run the first jobs on a thread, in the caller's dataset (the demo's)."""
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(run, store), name="demo-first-run", daemon=True
    )
    thread.start()
    return thread


def run(store: Store) -> None:
    settings = get_settings()
    now = utcnow()
    try:
        lake = lake_job.run(store, settings, now, record=lake_runs.record)
        log.info(
            "demo first run: lake built %d days in %.1f s",
            len(lake.get("days") or []),
            lake.get("seconds") or 0.0,
        )
        claimed = run_ledger.claim(
            store, daily_run.JOB, schedule.ist_day(now), run_ledger.Policy.from_settings(settings)
        )
        if claimed is not None:
            outcome = daily_run.execute(claimed, store, settings)
            log.info("demo first run: daily job %s", outcome)
        quality_runs.run_daily(get_store())
    except Exception:
        # The timers still run these later; the demo goes on without its first minute.
        log.exception("demo first run failed")
