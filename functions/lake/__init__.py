"""The lake: the events change feed lands raw batches in bronze; a timer runs the lake job
(export the last days, silver, gold) and records it in the ledger."""

from __future__ import annotations

import azure.functions as func

from functions import change_feed
from shared.adapters.cosmos import get_store
from shared.analytics import export, job
from shared.analytics.lake import lake_store
from shared.catalogue import demo
from shared.core.dataset import using
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.jobs import lake_runs

# Raw batches are for freshness between job runs, not for a live screen: large batches a
# minute apart keep the number of small files down (the job compacts each day into one).
LAKE_FEED_POLL_DELAY_MS = 60_000
LAKE_MAX_ITEMS = 5_000

bp = func.Blueprint()


# Its own leases: this feed keeps its own place, independent of the ranking loop's.
@change_feed.on_events(
    bp,
    "lake_on_events",
    poll_delay_ms=LAKE_FEED_POLL_DELAY_MS,
    max_items=LAKE_MAX_ITEMS,
    lease_prefix="lake-",
)
def lake_on_events(docs: func.DocumentList) -> None:
    export.export_feed_batch(lake_store(get_settings()), [doc.to_dict() for doc in docs])


@bp.function_name("lake_job")
@bp.timer_trigger(schedule="%LAKE_SCHEDULE%", arg_name="timer", run_on_startup=False)
def lake_job(timer: func.TimerRequest) -> None:
    for dataset in demo.datasets_to_run():
        with using(dataset):
            job.run(get_store(), get_settings(), utcnow(), record=lake_runs.record)
