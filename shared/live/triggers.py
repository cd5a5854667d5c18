"""What the rank_timer function does, in one place (the demo's timer is ``demo.mock_timer``).

``on_events``: project the change-feed batch (idempotent), re-score the touched items, and ask
for a broadcast. ``reconcile``: apply anything the feed missed, re-score everything at the
current time with the current model, broadcast.

Broadcasts are coalesced: however many batches arrive, the KPIs and the ticker go out at most
``1 / LIVE_INTERVAL`` times a second and the top of the ranking at most ``1 / RANKING_INTERVAL``
times (each with a trailing flush), each with the newest state.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.adapters.cosmos import get_store
from shared.catalogue import demo
from shared.core import telemetry
from shared.core.dataset import Dataset, using
from shared.core.records import utcnow
from shared.core.settings import get_settings
from shared.live import broadcast
from shared.live.ranking_view import ranking_payload, save_snapshot
from shared.live.state import live
from shared.projection import apply, demo_split
from shared.ranking import rules_service

log = logging.getLogger("resight.pipeline")
# Two cadences, because the two messages cost differently. The KPI message (and the ticker's
# events) is under one 2 KB SignalR unit per dashboard and is what the seeds promise within a
# second; the ranking's top is several units per dashboard and most of the SignalR bill. One
# shared 250 ms interval made the KPIs wait up to 250 ms behind the ranking's budget; KPIs every
# 200 ms and the ranking every 500 ms send fewer units at the busiest and the KPIs sooner.
LIVE_INTERVAL = 0.2
RANKING_INTERVAL = 0.5
PROJECTION_THREADS = 8  # items of one batch projected at once: Cosmos round trips, not CPU
# When a broadcast did not get through: try again after the SignalR client's breaker cooldown.
RESEND_SECONDS = 5.0
FEED_GRACE_SECONDS = 10
# A fresh instance looks this far back for events the feed missed; older gaps are what
# ``python -m shared.projection.rebuild`` (a full rebuild from the log) is for, not a timer.
FIRST_RECONCILE_LOOKBACK_SECONDS = 3600


def on_events(docs: list[dict[str, Any]]) -> None:
    ids = [str(doc.get("id", "")) for doc in docs]
    with telemetry.span(
        telemetry.STAGE_BATCH, **{"resight.events": len(docs), "resight.event_ids": ids}
    ):
        started = time.perf_counter()
        store = get_store()
        with telemetry.span(telemetry.STAGE_PROJECTION):
            changed = apply.project_batch(store, docs, projection_pool())
        state = live()
        with telemetry.span(telemetry.STAGE_SYNC, **{"resight.items": len(changed)}):
            state.sync()
        telemetry.record_rerank((time.perf_counter() - started) * 1000, len(changed))
        with state.ticker_lock:
            for doc in docs:
                if doc.get("source") != "backfill":
                    state.ticker.append(doc)
    request_flush()


@functools.cache
def projection_pool() -> ThreadPoolExecutor:
    """Threads that project a batch's items at once (``apply.project_batch``): items are
    independent (own partitions, ETag-guarded writes), so their read-modify-write round trips
    overlap instead of adding up; at 20 events/s of different items, one after another they
    were most of a second of projection per second. One set per process."""
    return ThreadPoolExecutor(PROJECTION_THREADS, thread_name_prefix="projection")


def request_flush() -> None:
    """Ask for coalesced broadcasts: the KPIs and ticker (at most one per ``LIVE_INTERVAL``)
    and the ranking (at most one per ``RANKING_INTERVAL``)."""
    state = live()
    with state.lock:
        if state.live_coalescer is None or state.ranking_coalescer is None:
            # Coalescers flush on a timer thread, which does not inherit the dataset.
            state.live_coalescer = broadcast.Coalescer(
                functools.partial(_in, state.dataset, flush_live), LIVE_INTERVAL
            )
            state.ranking_coalescer = broadcast.Coalescer(
                functools.partial(_in, state.dataset, flush_ranking), RANKING_INTERVAL
            )
    state.live_coalescer.request()
    state.ranking_coalescer.request()


def _in(dataset: Dataset, flush_fn: Callable[[], None]) -> None:
    with using(dataset):
        flush_fn()


def reconcile() -> None:
    """Repair drift: apply events the feed has missed (none, normally), re-score everything;
    the demo's too while it runs."""
    with telemetry.span(telemetry.STAGE_RECONCILE):
        _reconcile()
    if demo.running():
        with (
            using("demo"),
            telemetry.span(telemetry.STAGE_RECONCILE, **{"resight.dataset": "demo"}),
        ):
            _reconcile()


def _reconcile() -> None:
    store = get_store()
    state = live()
    if state.reconciled_until is None and state.dataset == "seller":
        _split_legacy_demo(store)
    # Only events old enough that the change feed has had its chance: a younger one may be in
    # a batch being projected right now, and applying it here would only race the feed.
    until = int(time.time()) - FEED_GRACE_SECONDS
    since = state.reconciled_until
    if since is None:
        since = until - FIRST_RECONCILE_LOOKBACK_SECONDS
    docs = list(
        store.query(
            "events",
            "SELECT * FROM c WHERE c._ts >= @since AND c._ts <= @until",
            [("@since", since), ("@until", until)],
        )
    )
    docs.sort(key=lambda d: d["_ts"])
    repaired = apply.project_batch(store, docs)
    if repaired:
        log.warning(
            "reconcile repaired %d products the change feed had not projected", len(repaired)
        )
    state.full_pass()
    state.reconciled_until = until
    flush()


def _split_legacy_demo(seller) -> None:
    """Once per instance: data from before the demo had its own dataset leaves the seller's."""
    if demo_split.has_demo_events(seller):
        with using("demo"):
            moved = demo_split.split(seller, get_store())
        log.warning("moved the demo's data out of the seller's dataset: %s", moved)


def rules_changed() -> None:
    """A rule change re-ranks: push the new rules and ranking to every dashboard now."""
    broadcast.send("rules", rules_service.list_payload(get_store()))
    flush()


def flush() -> None:
    """Broadcast everything now: KPIs, the newest events and the ranking (a reconcile, a rule
    change)."""
    flush_live()
    flush_ranking()


def flush_live() -> None:
    """Broadcast the KPIs and the newest events."""
    started = time.perf_counter()
    state = live()
    now = utcnow()
    if state.ranker is None:
        # A cold instance (a rule changed through the API before any event or timer here).
        state.sync(now)
    shown = demo.shown() == state.dataset
    with state.lock, telemetry.span(telemetry.STAGE_KPIS):
        kpi = state.kpi_snapshot(now, mode=state.mode())
    with state.ticker_lock:
        ticker = list(state.ticker)
        state.ticker.clear()
    if not shown:  # the dashboards show the other dataset: nothing of this one goes out
        return
    delivered = broadcast.send("kpis", kpi)
    if not delivered and broadcast.configured() and state.live_coalescer is not None:
        # SignalR was down (or its breaker open): without this the dashboard would keep the
        # old KPIs until the next event or reconcile, however long after SignalR is back.
        state.live_coalescer.request_later(RESEND_SECONDS)
    for doc in ticker:
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
    lag_start = min((doc.get("_ts", time.time()) for doc in ticker), default=None)
    if lag_start is not None:
        telemetry.record_broadcast_lag(max(0.0, time.time() - lag_start) * 1000)
    log.debug("live flush took %.1f ms", (time.perf_counter() - started) * 1000)


def flush_ranking() -> None:
    """Broadcast the top of the ranking (and a newly served model); snapshot the ranking."""
    settings = get_settings()
    store = get_store()
    state = live()
    now = utcnow()
    if state.ranker is None:
        state.sync(now)
    shown = demo.shown() == state.dataset
    with state.lock:
        with telemetry.span(telemetry.STAGE_RANKING):
            ranking = ranking_payload(state, limit=settings.broadcast_top_n, now=now)
        with telemetry.span(telemetry.STAGE_SNAPSHOT):
            save_snapshot(store, state, now)
    if not shown:
        return
    broadcast.send("ranking", ranking)
    if state.model_version != state.announced_model:
        if state.announced_model is not None:
            broadcast.send("model", {"version": state.model_version})
        state.announced_model = state.model_version
