"""What the rank_timer and mock_timer functions do, in one place.

``on_events``: project the change-feed batch (idempotent), re-score the touched items, and ask
for a broadcast. ``reconcile``: apply anything the feed missed, re-score everything at the
current time with the current model, broadcast. ``mock_tick``: one tick of simulated shoppers.

Broadcasts are coalesced: however many batches arrive, KPIs and the ranking go out at most
``1 / BROADCAST_INTERVAL`` times a second (plus one trailing flush), each with the newest state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from shared import broadcast, projector, stores, telemetry
from shared.live import live
from shared.mock import MockFeed
from shared.models import utcnow
from shared.ranking_view import ranking_payload, save_snapshot
from shared.settings import get_settings
from shared.store import get_store

log = logging.getLogger("resight.pipeline")
BROADCAST_INTERVAL = 0.25
TICKER_PER_FLUSH = 20
FEED_GRACE_SECONDS = 10

_ticker: deque[dict[str, Any]] = deque(maxlen=TICKER_PER_FLUSH)
_ticker_lock = threading.Lock()
_reconciled_until: int | None = None
# A fresh instance looks this far back for events the feed missed; older gaps are what
# ``python -m shared.rebuild`` (a full rebuild from the log) is for, not a timer.
FIRST_RECONCILE_LOOKBACK_SECONDS = 3600
_feed: MockFeed | None = None
_last_model: str | None = None


def on_events(docs: list[dict[str, Any]]) -> None:
    started = time.perf_counter()
    store = get_store()
    changed = projector.project_batch(store, docs)
    live().sync()
    telemetry.record_rerank((time.perf_counter() - started) * 1000, len(changed))
    with _ticker_lock:
        for doc in docs:
            if doc.get("source") != "backfill":
                _ticker.append(doc)
    _coalescer.request()


def reconcile() -> None:
    """Repair drift: apply events the feed has missed (none, normally), re-score everything."""
    global _reconciled_until
    store = get_store()
    # Only events old enough that the change feed has had its chance: a younger one may be in
    # a batch being projected right now, and applying it here would only race the feed.
    until = int(time.time()) - FEED_GRACE_SECONDS
    since = (
        until - FIRST_RECONCILE_LOOKBACK_SECONDS if _reconciled_until is None else _reconciled_until
    )
    docs = list(
        store.query(
            "events",
            "SELECT * FROM c WHERE c._ts >= @since AND c._ts <= @until",
            [("@since", since), ("@until", until)],
        )
    )
    docs.sort(key=lambda d: d["_ts"])
    repaired = projector.project_batch(store, docs)
    if repaired:
        log.warning(
            "reconcile repaired %d products the change feed had not projected", len(repaired)
        )
    live().full_pass()
    _reconciled_until = until
    flush()


def mock_tick() -> int:
    global _feed
    settings = get_settings()
    if _feed is None:
        _feed = MockFeed(settings.mock_seed)
    state = live()
    state.sync()
    return _feed.tick(get_store(), settings, state.cache.catalogued())


def flush() -> None:
    """Broadcast KPIs, the top of the ranking and the newest events; snapshot the ranking."""
    global _last_model
    started = time.perf_counter()
    settings = get_settings()
    store = get_store()
    state = live()
    now = utcnow()
    with state.lock:
        mode = stores.mode(stores.list_stores(store))
        kpi = state.kpi_snapshot(now, mode=mode)
        ranking = ranking_payload(state, limit=settings.broadcast_top_n, now=now)
        save_snapshot(store, state, now)
    broadcast.send("kpis", kpi)
    broadcast.send("ranking", ranking)
    with _ticker_lock:
        ticker = list(_ticker)
        _ticker.clear()
    for doc in ticker[-TICKER_PER_FLUSH:]:
        product = state.cache.get(doc["item_id"]) or {}
        broadcast.send(
            "event",
            {
                "id": doc["id"],
                "item_id": doc["item_id"],
                "title": product.get("title", ""),
                "marketplace": doc["marketplace"],
                "kind": doc["kind"],
                "units": doc.get("units", 0),
                "revenue": doc.get("revenue", 0.0),
                "occurred_at": doc["occurred_at"],
            },
        )
    if state.model_version != _last_model:
        if _last_model is not None:
            broadcast.send("model", {"version": state.model_version})
        _last_model = state.model_version
    lag_start = min((doc.get("_ts", time.time()) for doc in ticker), default=None)
    if lag_start is not None:
        telemetry.record_broadcast_lag(max(0.0, time.time() - lag_start) * 1000)
    log.debug("flush took %.1f ms", (time.perf_counter() - started) * 1000)


_coalescer = broadcast.Coalescer(flush, BROADCAST_INTERVAL)
