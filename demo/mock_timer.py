"""The demo's timer: simulated shoppers while the demo runs, into the demo's own dataset.

It is composed by the function app (``function_app.py``) from here, beside the blueprints of
``functions/``, so that production packages never import a generator: the live state only
carries the feed between ticks (``shared.live.state.DemoFeed``).
"""

from __future__ import annotations

import azure.functions as func

from demo import seed
from demo.mock_feed import MockFeed
from demo.sim import demo_stock
from shared.adapters.cosmos import Store, get_store
from shared.catalogue.demo import running
from shared.core.dataset import using
from shared.core.settings import get_settings
from shared.live import demo_first_run
from shared.live.state import LiveState, live
from shared.live.triggers import on_events

bp = func.Blueprint()


@bp.function_name("mock_feed")
@bp.timer_trigger(schedule="%MOCK_SCHEDULE%", arg_name="timer", run_on_startup=False)
def mock_feed(timer: func.TimerRequest) -> None:
    mock_tick()


def mock_tick() -> int:
    """One tick of the demo while it runs, in the demo's own dataset: simulated shoppers, then
    the demo's events projected and ranked here (the change feed watches the seller's log
    only). Returns the events recorded."""
    if not running():
        return 0
    with using("demo"):
        settings = get_settings()
        store = get_store()
        state = live()
        with state.lock:
            if state.feed is None:
                state.feed = MockFeed(settings.mock_seed)
                seed.ensure_catalogue(store)
        state.sync()
        count = state.feed.tick(
            store,
            settings,
            demo_stock.sold_by_simulator(state.cache.catalogued()),
            listings=state.listings,
            secrets=state.secrets,
        )
        _project_demo(store, state)
        if not state.first_run_checked:
            state.first_run_checked = True
            if demo_first_run.needed(store):
                demo_first_run.start(store)
        return count


def _project_demo(store: Store, state: LiveState) -> None:
    """The demo's change feed: events written since the last tick, projected and ranked.
    Events of the mark's own second are read again; projecting them twice changes nothing."""
    since = state.projected_until or 0
    docs = list(store.query("events", "SELECT * FROM c WHERE c._ts >= @since", [("@since", since)]))
    if not docs:
        return
    docs.sort(key=lambda d: d["_ts"])
    on_events(docs)
    state.projected_until = docs[-1]["_ts"]
