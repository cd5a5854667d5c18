"""The real-time loop: the events change feed re-ranks what changed; a timer reconciles."""

from __future__ import annotations

import azure.functions as func

from functions import change_feed
from shared.live import triggers

FEED_POLL_DELAY_MS = 200
MAX_ITEMS_PER_INVOCATION = 100

bp = func.Blueprint()


# The host's default is a 5 s pause between empty polls; live dashboards need well under a
# second. Bigger batches are split so one invocation stays short.
@change_feed.on_events(
    bp,
    "rank_on_events",
    poll_delay_ms=FEED_POLL_DELAY_MS,
    max_items=MAX_ITEMS_PER_INVOCATION,
)
def rank_on_events(docs: func.DocumentList) -> None:
    triggers.on_events([doc.to_dict() for doc in docs])


@bp.function_name("reconcile")
@bp.timer_trigger(schedule="%RECONCILE_SCHEDULE%", arg_name="timer", run_on_startup=False)
def reconcile(timer: func.TimerRequest) -> None:
    triggers.reconcile()
