"""The real-time loop: the events change feed re-ranks what changed; a timer reconciles."""

from __future__ import annotations

import azure.functions as func

from shared.live import triggers

FEED_POLL_DELAY_MS = 200
MAX_ITEMS_PER_INVOCATION = 100

bp = func.Blueprint()


@bp.function_name("rank_on_events")
# Without a retry policy the host checkpoints a batch even when the function fails. Failures of
# one item are isolated in the projection (dead letters), so a batch fails only when the store
# itself is unavailable: retry for about two minutes, then let the reconcile timer repair the gap
# (a batch retried forever would block its lease).
@bp.retry(
    strategy="exponential_backoff",
    max_retry_count="8",
    minimum_interval="00:00:01",
    maximum_interval="00:00:30",
)
@bp.cosmos_db_trigger(
    arg_name="docs",
    connection="CosmosDB",
    database_name="%COSMOS_DATABASE_NAME%",
    container_name="events",
    lease_container_name="leases",
    create_lease_container_if_not_exists=False,
    # The host's default is a 5 s pause between empty polls; live dashboards need well under
    # a second. Bigger batches are split so one invocation stays short.
    feed_poll_delay=FEED_POLL_DELAY_MS,
    max_items_per_invocation=MAX_ITEMS_PER_INVOCATION,
)
def rank_on_events(docs: func.DocumentList) -> None:
    triggers.on_events([doc.to_dict() for doc in docs])


@bp.function_name("reconcile")
@bp.timer_trigger(schedule="%RECONCILE_SCHEDULE%", arg_name="timer", run_on_startup=False)
def reconcile(timer: func.TimerRequest) -> None:
    triggers.reconcile()
