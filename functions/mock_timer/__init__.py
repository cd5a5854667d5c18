"""The mock marketplace feed: simulated shoppers while no store is connected."""

from __future__ import annotations

import azure.functions as func

from shared.live import triggers

bp = func.Blueprint()


@bp.function_name("mock_feed")
@bp.timer_trigger(schedule="%MOCK_SCHEDULE%", arg_name="timer", run_on_startup=False)
def mock_feed(timer: func.TimerRequest) -> None:
    triggers.mock_tick()
