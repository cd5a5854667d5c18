"""The holdout report of the dataset shown (``shared.ml.holdout_report``), kept per process.

One report per dataset, model and window for ``CACHE_SECONDS``: the window's days are closed, so
a page opened twice reads the same figures and a reload does not replay the event log again,
yet a late import into those days shows within minutes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.live.state import LiveState
from shared.ml import holdout_report
from shared.ml.cosmos_source import load_history

CACHE_SECONDS = 600.0
_cache: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def holdout(state: LiveState, now: datetime) -> dict[str, Any]:
    """The report of ``state``'s dataset with its current model (synced by the caller)."""
    assert state.ranker is not None
    model, mode = state.ranker.model, state.mode()
    _, end = holdout_report.window(now)

    def build() -> dict[str, Any]:
        catalogue, events = load_history(state.store)
        return holdout_report.report(catalogue, events, model, mode, now)

    return cached((state.dataset, model.version, end.isoformat()), build)


def cached(
    key: tuple[str, str, str], build: Callable[[], dict[str, Any]], ttl: float = CACHE_SECONDS
) -> dict[str, Any]:
    """``build()``'s report under ``key``, built again once ``ttl`` seconds old."""
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < ttl:
            return hit[1]
    value = build()
    with _cache_lock:
        _cache[key] = (time.monotonic(), value)
    return value


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
