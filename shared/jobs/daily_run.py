"""The daily inventory job: the inventory steps (``shared.inventory.daily.STEPS``), then the
WhatsApp alerts for the day's level changes, as one run per IST day in the ledger.

``tick`` is what the frequent timer does: claim the due day's run (or resume a stale one) and
run what is left of it. ``start_now`` is the admin's "run it now": today's run, started at
once whatever the hour, or a finished one re-opened.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.adapters.blob import BlobStore, imports_store, model_store
from shared.adapters.cosmos import Store
from shared.adapters.whatsapp import WhatsAppClient
from shared.alerts import workflow
from shared.core.errors import Conflict, ServiceUnavailable
from shared.core.records import utcnow
from shared.core.settings import Settings
from shared.inventory import daily
from shared.jobs import run_ledger, schedule
from shared.jobs.run_ledger import Policy, Run
from shared.jobs.runner import Outcome, Step, run_steps

JOB = "daily"


def alerts_step(ctx: daily.StepContext) -> dict[str, Any]:
    return workflow.run(
        ctx.store,
        ctx.settings,
        ctx.day,
        send=True,
        client=WhatsAppClient.from_settings(ctx.settings),
        images=_blobs(imports_store),
    )


def steps() -> Sequence[Step[daily.StepContext]]:
    return (*daily.STEPS, ("alerts", alerts_step))


def step_names() -> list[str]:
    return [name for name, _ in steps()]


def tick(store: Store, settings: Settings, now: datetime | None = None) -> Outcome | None:
    """One timer tick: None when there is nothing for this instance to do."""
    due = schedule.due(now or utcnow(), settings.daily_job_hour_ist)
    run = run_ledger.claim(
        store, JOB, due.day, Policy.from_settings(settings), resume_only=due.resume_only
    )
    return None if run is None else execute(run, store, settings)


def execute(run: Run, store: Store, settings: Settings) -> Outcome:
    ctx = daily.StepContext(day=run.day, store=store, settings=settings, models=_blobs(model_store))
    return run_steps(run, steps(), ctx)


def start_now(store: Store, settings: Settings, *, rerun: bool) -> dict[str, Any]:
    """Claim today's run and run it on a thread of this instance; the run's document at the
    start. If this instance dies, the ledger lets the next tick take the run over."""
    day = schedule.ist_day(utcnow())
    run = run_ledger.claim(store, JOB, day, Policy.from_settings(settings), reopen=rerun)
    if run is None:
        current = run_ledger.get(store, JOB, day) or {}
        hint = " (rerun=true starts it again)" if current.get("status") == "succeeded" else ""
        raise Conflict(
            f"the run of {day} is {current.get('status', 'held by another instance')}{hint}",
            run=current.get("id"),
            status=current.get("status"),
        )
    # In the caller's context: the dataset (shared.core.dataset) the run belongs to.
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(execute, run, store, settings), name=f"job-{run.id}", daemon=True
    ).start()
    return run.doc


def _blobs(factory) -> BlobStore | None:  # type: ignore[no-untyped-def]
    try:
        return factory()
    except ServiceUnavailable:
        return None  # no Blob configured: no models, no images
