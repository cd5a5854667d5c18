"""Push messages to the dashboard through SignalR, without ever failing the caller.

``send`` is fire-and-forget over the SignalR REST client (short timeout, circuit breaker).
``Coalescer`` bounds how often a burst of event batches re-broadcasts: at most one flush per
``interval`` seconds, with a trailing flush so the last state always goes out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from shared.adapters import signalr
from shared.core import telemetry
from shared.core.settings import get_settings

log = logging.getLogger("resight.broadcast")


def send(target: str, payload: Any) -> bool:
    client = signalr.from_settings(get_settings())
    if client is None:
        return False
    with telemetry.span(telemetry.STAGE_SEND, **{"resight.target": target}):
        return client.broadcast(target, [payload])


def configured() -> bool:
    return signalr.from_settings(get_settings()) is not None


class Coalescer:
    """Run ``flush`` at most once per ``interval``; requests in between merge into one."""

    def __init__(
        self,
        flush: Callable[[], None],
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        timer: Callable[[float, Callable[[], None]], threading.Timer] = threading.Timer,
    ) -> None:
        self._flush = flush
        self._interval = interval
        self._clock, self._new_timer = clock, timer  # injectable, for tests without waiting
        self._lock = threading.Lock()
        self._last = 0.0
        self._timer: threading.Timer | None = None
        # When the oldest request the next flush serves was made (epoch ns): the flush span
        # carries it, so the wait a coalesced request spent shows as its own stage.
        self._asked_at: int | None = None

    def request(self) -> None:
        with self._lock:
            if self._asked_at is None:
                self._asked_at = time.time_ns()
            wait = self._last + self._interval - self._clock()
            if wait <= 0 and self._timer is None:
                self._last = self._clock()
                run_now = True
            else:
                run_now = False
                if self._timer is None:
                    self._timer = self._new_timer(max(wait, 0.0), self._trailing)
                    self._timer.daemon = True
                    self._timer.start()
        if run_now:
            self._run()

    def request_later(self, delay: float) -> None:
        """A flush ``delay`` seconds from now, unless one is pending already: the newest state
        goes out again once a flush could not deliver it, even if no event asks for one."""
        with self._lock:
            if self._timer is None:
                self._timer = self._new_timer(delay, self._trailing)
                self._timer.daemon = True
                self._timer.start()

    def _trailing(self) -> None:
        with self._lock:
            self._timer = None
            self._last = self._clock()
        self._run()

    def _run(self) -> None:
        with self._lock:
            asked_at, self._asked_at = self._asked_at, None
        attributes = {} if asked_at is None else {"resight.asked_at_ns": asked_at}
        try:
            with telemetry.span(telemetry.STAGE_FLUSH, **attributes):
                self._flush()
        except Exception:
            log.exception("broadcast flush failed")
