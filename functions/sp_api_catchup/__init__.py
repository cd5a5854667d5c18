"""Amazon's SP-API catch-up: getOrders since the checkpoint, every few minutes
(``shared.ingest.sp_api_catchup``). A timer of its own, so a throttled SP-API never holds up a
webhook."""

from __future__ import annotations

import azure.functions as func

from shared.adapters.blob import imports_store
from shared.adapters.cosmos import get_store
from shared.adapters.sp_api import SpApiClient
from shared.core.settings import get_settings
from shared.ingest import sp_api_catchup, sp_api_history

bp = func.Blueprint()

# One client per worker process: its access token (an hour) and its usage-plan buckets (what
# Amazon's 429s taught it) outlive a run; a new client each run would fetch a token every time.
_clients: dict[tuple[str, str], SpApiClient] = {}


@bp.function_name("sp_api_catchup")
@bp.timer_trigger(schedule="%SP_API_CATCHUP_SCHEDULE%", arg_name="timer", run_on_startup=False)
def sp_api_catchup_timer(timer: func.TimerRequest) -> None:
    settings = get_settings()
    conn = settings.amazon_sp_api
    client = None
    if conn.configured:
        key = (conn.endpoint, conn.marketplace_id)
        client = _clients.get(key) or _clients.setdefault(key, SpApiClient(conn))
    store = get_store()
    sp_api_catchup.run(store, settings, client=client)
    if client is not None:
        # A year of history on first connection (or an admin's request): a step per run.
        sp_api_history.advance(store, imports_store(), settings, client)
