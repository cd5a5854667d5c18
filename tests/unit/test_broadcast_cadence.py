"""The broadcast coalescer, on a fake clock and fake timers: how often a burst of change-feed
batches reaches the dashboards, and that the newest state always goes out."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from shared.live.broadcast import Coalescer
from shared.live.triggers import LIVE_INTERVAL, RANKING_INTERVAL
from tests.fakes import FakeTime

pytestmark = pytest.mark.unit


class FakeTimers:
    """Stands in for ``threading.Timer``: records each timer; ``fire_due`` runs the started
    ones whose time has come, as the timer threads would."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.pending: list[_Timer] = []

    def __call__(self, delay: float, fn: Callable[[], None]) -> _Timer:
        timer = _Timer(self.time.now + delay, delay, fn)
        self.pending.append(timer)
        return timer

    def fire_due(self) -> None:
        while due := [t for t in self.pending if t.started and t.due <= self.time.now + 1e-9]:
            for timer in due:
                self.pending.remove(timer)
                timer.fn()


class _Timer:
    daemon = False

    def __init__(self, due: float, delay: float, fn: Callable[[], None]) -> None:
        self.due, self.delay, self.fn = due, delay, fn
        self.started = False

    def start(self) -> None:
        self.started = True


def _coalescer(interval: float) -> tuple[Coalescer, FakeTime, FakeTimers, list[float]]:
    time = FakeTime(now=1_000.0)
    timers = FakeTimers(time)
    flushed: list[float] = []
    coalescer = Coalescer(
        lambda: flushed.append(time.now), interval, clock=time.clock, timer=timers
    )
    return coalescer, time, timers, flushed


def test_a_request_after_a_quiet_spell_flushes_at_once_and_a_burst_waits_for_one_trailing_flush():
    coalescer, time, timers, flushed = _coalescer(0.2)
    coalescer.request()
    assert flushed == [1_000.0] and not timers.pending  # nothing to wait for

    time.now += 0.05
    for _ in range(3):
        coalescer.request()
    assert flushed == [1_000.0], "inside the interval: merged, not sent"
    assert len(timers.pending) == 1, "one trailing flush for the three"
    assert timers.pending[0].delay == pytest.approx(0.15)  # the rest of the interval

    time.now += 0.15
    timers.fire_due()
    assert flushed == [1_000.0, pytest.approx(1_000.2)]
    assert not timers.pending


@pytest.mark.parametrize(
    "interval, most",
    [(LIVE_INTERVAL, 11), (RANKING_INTERVAL, 5)],
    ids=["kpis and ticker", "ranking"],
)
def test_a_two_second_burst_flushes_at_most_once_per_interval_and_serves_the_last_batch(
    interval, most
):
    coalescer, time, timers, flushed = _coalescer(interval)
    asked = []
    for _ in range(40):  # a batch every 50 ms for 2 s
        timers.fire_due()
        coalescer.request()
        asked.append(time.now)
        time.now += 0.05
    time.now += interval
    timers.fire_due()

    assert len(flushed) <= most, flushed
    gaps = [b - a for a, b in itertools.pairwise(flushed)]
    assert min(gaps) >= interval - 1e-9, gaps
    # The trailing flush: the last batch's state goes out, however the burst ended.
    assert flushed[-1] >= asked[-1]


def test_the_kpis_go_out_more_often_than_the_ranking():
    """The ranking's top is several SignalR units per dashboard, the KPI message one: the
    ranking is the one held back (shared.live.triggers)."""
    assert LIVE_INTERVAL < RANKING_INTERVAL <= 0.5  # a ranking still reaches the screen in 1 s
