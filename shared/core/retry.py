"""Retry with backoff, written once: ``call`` runs an attempt again while it fails in a way worth
another try, pausing between attempts, within a count and optionally a time budget.

Built on tenacity (pinned in requirements.txt), not stamina. Both are well kept; stamina is an
opinionated layer over tenacity (exceptions only, jittered backoff, a process-wide switch for
tests). The callers here need what only the layer below gives: retrying on a returned value
(WhatsApp's ``Delivery``, a SignalR status) as well as on exceptions, exact pauses that tests
pin, and a sleep and a clock passed per call, so a test swaps time without patching anything
global. tenacity has no dependencies of its own. Only this module imports it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import tenacity
from tenacity.wait import wait_base

T = TypeVar("T")

Wait = wait_base


def doubling(first: float) -> Wait:
    """Pauses of ``first``, then twice the previous: ``first * 2 ** (n - 1)`` after failure n."""
    return tenacity.wait_exponential(multiplier=first, exp_base=2, min=0)


def jittered(first: float, cap: float) -> Wait:
    """Doubling pauses from ``first`` up to ``cap``, each a random time up to that bound ("full
    jitter"), so many callers throttled together do not come back together."""
    return tenacity.wait_random_exponential(multiplier=first, max=cap)


def steps(*pauses: float) -> Wait:
    """These pauses in turn, the last one repeated."""
    return tenacity.wait_chain(*(tenacity.wait_fixed(p) for p in pauses))


def call(
    attempt: Callable[[], T],
    *,
    attempts: int,
    wait: Wait,
    retry_on: type[BaseException] | tuple[type[BaseException], ...] = (),
    again: Callable[[T], bool] = lambda _: False,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``attempt()`` until it returns a value ``again`` does not ask to repeat, or raises what
    ``retry_on`` does not name; at most ``attempts`` times, pausing ``wait`` in between. With a
    ``deadline`` (on ``clock``), a pause that would end at or after it is not taken.

    When the attempts (or the time) run out, the last attempt's outcome stands: its value is
    returned, its exception raised. Anything else ``attempt`` raises propagates at once.
    """

    def stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= attempts:
            return True
        return deadline is not None and clock() + state.upcoming_sleep >= deadline

    def last_outcome(state: tenacity.RetryCallState) -> T:
        assert state.outcome is not None
        return state.outcome.result()  # the value, or the exception raised again

    retrying = tenacity.Retrying(
        stop=stop,
        wait=wait,
        retry=tenacity.retry_if_exception_type(retry_on) | tenacity.retry_if_result(again),
        sleep=sleep,
        retry_error_callback=last_outcome,
    )
    return retrying(attempt)
