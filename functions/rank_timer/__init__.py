"""The real-time loop: the events change feed re-ranks what changed; a timer reconciles."""

from __future__ import annotations

import azure.functions as func

from shared import pipeline

bp = func.Blueprint()


@bp.function_name("rank_on_events")
@bp.cosmos_db_trigger(
    arg_name="docs",
    connection="CosmosDB",
    database_name="%CosmosDB__databaseName%",
    container_name="events",
    lease_container_name="leases",
    create_lease_container_if_not_exists=False,
)
def rank_on_events(docs: func.DocumentList) -> None:
    pipeline.on_events([doc.to_dict() for doc in docs])


@bp.function_name("reconcile")
@bp.timer_trigger(schedule="%RECONCILE_SCHEDULE%", arg_name="timer", run_on_startup=False)
def reconcile(timer: func.TimerRequest) -> None:
    pipeline.reconcile()
