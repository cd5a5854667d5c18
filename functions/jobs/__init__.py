"""The daily inventory job: a frequent UTC timer; the run ledger decides whether this tick
starts the day's run (from the IST run hour), resumes a stale one, or does nothing."""

from __future__ import annotations

import azure.functions as func

from shared.adapters.cosmos import get_store
from shared.catalogue import demo
from shared.core.dataset import using
from shared.core.settings import get_settings
from shared.jobs import daily_run

bp = func.Blueprint()


@bp.function_name("daily_job")
@bp.timer_trigger(schedule="%DAILY_JOB_SCHEDULE%", arg_name="timer", run_on_startup=False)
def daily_job(timer: func.TimerRequest) -> None:
    for dataset in demo.datasets_to_run():
        with using(dataset):
            daily_run.tick(get_store(), get_settings())
