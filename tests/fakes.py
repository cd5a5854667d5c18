"""Fakes shared by the test suites."""

from __future__ import annotations


class FakeTime:
    """Time that moves only when the code under test pauses or a test moves ``now``: pass
    ``clock`` and ``sleep`` where the code takes them. Each pause is recorded in ``sleeps``."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
